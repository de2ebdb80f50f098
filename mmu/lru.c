#include "lru.h"

#include <stdlib.h>
#include <string.h>

#define END UINT32_MAX

int lru_init(struct lru *l, uint64_t base_pfn, uint64_t nr,
	     const struct reclaim_policy *policy)
{
	memset(l, 0, sizeof(*l));
	l->base_pfn = base_pfn;
	l->nr = nr;
	l->policy = policy;
	l->hand = PFN_NONE;
	for (int i = 0; i < LRU_LISTS; i++)
		l->lists[i] = (struct lru_list){PFN_NONE, PFN_NONE, 0};
	l->prev = malloc(nr * sizeof(*l->prev));
	l->next = malloc(nr * sizeof(*l->next));
	l->on = calloc(nr, 1);
	if (!l->prev || !l->next || !l->on) {
		lru_destroy(l);
		return -1;
	}
	return 0;
}

void lru_destroy(struct lru *l)
{
	free(l->prev);
	free(l->next);
	free(l->on);
	l->prev = l->next = NULL;
	l->on = NULL;
}

static bool ours(const struct lru *l, uint64_t pfn)
{
	return l->on && pfn >= l->base_pfn && pfn - l->base_pfn < l->nr;
}

static uint64_t to_pfn(const struct lru *l, uint32_t i)
{
	return i == END ? PFN_NONE : l->base_pfn + i;
}

enum lru_id lru_on(const struct lru *l, uint64_t pfn)
{
	return ours(l, pfn) ? (enum lru_id)l->on[pfn - l->base_pfn] : LRU_NONE;
}

uint64_t lru_first(const struct lru *l, enum lru_id id)
{
	return l->lists[id].head;
}

uint64_t lru_last(const struct lru *l, enum lru_id id)
{
	return l->lists[id].tail;
}

uint64_t lru_next(const struct lru *l, uint64_t pfn)
{
	return lru_on(l, pfn) ? to_pfn(l, l->next[pfn - l->base_pfn])
			      : PFN_NONE;
}

uint64_t lru_prev(const struct lru *l, uint64_t pfn)
{
	return lru_on(l, pfn) ? to_pfn(l, l->prev[pfn - l->base_pfn])
			      : PFN_NONE;
}

uint64_t lru_count(const struct lru *l, enum lru_id id)
{
	return l->lists[id].nr;
}

void lru_del(struct lru *l, uint64_t pfn)
{
	enum lru_id id = lru_on(l, pfn);
	if (id == LRU_NONE)
		return;
	uint64_t i = pfn - l->base_pfn;
	struct lru_list *list = &l->lists[id];
	uint64_t prev = to_pfn(l, l->prev[i]), next = to_pfn(l, l->next[i]);
	if (l->hand == pfn)
		l->hand = next != PFN_NONE    ? next
			  : list->head == pfn ? PFN_NONE
					      : list->head;
	if (prev == PFN_NONE)
		list->head = next;
	else
		l->next[prev - l->base_pfn] = l->next[i];
	if (next == PFN_NONE)
		list->tail = prev;
	else
		l->prev[next - l->base_pfn] = l->prev[i];
	list->nr--;
	l->on[i] = LRU_NONE;
}

/* Link pfn (on no list) between prev and next of list id. */
static void link(struct lru *l, enum lru_id id, uint64_t pfn, uint64_t prev,
		 uint64_t next)
{
	uint64_t i = pfn - l->base_pfn;
	struct lru_list *list = &l->lists[id];
	l->prev[i] = prev == PFN_NONE ? END : (uint32_t)(prev - l->base_pfn);
	l->next[i] = next == PFN_NONE ? END : (uint32_t)(next - l->base_pfn);
	if (prev == PFN_NONE)
		list->head = pfn;
	else
		l->next[prev - l->base_pfn] = (uint32_t)i;
	if (next == PFN_NONE)
		list->tail = pfn;
	else
		l->prev[next - l->base_pfn] = (uint32_t)i;
	list->nr++;
	l->on[i] = (uint8_t)id;
}

void lru_add_head(struct lru *l, enum lru_id id, uint64_t pfn)
{
	if (!ours(l, pfn))
		return;
	lru_del(l, pfn);
	link(l, id, pfn, PFN_NONE, l->lists[id].head);
}

void lru_add_tail(struct lru *l, enum lru_id id, uint64_t pfn)
{
	if (!ours(l, pfn))
		return;
	lru_del(l, pfn);
	link(l, id, pfn, l->lists[id].tail, PFN_NONE);
}

void lru_add_before(struct lru *l, uint64_t at, uint64_t pfn)
{
	enum lru_id id = lru_on(l, at);
	if (!ours(l, pfn) || id == LRU_NONE || at == pfn)
		return;
	lru_del(l, pfn);
	link(l, id, pfn, lru_prev(l, at), at);
}
