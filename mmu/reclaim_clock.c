/* CLOCK (second chance) replacement (docs/reclaim.md, "Policies"): the
 * frames on a ring, a hand going round.  At the hand, a frame whose
 * Accessed bit is set loses it and the hand moves on; the first frame
 * without it is the victim.  A new frame goes just behind the hand, so it
 * is the last the hand reaches. */
#include "reclaim_policy.h"

static void clock_added(struct lru *l, uint64_t pfn)
{
	if (l->hand == PFN_NONE) {
		lru_add_tail(l, LRU_INACTIVE, pfn);
		l->hand = pfn;
		return;
	}
	lru_add_before(l, l->hand, pfn);
}

/* The frame after pfn round the ring. */
static uint64_t ring_next(const struct lru *l, uint64_t pfn)
{
	uint64_t next = lru_next(l, pfn);
	return next != PFN_NONE ? next : lru_first(l, LRU_INACTIVE);
}

static void clock_cold(struct lru *l, uint64_t pfn)
{
	/* Next under the hand. */
	if (l->hand == PFN_NONE || l->hand == pfn)
		return clock_added(l, pfn);
	lru_add_before(l, l->hand, pfn);
	l->hand = pfn;
}

static uint64_t clock_victim(struct lru *l, struct reclaim_scan *s)
{
	/* Two turns at most: the first clears every bit. */
	uint64_t turns = 2 * lru_count(l, LRU_INACTIVE) + 1;
	while (l->hand != PFN_NONE && turns--) {
		uint64_t pfn = l->hand;
		s->scanned++;
		if (!s->referenced(s, pfn)) {
			lru_del(l, pfn); /* the hand moves to the next */
			return pfn;
		}
		l->hand = ring_next(l, pfn);
	}
	return PFN_NONE;
}

const struct reclaim_policy reclaim_clock = {
	.name = "clock",
	.page_added = clock_added,
	.page_cold = clock_cold,
	.pick_victim = clock_victim,
	.page_putback = clock_added,
};
