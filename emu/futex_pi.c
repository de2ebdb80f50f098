/* Priority-inheritance futexes (Linux kernel/futex/pi.c): the word holds
 * its owner's tid; FUTEX_LOCK_PI takes a free word or queues behind the
 * owner with FUTEX_WAITERS set, FUTEX_UNLOCK_PI hands the word to the
 * first waiter (its tid | FUTEX_WAITERS) or clears it, and an owner
 * that dies passes it on (docs/processes.md, "futex").  memu has one CPU
 * and no real-time priorities, so there is nothing to boost: waiters take
 * the lock in the order they came. */
#include <errno.h>
#include <stdint.h>

#include "../mmu/uaccess.h"
#include "futex.h"
#include "machine.h"
#include "syscall.h"

static struct process *first_pi_waiter(struct memu *m,
				       const struct futex_key *key)
{
	struct process *w = futex_first_waiter(m, key, FUTEX_BITSET_MATCH_ANY);
	return w && w->futex_pi ? w : NULL;
}

bool futex_pi_hand_over(struct memu *m, struct mm *mm, uint64_t uaddr,
			const struct futex_key *key, uint32_t uval)
{
	struct process *w = first_pi_waiter(m, key);
	if (!w)
		return false;
	uint32_t newval = (uint32_t)w->task.pid | FUTEX_WAITERS |
			  (uval & FUTEX_OWNER_DIED);
	if (copy_to_user(mm, uaddr, &newval, sizeof(newval)))
		return false;
	futex_wake_waiter(w);
	/* The others wait behind the new owner now. */
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *t = m->tasks[i];
		if (t->state == TASK_BLOCKED && t->futex_waiting &&
		    t->futex_pi && t->futex_key.obj == key->obj &&
		    t->futex_key.off == key->off)
			t->futex_pi_owner = w->task.pid;
	}
	return true;
}

/* Linux futex_lock_pi: 0 once the word is the caller's - taken free
 * (FUTEX_OWNER_DIED kept), or handed over by its owner; EDEADLK when it
 * already is; ESRCH when its owner is no live task; EAGAIN for a trylock
 * (and a lock) of a word another owns (FUTEX_WAITERS set on the way);
 * ETIMEDOUT at the absolute deadline.  A signal never ends the wait: the
 * call runs again after the handler (ERESTARTNOINTR). */
int64_t futex_lock_pi(struct memu *m, uint64_t uaddr, bool shared, bool timeout,
		      uint64_t until, bool trylock)
{
	struct process *p = m->proc;
	if (p->futex_woken) {
		p->futex_woken = false;
		return 0;
	}
	p->futex_until = 0;
	struct futex_key key;
	int err = get_futex_key(p->mm, uaddr, shared, &key);
	if (err)
		return err;
	uint32_t uval, vpid = (uint32_t)p->task.pid;
	if (copy_from_user(p->mm, &uval, uaddr, sizeof(uval)))
		return -EFAULT;
	if ((uval & FUTEX_TID_MASK) == vpid)
		return -EDEADLK;
	if (!(uval & FUTEX_TID_MASK)) {
		uint32_t newval = (uval & FUTEX_OWNER_DIED) | vpid;
		if (first_pi_waiter(m, &key))
			newval |= FUTEX_WAITERS;
		if (copy_to_user(p->mm, uaddr, &newval, sizeof(newval)))
			return -EFAULT;
		return 0;
	}
	/* The first waiter sets FUTEX_WAITERS before it looks for the
	 * owner: the owner's unlock comes to the kernel. */
	if (!(uval & FUTEX_WAITERS)) {
		uval |= FUTEX_WAITERS;
		if (copy_to_user(p->mm, uaddr, &uval, sizeof(uval)))
			return -EFAULT;
	}
	struct process *owner = find_task(m, (int)(uval & FUTEX_TID_MASK));
	if (!owner || owner->state == TASK_ZOMBIE)
		return -ESRCH;
	if (trylock)
		return -EAGAIN; /* EWOULDBLOCK */
	if (timeout && m->clock.ns >= until)
		return -ETIMEDOUT;
	if (!signal_pending(m)) {
		futex_queue(m, &key, uaddr, FUTEX_BITSET_MATCH_ANY, true,
			    timeout ? until : 0);
		p->futex_pi_owner = owner->task.pid;
	}
	return -ERESTARTNOINTR; /* rewound: runs again when woken */
}

/* Linux futex_unlock_pi: EPERM unless the caller owns the word; it goes
 * to the first waiter, or is cleared (FUTEX_OWNER_DIED with it). */
int64_t futex_unlock_pi(struct memu *m, uint64_t uaddr, bool shared)
{
	struct process *p = m->proc;
	struct futex_key key;
	int err = get_futex_key(p->mm, uaddr, shared, &key);
	if (err)
		return err;
	uint32_t uval, zero = 0;
	if (copy_from_user(p->mm, &uval, uaddr, sizeof(uval)))
		return -EFAULT;
	if ((uval & FUTEX_TID_MASK) != (uint32_t)p->task.pid)
		return -EPERM;
	if (futex_pi_hand_over(m, p->mm, uaddr, &key, uval & ~FUTEX_OWNER_DIED))
		return 0;
	if (copy_to_user(p->mm, uaddr, &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}

/* Linux exit_pi_state_list: each PI futex whose waiters wait behind p
 * goes to the first of them, whatever its word says now (a robust
 * list's walk may have marked it FUTEX_OWNER_DIED, kept). */
void futex_pi_exit(struct memu *m, struct process *p)
{
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *w = m->tasks[i];
		uint32_t uval;
		if (w->state != TASK_BLOCKED || !w->futex_waiting ||
		    !w->futex_pi || w->futex_pi_owner != p->task.pid ||
		    !w->mm ||
		    copy_from_user(w->mm, &uval, w->futex_uaddr, sizeof(uval)))
			continue;
		struct futex_key key = w->futex_key;
		futex_pi_hand_over(m, w->mm, w->futex_uaddr, &key, uval);
	}
}
