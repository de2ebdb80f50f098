/* What futex.c, futex_pi.c and robust_list.c share (docs/processes.md,
 * "futex"). */
#ifndef MEMU_EMU_FUTEX_H
#define MEMU_EMU_FUTEX_H

#include "machine.h"

#define FUTEX_WAIT	     0
#define FUTEX_WAKE	     1
#define FUTEX_REQUEUE	     3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAKE_OP	     5
#define FUTEX_LOCK_PI	     6
#define FUTEX_UNLOCK_PI	     7
#define FUTEX_TRYLOCK_PI     8
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_LOCK_PI2	     13
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256

/* The futex word's bits (Linux uapi/linux/futex.h). */
#define FUTEX_WAITERS	 0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK	 0x3fffffffU

/* Linux get_futex_key: -EINVAL for a misaligned word, -EFAULT for one
 * outside the user half or (shared) not mapped. */
int get_futex_key(struct mm *mm, uint64_t uaddr, bool shared,
		  struct futex_key *key);
/* The waiter on key that came first, PI or not, bitset meeting bitset. */
struct process *futex_first_waiter(struct memu *m, const struct futex_key *key,
				   uint32_t bitset);
/* The current task waits on key (its call runs again when woken). */
void futex_queue(struct memu *m, const struct futex_key *key, uint64_t uaddr,
		 uint32_t bitset, bool pi, uint64_t until);
/* Waiter w's wait ends with 0. */
void futex_wake_waiter(struct process *w);

/* futex_pi.c: FUTEX_LOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_UNLOCK_PI. */
int64_t futex_lock_pi(struct memu *m, uint64_t uaddr, bool shared, bool timeout,
		      uint64_t until, bool trylock);
int64_t futex_unlock_pi(struct memu *m, uint64_t uaddr, bool shared);
/* Task p is gone: each PI futex it still owns goes to its first waiter
 * (Linux exit_pi_state_list). */
void futex_pi_exit(struct memu *m, struct process *p);
/* The PI futex at uaddr of mm (uval read there) passes to its first
 * waiter, if any: the word becomes its tid | FUTEX_WAITERS, with
 * FUTEX_OWNER_DIED kept.  True when one took it. */
bool futex_pi_hand_over(struct memu *m, struct mm *mm, uint64_t uaddr,
			const struct futex_key *key, uint32_t uval);

#endif
