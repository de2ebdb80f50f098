/* A policy that hands back frames it was never given (tests/
 * module_test.c): memu ignores them, says so, and the guest runs out of
 * memory - memu does not crash. */
#include "memu_policy.h"

static void added(struct memu_lru *l, uint64_t pfn)
{
	memu_lru_add_tail(l, MEMU_LRU_INACTIVE, pfn);
	memu_lru_add_tail(l, MEMU_LRU_INACTIVE, 1ULL << 40); /* not RAM */
}

static uint64_t victim(struct memu_lru *l, struct memu_scan *s)
{
	(void)l, (void)s;
	return 1ULL << 40;
}

static const struct memu_policy wrong_policy = {
	.abi = MEMU_POLICY_ABI,
	.name = "wrong",
	.page_added = added,
	.pick_victim = victim,
	.page_putback = added,
};

MEMU_POLICY_MODULE(wrong_policy)
