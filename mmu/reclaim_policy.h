/* A page-replacement policy (docs/reclaim.md, "Writing a policy").
 *
 * The reclaim engine (vmscan.c) owns the mechanics: unmapping a frame
 * from every page table through the reverse map, writing it to swap,
 * freeing it.  A policy only orders the reclaimable frames on the lists
 * of struct lru (lru.h) and picks the next victim.  It learns about use
 * through one question, s->referenced(s, pfn): did the CPU set the
 * Accessed bit in any entry mapping pfn since it was last asked?  The
 * question clears the bits (Linux's folio_referenced), so each access is
 * seen once.  Everything a policy does must depend only on these calls
 * and its lists: never on host state, so that runs repeat exactly.
 *
 * One policy per file: reclaim_lru.c (Linux's two lists, the default),
 * reclaim_clock.c, reclaim_fifo.c.  A new one is a file with a
 * `const struct reclaim_policy` and a line in reclaim_policy_find.
 */
#ifndef MEMU_MMU_RECLAIM_POLICY_H
#define MEMU_MMU_RECLAIM_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "lru.h"

struct reclaim_scan {
	/* Test and clear the Accessed bits of every entry mapping pfn. */
	bool (*referenced)(struct reclaim_scan *s, uint64_t pfn);
	void *ctx;	  /* the engine's */
	uint64_t scanned; /* the policy adds one per frame it examines */
};

struct reclaim_policy {
	const char *name;
	/* A frame was mapped for the first time (a fault gave it to an
	 * address space, or a swapped page came back): it is reclaimable
	 * from now on.  Not called again while it stays mapped. */
	void (*page_added)(struct lru *l, uint64_t pfn);
	/* madvise(MADV_COLD): the program says pfn will not be used soon. */
	void (*page_cold)(struct lru *l, uint64_t pfn);
	/* The next victim, taken off the lists, or PFN_NONE when the lists
	 * hold none.  The engine frees it, or hands it back. */
	uint64_t (*pick_victim)(struct lru *l, struct reclaim_scan *s);
	/* The engine could not reclaim pfn (mlocked, or swap is full): put
	 * it back on the lists. */
	void (*page_putback)(struct lru *l, uint64_t pfn);
	/* A frame leaves the lists for good (it is freed): the generic
	 * lru_del unless the policy keeps more (NULL: lru_del). */
	void (*page_removed)(struct lru *l, uint64_t pfn);
};

extern const struct reclaim_policy reclaim_lru, reclaim_clock, reclaim_fifo;

/* The policy named name ("lru", "clock", "fifo"), or NULL. */
const struct reclaim_policy *reclaim_policy_find(const char *name);

#endif
