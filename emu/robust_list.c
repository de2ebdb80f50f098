/* The robust futex list (Linux kernel/futex/core.c: exit_robust_list,
 * handle_futex_death): set_robust_list gives the kernel the head of a
 * list of the locks a thread holds; when the thread exits (exit,
 * exit_group, a fatal signal, the other threads of an exec) or execs,
 * each lock word it still owns is marked FUTEX_OWNER_DIED and one waiter
 * woken, so that the next locker gets EOWNERDEAD (docs/processes.md,
 * "futex").  Every pointer is the guest's: a bad one ends the walk. */
#include <errno.h>
#include <stdint.h>

#include "../mmu/uaccess.h"
#include "futex.h"
#include "machine.h"
#include "syscall.h"

#define ROBUST_LIST_LIMIT 2048
/* struct robust_list_head: list.next, futex_offset, list_op_pending. */
#define ROBUST_HEAD_SIZE 24

/* An entry pointer, with bit 0 the PI flag. */
static int fetch_robust_entry(struct mm *mm, uint64_t *entry, uint64_t head,
			      bool *pi)
{
	uint64_t u;
	if (copy_from_user(mm, &u, head, sizeof(u)))
		return -EFAULT;
	*entry = u & ~1ULL;
	*pi = u & 1;
	return 0;
}

/* Linux handle_futex_death: -1 stops the walk. */
static int handle_futex_death(struct memu *m, struct process *p, uint64_t uaddr,
			      bool pi, bool pending_op)
{
	struct mm *mm = p->mm;
	uint32_t uval;
	if (uaddr & 3)
		return -1;
	if (copy_from_user(mm, &uval, uaddr, sizeof(uval)))
		return -1;
	uint32_t owner = uval & FUTEX_TID_MASK;
	/* Died between taking the word and queueing it, or unlocking it
	 * and waking: wake a waiter that may have missed it. */
	if (pending_op && !pi && !owner) {
		futex_wake(m, mm, uaddr, true, 1, FUTEX_BITSET_MATCH_ANY);
		return 0;
	}
	if (owner != (uint32_t)p->task.pid)
		return 0;
	uint32_t mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	if (copy_to_user(mm, uaddr, &mval, sizeof(mval)))
		return -1;
	if (!pi && (uval & FUTEX_WAITERS))
		futex_wake(m, mm, uaddr, true, 1, FUTEX_BITSET_MATCH_ANY);
	if (pi) {
		/* exit_pi_state_list: its first waiter takes it. */
		struct futex_key key;
		if (!get_futex_key(mm, uaddr, true, &key))
			futex_pi_hand_over(m, mm, uaddr, &key, mval);
	}
	return 0;
}

/* Linux exit_robust_list: a bounded walk of the list, the entry whose
 * operation was under way (list_op_pending) last. */
static void exit_robust_list(struct memu *m, struct process *p)
{
	struct mm *mm = p->mm;
	uint64_t head = p->robust_list, entry, next_entry = 0, pending;
	uint64_t futex_offset;
	bool pi, next_pi, pip;
	unsigned limit = ROBUST_LIST_LIMIT;
	if (fetch_robust_entry(mm, &entry, head, &pi))
		return;
	if (copy_from_user(mm, &futex_offset, head + 8, sizeof(futex_offset)))
		return;
	if (fetch_robust_entry(mm, &pending, head + 16, &pip))
		return;
	while (entry != head) {
		int rc = fetch_robust_entry(mm, &next_entry, entry, &next_pi);
		if (entry != pending &&
		    handle_futex_death(m, p, entry + futex_offset, pi, false))
			return;
		if (rc)
			return;
		entry = next_entry;
		pi = next_pi;
		if (!--limit)
			break;
	}
	if (pending)
		handle_futex_death(m, p, pending + futex_offset, pip, true);
}

/* Linux futex_cleanup. */
void futex_exit_release(struct memu *m, struct process *p)
{
	if (!p->mm)
		return;
	if (p->robust_list) {
		exit_robust_list(m, p);
		p->robust_list = 0;
	}
	futex_pi_exit(m, p);
}

/* set_robust_list, get_robust_list: the head is only remembered until
 * the thread exits. */
int64_t sys_set_robust_list(struct memu *m, const uint64_t *a)
{
	if (a[1] != ROBUST_HEAD_SIZE)
		return -EINVAL;
	m->proc->robust_list = a[0];
	m->proc->robust_len = a[1];
	return 0;
}

int64_t sys_get_robust_list(struct memu *m, const uint64_t *a)
{
	int32_t pid = (int32_t)a[0];
	struct process *p = pid ? find_task(m, pid) : m->proc;
	if (!p || p->state == TASK_ZOMBIE)
		return -ESRCH;
	uint64_t len = ROBUST_HEAD_SIZE;
	if (copy_to_user(m->proc->mm, a[2], &len, sizeof(len)))
		return -EFAULT;
	if (copy_to_user(m->proc->mm, a[1], &p->robust_list,
			 sizeof(p->robust_list)))
		return -EFAULT;
	return 0;
}
