/* Linux's LRU approximation, simplified (docs/reclaim.md, "Policies"):
 * an inactive and an active list, the head the newest end.
 *
 * - A new frame goes to the head of the inactive list (Linux 6.1 starts
 *   anonymous pages inactive: lru_cache_add_inactive_or_unevictable).
 * - To pick a victim: while the inactive list is shorter than the active
 *   one (inactive_is_low with a ratio of 1), the tail of the active list
 *   has its Accessed bits cleared and moves to the head of the inactive
 *   list (shrink_active_list deactivates anonymous pages whether they
 *   were referenced or not).  Then the tail of the inactive list: if it
 *   was referenced, it moves to the head of the active list
 *   (folio_check_references: PAGEREF_ACTIVATE) and the search goes on;
 *   if not, it is the victim (PAGEREF_RECLAIM).
 * - MADV_COLD clears a frame's bits and moves it from the active list to
 *   the head of the inactive one; an inactive frame stays where it is
 *   (madvise_cold_or_pageout_pte_range, lru_deactivate_fn).
 * - A frame the engine hands back goes to the head of the active list
 *   (activate_locked).
 */
#include "reclaim_policy.h"

static void lru_added(struct lru *l, uint64_t pfn)
{
	lru_add_head(l, LRU_INACTIVE, pfn);
}

static void lru_cold(struct lru *l, uint64_t pfn)
{
	if (lru_on(l, pfn) == LRU_ACTIVE)
		lru_add_head(l, LRU_INACTIVE, pfn);
}

static void lru_putback(struct lru *l, uint64_t pfn)
{
	lru_add_head(l, LRU_ACTIVE, pfn);
}

static void shrink_active(struct lru *l, struct reclaim_scan *s)
{
	while (lru_count(l, LRU_INACTIVE) < lru_count(l, LRU_ACTIVE)) {
		uint64_t pfn = lru_last(l, LRU_ACTIVE);
		s->scanned++;
		s->referenced(s, pfn);
		lru_add_head(l, LRU_INACTIVE, pfn);
	}
}

static uint64_t lru_victim(struct lru *l, struct reclaim_scan *s)
{
	/* Every frame is looked at twice at most: the first look clears
	 * its bits. */
	uint64_t tries =
		2 * (lru_count(l, LRU_INACTIVE) + lru_count(l, LRU_ACTIVE)) + 1;
	while (tries--) {
		shrink_active(l, s);
		uint64_t pfn = lru_last(l, LRU_INACTIVE);
		if (pfn == PFN_NONE)
			return PFN_NONE;
		s->scanned++;
		if (s->referenced(s, pfn)) {
			lru_add_head(l, LRU_ACTIVE, pfn);
			continue;
		}
		lru_del(l, pfn);
		return pfn;
	}
	return PFN_NONE;
}

const struct reclaim_policy reclaim_lru = {
	.name = "lru",
	.page_added = lru_added,
	.page_cold = lru_cold,
	.pick_victim = lru_victim,
	.page_putback = lru_putback,
};
