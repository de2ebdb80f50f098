/* Frame-allocation failure, as Linux's fail_page_alloc (and fail-nth)
 * decides it: one per machine, consulted by the allocator of user frames
 * (alloc_user_frame: anonymous memory, COW copies, shared objects and the
 * page cache, soft offline's migration target) before it looks for a free
 * frame, as Linux's should_fail_alloc_page runs before the buddy
 * allocator (docs/inject.md, "Primitives").
 *
 * The attributes are Linux's fault_attr (lib/fault-inject.c):
 * probability in percent, interval, times (-1: no limit), space (pages
 * that must be allocated before anything fails), and fail-nth (the nth
 * allocation from now fails, once).  The random draw comes from a
 * generator seeded per machine, never from the host.  A failure the
 * injection made is told apart from RAM running out (`injected`), because
 * Linux's consequences differ: an injected failure returns NULL before
 * the allocator's slow path, so nobody is OOM-killed and a user page
 * fault is retried; RAM running out calls the OOM killer.
 */
#ifndef MEMU_MMU_FAIL_ALLOC_H
#define MEMU_MMU_FAIL_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

struct fail_alloc {
	bool armed;
	uint64_t probability; /* percent, 0-100; 0 with nth 0: off */
	uint64_t interval;    /* fail only every interval-th eligible call */
	int64_t times;	      /* failures left; -1: no limit */
	uint64_t space;	      /* pages to let through first */
	uint64_t nth;	      /* fail-nth: countdown, 0: off */
	uint64_t count;	      /* calls seen by the interval check */
	uint64_t rng;	      /* splitmix64 state, seeded by the machine */
	bool injected;	      /* the last user-frame failure was injected */
	uint64_t calls;	      /* allocations the injection was asked about */
	uint64_t failed;      /* failures it made (--stats) */
	uint64_t spec;	      /* the --inject spec that armed it (EV_INJECT) */
};

struct fail_alloc_attr {
	uint64_t probability, interval;
	int64_t times;
	uint64_t space, nth, seed;
};

/* Arm (attr) or disarm (NULL) the injection; the counters of what fired
 * are kept.  0, or -EINVAL for a probability above 100 or times below
 * -1. */
int fail_alloc_set(struct fail_alloc *fa, const struct fail_alloc_attr *attr);

/* Linux's should_fail_ex for one allocation of one frame: true when this
 * allocation must fail.  Reports each failure to the event point
 * (EV_INJECT, INJECT_ALLOC_FAIL) with the frame kind asked for. */
bool fail_alloc_should_fail(struct fail_alloc *fa, struct events *ev,
			    enum frame_kind kind);

/* Would the injection go on failing for ever (times -1 and certain to
 * fire)?  A fault retried after such failures is a livelock. */
bool fail_alloc_unbounded(const struct fail_alloc *fa);

#endif
