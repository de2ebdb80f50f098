/* CLOCK as a policy module (include/memu_policy.h, docs/reclaim.md "A
 * policy as a module"): what mmu/reclaim_clock.c does, through the
 * public interface.  tests/module_test.c builds it with cc and runs a
 * guest under it and under memu's own clock: the same bytes. */
#include "memu_policy.h"

static void clock_added(struct memu_lru *l, uint64_t pfn)
{
	uint64_t hand = memu_lru_hand(l);
	if (hand == MEMU_PFN_NONE) {
		memu_lru_add_tail(l, MEMU_LRU_INACTIVE, pfn);
		memu_lru_set_hand(l, pfn);
		return;
	}
	memu_lru_add_before(l, hand, pfn); /* the last the hand reaches */
}

static void clock_cold(struct memu_lru *l, uint64_t pfn)
{
	uint64_t hand = memu_lru_hand(l);
	if (hand == MEMU_PFN_NONE || hand == pfn) {
		clock_added(l, pfn);
		return;
	}
	memu_lru_add_before(l, hand, pfn); /* next under the hand */
	memu_lru_set_hand(l, pfn);
}

static uint64_t ring_next(struct memu_lru *l, uint64_t pfn)
{
	uint64_t next = memu_lru_next(l, pfn);
	return next != MEMU_PFN_NONE ? next
				     : memu_lru_first(l, MEMU_LRU_INACTIVE);
}

static uint64_t clock_victim(struct memu_lru *l, struct memu_scan *s)
{
	/* Two turns at most: the first clears every bit. */
	uint64_t turns = 2 * memu_lru_count(l, MEMU_LRU_INACTIVE) + 1;
	while (memu_lru_hand(l) != MEMU_PFN_NONE && turns--) {
		uint64_t pfn = memu_lru_hand(l);
		memu_scanned(s);
		if (!memu_referenced(s, pfn)) {
			memu_lru_del(l, pfn); /* the hand moves on */
			return pfn;
		}
		memu_lru_set_hand(l, ring_next(l, pfn));
	}
	return MEMU_PFN_NONE;
}

static const struct memu_policy clock_policy = {
	.abi = MEMU_POLICY_ABI,
	.name = "myclock",
	.page_added = clock_added,
	.page_cold = clock_cold,
	.pick_victim = clock_victim,
	.page_putback = clock_added,
};

MEMU_POLICY_MODULE(clock_policy)
