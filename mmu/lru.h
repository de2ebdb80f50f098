/* The lists a replacement policy keeps its frames on (docs/reclaim.md,
 * "Policies"): up to LRU_LISTS doubly linked lists of RAM frames, linked
 * by pfn in arrays beside the zone (no host pointers, so the order is the
 * same on every run), and a clock hand.  A frame is on one list or none.
 * The frame allocator's free (mmu_free_frame) takes a frame off its list;
 * the policy (reclaim_policy.h) decides everything else.
 */
#ifndef MEMU_MMU_LRU_H
#define MEMU_MMU_LRU_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

/* List ids; 0 is "on no list".  What a list means is the policy's:
 * Linux's LRU uses both, FIFO and CLOCK the first. */
enum lru_id { LRU_NONE, LRU_INACTIVE, LRU_ACTIVE, LRU_LISTS };

struct lru_list {
	uint64_t head, tail; /* pfns, PFN_NONE when empty */
	uint64_t nr;
};

struct reclaim_policy;

struct lru {
	uint64_t base_pfn, nr; /* the RAM zone's frames */
	uint32_t *prev, *next; /* links by frame index */
	uint8_t *on;	       /* the list each frame is on */
	struct lru_list lists[LRU_LISTS];
	uint64_t hand; /* CLOCK's hand: a pfn on LRU_INACTIVE, or PFN_NONE */
	const struct reclaim_policy *policy;
};

int lru_init(struct lru *l, uint64_t base_pfn, uint64_t nr,
	     const struct reclaim_policy *policy);
void lru_destroy(struct lru *l);

/* The list pfn is on (LRU_NONE: none, or not a RAM frame). */
enum lru_id lru_on(const struct lru *l, uint64_t pfn);
/* Put pfn at the head or the tail of list id (off its old list first). */
void lru_add_head(struct lru *l, enum lru_id id, uint64_t pfn);
void lru_add_tail(struct lru *l, enum lru_id id, uint64_t pfn);
/* Put pfn just before at on at's list (the clock's "behind the hand"). */
void lru_add_before(struct lru *l, uint64_t at, uint64_t pfn);
/* Take pfn off its list (a hand on it moves to the next frame). */
void lru_del(struct lru *l, uint64_t pfn);
/* The list's first / last frame, the one after / before pfn: PFN_NONE at
 * the end. */
uint64_t lru_first(const struct lru *l, enum lru_id id);
uint64_t lru_last(const struct lru *l, enum lru_id id);
uint64_t lru_next(const struct lru *l, uint64_t pfn);
uint64_t lru_prev(const struct lru *l, uint64_t pfn);
uint64_t lru_count(const struct lru *l, enum lru_id id);

#endif
