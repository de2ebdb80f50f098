/* futex (Linux kernel/futex): a task waits on a 32-bit word of its
 * address space until another wakes it, the clock reaches its timeout, or
 * a signal comes (docs/processes.md, "futex").  A waiter is a blocked
 * task with the word's key - its mm and the address, private and shared
 * alike - and a bitset; waking takes them in the order they came.
 * With one task left nobody can wake it: the single-process wait
 * (signals.md, "Timers and waiting"). */
#include <errno.h>
#include <stdint.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define FUTEX_WAIT	     0
#define FUTEX_WAKE	     1
#define FUTEX_REQUEUE	     3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256

/* The waiter on (mm, uaddr) that came first, matching bitset. */
static struct process *first_waiter(struct memu *m, struct mm *mm,
				    uint64_t uaddr, uint32_t bitset)
{
	struct process *w = NULL;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *t = m->tasks[i];
		if (t->state == TASK_BLOCKED && t->futex_waiting &&
		    t->futex_mm == mm && t->futex_uaddr == uaddr &&
		    (t->futex_bitset & bitset) &&
		    (!w || t->futex_seq < w->futex_seq))
			w = t;
	}
	return w;
}

int futex_wake(struct memu *m, struct mm *mm, uint64_t uaddr, int nr,
	       uint32_t bitset)
{
	int n = 0;
	struct process *w;
	/* Linux wakes one even for nr <= 0. */
	while ((n == 0 || n < nr) && (w = first_waiter(m, mm, uaddr, bitset))) {
		w->futex_waiting = false;
		w->futex_woken = true;
		wake_task(w);
		n++;
	}
	return n;
}

/* Linux futex_wait: 0 once woken by FUTEX_WAKE; EAGAIN if the word is
 * not val; ETIMEDOUT at the deadline; a signal ends it with ERESTARTSYS
 * (with a timeout ERESTART_RESTARTBLOCK: EINTR even with SA_RESTART).
 * A task that blocks returns a restart code: its call runs again when
 * it is woken, and finds out why. */
int64_t futex_wait(struct memu *m, uint64_t uaddr, uint32_t val, bool timeout,
		   uint64_t until, uint32_t bitset)
{
	struct process *p = m->proc;
	uint32_t cur;
	if (p->futex_woken) {
		p->futex_woken = false;
		return 0;
	}
	if (!bitset || (uaddr & 3))
		return -EINVAL;
	if (timeout && p->woken && p->futex_until)
		until = p->futex_until; /* the first call's deadline */
	p->futex_until = 0;
	if (copy_from_user(p->mm, &cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	if (!sched_multi(m)) {
		if (!wait_interruptible(m, timeout, until))
			return -ETIMEDOUT;
	} else if (timeout && m->clock.ns >= until) {
		return -ETIMEDOUT;
	} else if (!signal_pending(m)) {
		block_current(m, "futex", timeout ? until : 0);
		p->futex_waiting = true;
		p->futex_mm = p->mm;
		p->futex_uaddr = uaddr;
		p->futex_bitset = bitset;
		p->futex_seq = ++m->futex_seq;
		p->futex_until = timeout ? until : 0;
		return -ERESTARTSYS; /* rewound: runs again when woken */
	}
	if (!timeout)
		return -ERESTARTSYS;
	struct restart_block *r = &p->restart;
	r->fn = RESTART_FUTEX_WAIT;
	r->uaddr = uaddr;
	r->val = val;
	r->expires = until;
	r->bitset = bitset;
	r->timeout = true;
	return -ERESTART_RESTARTBLOCK;
}

/* Linux futex_requeue (not PI): wake nr_wake waiters on uaddr, move up
 * to nr_requeue of the others to uaddr2; CMP_REQUEUE first checks that
 * the word still holds val3.  The count of both. */
static int64_t futex_requeue(struct memu *m, uint64_t uaddr, uint64_t uaddr2,
			     int nr_wake, int nr_requeue, const uint32_t *val3)
{
	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	if ((uaddr & 3) || (uaddr2 & 3))
		return -EINVAL;
	struct mm *mm = m->proc->mm;
	if (val3) {
		uint32_t cur;
		if (copy_from_user(mm, &cur, uaddr, sizeof(cur)))
			return -EFAULT;
		if (cur != *val3)
			return -EAGAIN;
	}
	int n = 0;
	struct process *w;
	/* Exactly nr_wake here (0 wakes none), unlike FUTEX_WAKE. */
	for (; n < nr_wake &&
	       (w = first_waiter(m, mm, uaddr, FUTEX_BITSET_MATCH_ANY));
	     n++) {
		w->futex_waiting = false;
		w->futex_woken = true;
		wake_task(w);
	}
	for (int k = 0;
	     k < nr_requeue && uaddr != uaddr2 &&
	     (w = first_waiter(m, mm, uaddr, FUTEX_BITSET_MATCH_ANY));
	     k++, n++) {
		w->futex_uaddr = uaddr2;
		w->futex_seq = ++m->futex_seq; /* at the end of uaddr2's */
	}
	return n;
}

int64_t sys_futex(struct memu *m, const uint64_t *a)
{
	int op = (int)a[1];
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool timeout = false;
	uint64_t until = 0;
	if (a[3] && (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET)) {
		/* futex_init_timeout: FUTEX_WAIT's is relative, the
		 * others' absolute on CLOCK_MONOTONIC or
		 * CLOCK_REALTIME. */
		int err = get_timespec(m, a[3], &until);
		if (err)
			return err;
		if (cmd == FUTEX_WAIT)
			until = vclock_after(&m->clock, until);
		else if (op & FUTEX_CLOCK_REALTIME)
			until = until > VCLOCK_EPOCH * 1000000000ULL
					? until - VCLOCK_EPOCH * 1000000000ULL
					: 0;
		timeout = true;
	}
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	uint32_t val3 = (uint32_t)a[5];
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(m, a[0], (uint32_t)a[2], timeout, until,
				  FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		return futex_wait(m, a[0], (uint32_t)a[2], timeout, until,
				  val3);
	case FUTEX_WAKE_BITSET:
		if (!val3)
			return -EINVAL;
		/* fallthrough */
	case FUTEX_WAKE:
		/* get_futex_key: the word must be aligned. */
		if (a[0] & 3)
			return -EINVAL;
		return futex_wake(m, m->proc->mm, a[0], (int)a[2],
				  cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY
						    : val3);
	case FUTEX_REQUEUE:
		return futex_requeue(m, a[0], a[4], (int)a[2], (int)a[3], NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(m, a[0], a[4], (int)a[2], (int)a[3],
				     &val3);
	default:
		return -ENOSYS;
	}
}
