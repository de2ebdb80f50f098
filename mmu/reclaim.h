/* Memory pressure: the state behind reclaim (docs/reclaim.md).  A machine
 * has it only with a swap device (--swap); without one, nothing memu
 * holds can be reclaimed (anonymous memory, shared memory and tmpfs are
 * all swap-backed, as on Linux) and RAM running out is the OOM killer's
 * at once.  The lists and the swap device sit at the bottom of mmu/ (the
 * frame free and the zap of a swap entry reach them); the engine that
 * uses them is vmscan.c, which the user-frame allocator calls through
 * `balance` (it sits above the allocator).
 */
#ifndef MEMU_MMU_RECLAIM_H
#define MEMU_MMU_RECLAIM_H

#include <stdint.h>

#include "lru.h"
#include "swap.h"

struct mmu;

struct reclaim {
	struct swap_device swap;
	struct lru lru; /* the reclaimable frames, in the policy's order */
	/* Free-frame watermarks (docs/reclaim.md, "Watermarks"): below low,
	 * the allocator reclaims until high. */
	uint64_t wmark_min, wmark_low, wmark_high;
	/* A frame a fault reads from while it allocates: not a victim. */
	uint64_t busy_pfn;
	/* The counters --stats shows (Linux's vmstat names). */
	uint64_t pgscan;     /* frames the policy examined */
	uint64_t pgsteal;    /* frames reclaimed */
	uint64_t pgactivate; /* frames handed back (mlocked, busy) */
	uint64_t oom_kills;
	/* vmscan.c's reclaim to the high watermark when free frames are
	 * below the low one. */
	void (*balance)(struct mmu *m);
};

#endif
