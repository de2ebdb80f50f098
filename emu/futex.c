/* futex (Linux kernel/futex): a task waits on a 32-bit word until another
 * wakes it, the clock reaches its timeout, or a signal comes
 * (docs/processes.md, "futex").  A waiter is a blocked task with the
 * word's key and a bitset; waking takes them in the order they came.  A
 * private word's key is its address space and address; a shared one in a
 * MAP_SHARED mapping of a shared object (anonymous shared memory, a
 * memfd, a file) is the object and the offset, so that every mapping of
 * it, in any process, meets the same waiters; a shared word elsewhere is
 * keyed by mm and address, but apart from a private one.  With one task left
 * nobody can wake it: the single-process wait (signals.md, "Timers and
 * waiting"). */
#include <errno.h>
#include <stdint.h>

#include "../mmu/uaccess.h"
#include "../mmu/vma.h"
#include "futex.h"
#include "machine.h"
#include "syscall.h"

/* Linux's mark of a shared key on a private page: the address space and
 * the address, like a private key, but a different key. */
#define FUT_OFF_MMSHARED (1ULL << 63)

int get_futex_key(struct mm *mm, uint64_t uaddr, bool shared,
		  struct futex_key *key)
{
	if (uaddr & 3)
		return -EINVAL;
	if (!access_ok(uaddr, sizeof(uint32_t)))
		return -EFAULT;
	key->obj = mm;
	key->off = uaddr;
	if (!shared)
		return 0;
	/* The page must be there to be looked at (get_user_pages_fast). */
	struct vma *v = vma_lookup(&mm->vmas, uaddr);
	if (!v || !(v->flags & (VM_READ | VM_WRITE)))
		return -EFAULT;
	if (v->shm && (v->flags & VM_SHARED)) {
		key->obj = v->shm;
		key->off = v->pgoff * PAGE_SIZE + (uaddr - v->start);
	} else {
		key->off |= FUT_OFF_MMSHARED; /* never a private key's */
	}
	return 0;
}

static bool key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->obj == b->obj && a->off == b->off;
}

/* The waiter on key, of bitset, that came first after the one numbered
 * after (0: the first of all). */
static struct process *waiter_after(struct memu *m, const struct futex_key *key,
				    uint32_t bitset, uint64_t after)
{
	struct process *w = NULL;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *t = m->tasks[i];
		if (t->state == TASK_BLOCKED && t->futex_waiting &&
		    key_eq(&t->futex_key, key) && (t->futex_bitset & bitset) &&
		    t->futex_seq > after && (!w || t->futex_seq < w->futex_seq))
			w = t;
	}
	return w;
}

struct process *futex_first_waiter(struct memu *m, const struct futex_key *key,
				   uint32_t bitset)
{
	return waiter_after(m, key, bitset, 0);
}

void futex_queue(struct memu *m, const struct futex_key *key, uint64_t uaddr,
		 uint32_t bitset, bool pi, uint64_t until)
{
	struct process *p = m->proc;
	block_current(m, "futex", until);
	p->futex_waiting = true;
	p->futex_key = *key;
	p->futex_uaddr = uaddr;
	p->futex_bitset = bitset;
	p->futex_pi = pi;
	p->futex_seq = ++m->futex_seq;
	p->futex_until = until;
}

void futex_wake_waiter(struct process *w)
{
	w->futex_waiting = false;
	w->futex_woken = true;
	wake_task(w);
}

/* Linux futex_wake: at least one, even for nr <= 0; a PI waiter on the
 * word is EINVAL (after those woken before it). */
static int wake_key(struct memu *m, const struct futex_key *key, int nr,
		    uint32_t bitset)
{
	int n = 0;
	struct process *w;
	while ((n == 0 || n < nr) && (w = futex_first_waiter(m, key, bitset))) {
		if (w->futex_pi)
			return -EINVAL;
		futex_wake_waiter(w);
		n++;
	}
	return n;
}

int futex_wake(struct memu *m, struct mm *mm, uint64_t uaddr, bool shared,
	       int nr, uint32_t bitset)
{
	struct futex_key key;
	int err = get_futex_key(mm, uaddr, shared, &key);
	return err ? err : wake_key(m, &key, nr, bitset);
}

/* Linux futex_wait: 0 once woken by FUTEX_WAKE; EAGAIN if the word is
 * not val; ETIMEDOUT at the deadline; a signal ends it with ERESTARTSYS
 * (with a timeout ERESTART_RESTARTBLOCK: EINTR even with SA_RESTART).
 * A task that blocks returns a restart code: its call runs again when
 * it is woken, and finds out why. */
int64_t futex_wait(struct memu *m, uint64_t uaddr, bool shared, uint32_t val,
		   bool timeout, uint64_t until, uint32_t bitset)
{
	struct process *p = m->proc;
	uint32_t cur;
	if (p->futex_woken) {
		p->futex_woken = false;
		return 0;
	}
	if (!bitset)
		return -EINVAL;
	struct futex_key key;
	int err = get_futex_key(p->mm, uaddr, shared, &key);
	if (err)
		return err;
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
		futex_queue(m, &key, uaddr, bitset, false, timeout ? until : 0);
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
	r->shared = shared;
	return -ERESTART_RESTARTBLOCK;
}

/* Linux futex_requeue (not PI): wake nr_wake waiters on uaddr, move up
 * to nr_requeue of the others to uaddr2; CMP_REQUEUE first checks that
 * the word still holds val3.  The count of both. */
static int64_t futex_requeue(struct memu *m, uint64_t uaddr, uint64_t uaddr2,
			     bool shared, int nr_wake, int nr_requeue,
			     const uint32_t *val3)
{
	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	struct mm *mm = m->proc->mm;
	struct futex_key key, key2;
	int err = get_futex_key(mm, uaddr, shared, &key);
	if (!err)
		err = get_futex_key(mm, uaddr2, shared, &key2);
	if (err)
		return err;
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
	       (w = futex_first_waiter(m, &key, FUTEX_BITSET_MATCH_ANY));
	     n++) {
		if (w->futex_pi)
			return -EINVAL;
		futex_wake_waiter(w);
	}
	/* Onto the same key (uaddr2 may be uaddr) Linux's requeue_futex
	 * leaves each waiter where it is, in its place, and counts it. */
	bool same = key_eq(&key, &key2);
	uint64_t seq = 0;
	for (int k = 0;
	     k < nr_requeue &&
	     (w = waiter_after(m, &key, FUTEX_BITSET_MATCH_ANY, seq));
	     k++, n++) {
		if (w->futex_pi)
			return -EINVAL;
		seq = w->futex_seq;
		if (same)
			continue;
		w->futex_key = key2;
		w->futex_uaddr = uaddr2;
		w->futex_seq = ++m->futex_seq; /* at the end of uaddr2's */
	}
	return n;
}

/* Linux futex_atomic_op_inuser: FUTEX_WAKE_OP's encoded op on the word
 * at uaddr - op (bits 28-30, FUTEX_OP_OPARG_SHIFT in bit 31: the
 * argument is a shift), cmp (24-27), oparg (12-23), cmparg (0-11), both
 * signed - gives whether the old value compares true (0 or 1), or
 * -ENOSYS for an unknown op (the word untouched) or cmp (after the op),
 * -EFAULT. */
static int futex_atomic_op_inuser(struct mm *mm, uint32_t encoded_op,
				  uint64_t uaddr)
{
	unsigned op = (encoded_op & 0x70000000) >> 28;
	unsigned cmp = (encoded_op & 0x0f000000) >> 24;
	int32_t oparg = (int32_t)((encoded_op & 0x00fff000) << 8) >> 20;
	int32_t cmparg = (int32_t)((encoded_op & 0x00000fff) << 20) >> 20;
	if (encoded_op & 0x80000000U)
		oparg = (int32_t)(1U << (oparg & 31)); /* Linux warns, masks */
	int32_t oldval, newval;
	if (op > 4)
		return -ENOSYS; /* before the word is touched */
	if (copy_from_user(mm, &oldval, uaddr, sizeof(oldval)))
		return -EFAULT;
	switch (op) {
	case 0: /* FUTEX_OP_SET */
		newval = oparg;
		break;
	case 1: /* FUTEX_OP_ADD */
		newval = (int32_t)((uint32_t)oldval + (uint32_t)oparg);
		break;
	case 2: /* FUTEX_OP_OR */
		newval = oldval | oparg;
		break;
	case 3: /* FUTEX_OP_ANDN */
		newval = oldval & ~oparg;
		break;
	default: /* FUTEX_OP_XOR */
		newval = oldval ^ oparg;
		break;
	}
	if (copy_to_user(mm, uaddr, &newval, sizeof(newval)))
		return -EFAULT;
	switch (cmp) {
	case 0: /* FUTEX_OP_CMP_EQ */
		return oldval == cmparg;
	case 1: /* NE */
		return oldval != cmparg;
	case 2: /* LT */
		return oldval < cmparg;
	case 3: /* LE */
		return oldval <= cmparg;
	case 4: /* GT */
		return oldval > cmparg;
	case 5: /* GE */
		return oldval >= cmparg;
	default:
		return -ENOSYS;
	}
}

/* Linux futex_wake_op: the op on the word at uaddr2, then up to nr_wake
 * waiters on uaddr woken (at least one), and up to nr_wake2 on uaddr2 if
 * the old value compared true; how many in all. */
static int64_t futex_wake_op(struct memu *m, uint64_t uaddr, uint64_t uaddr2,
			     bool shared, int nr_wake, int nr_wake2,
			     uint32_t op)
{
	struct mm *mm = m->proc->mm;
	struct futex_key key, key2;
	int err = get_futex_key(mm, uaddr, shared, &key);
	if (!err)
		err = get_futex_key(mm, uaddr2, shared, &key2);
	if (err)
		return err;
	int op_ret = futex_atomic_op_inuser(mm, op, uaddr2);
	if (op_ret < 0)
		return op_ret;
	int n = wake_key(m, &key, nr_wake, FUTEX_BITSET_MATCH_ANY);
	if (n < 0 || op_ret == 0)
		return n;
	int n2 = wake_key(m, &key2, nr_wake2, FUTEX_BITSET_MATCH_ANY);
	return n2 < 0 ? n2 : n + n2;
}

int64_t sys_futex(struct memu *m, const uint64_t *a)
{
	int op = (int)a[1];
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	bool timeout = false;
	uint64_t until = 0;
	if (a[3] && (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET ||
		     cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2)) {
		/* futex_init_timeout: FUTEX_WAIT's is relative, the
		 * others' absolute on CLOCK_MONOTONIC or CLOCK_REALTIME
		 * (FUTEX_LOCK_PI's always CLOCK_REALTIME, FUTEX_LOCK_PI2's
		 * as the flag says). */
		int err = get_timespec(m, a[3], &until);
		if (err)
			return err;
		if (cmd == FUTEX_WAIT)
			until = vclock_after(&m->clock, until);
		else if ((op & FUTEX_CLOCK_REALTIME) || cmd == FUTEX_LOCK_PI)
			until = until > VCLOCK_EPOCH * 1000000000ULL
					? until - VCLOCK_EPOCH * 1000000000ULL
					: 0;
		timeout = true;
	}
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	uint32_t val3 = (uint32_t)a[5];
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(m, a[0], shared, (uint32_t)a[2], timeout,
				  until, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		return futex_wait(m, a[0], shared, (uint32_t)a[2], timeout,
				  until, val3);
	case FUTEX_WAKE_BITSET:
		if (!val3)
			return -EINVAL;
		/* fallthrough */
	case FUTEX_WAKE:
		return futex_wake(m, m->proc->mm, a[0], shared, (int)a[2],
				  cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY
						    : val3);
	case FUTEX_REQUEUE:
		return futex_requeue(m, a[0], a[4], shared, (int)a[2],
				     (int)a[3], NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(m, a[0], a[4], shared, (int)a[2],
				     (int)a[3], &val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(m, a[0], a[4], shared, (int)a[2],
				     (int)a[3], val3);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		return futex_lock_pi(m, a[0], shared, timeout, until, false);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(m, a[0], shared, false, 0, true);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(m, a[0], shared);
	default:
		return -ENOSYS;
	}
}
