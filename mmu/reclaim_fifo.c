/* FIFO replacement: the frame mapped longest ago goes first, used or not
 * (docs/reclaim.md, "Policies").  One list, in the order frames were
 * added; the Accessed bits are never asked. */
#include "reclaim_policy.h"

static void fifo_added(struct lru *l, uint64_t pfn)
{
	lru_add_tail(l, LRU_INACTIVE, pfn);
}

static void fifo_cold(struct lru *l, uint64_t pfn)
{
	lru_add_head(l, LRU_INACTIVE, pfn);
}

static uint64_t fifo_victim(struct lru *l, struct reclaim_scan *s)
{
	uint64_t pfn = lru_first(l, LRU_INACTIVE);
	if (pfn == PFN_NONE)
		return PFN_NONE;
	s->scanned++;
	lru_del(l, pfn);
	return pfn;
}

const struct reclaim_policy reclaim_fifo = {
	.name = "fifo",
	.page_added = fifo_added,
	.page_cold = fifo_cold,
	.pick_victim = fifo_victim,
	.page_putback = fifo_added,
};
