#include "lost_flush.h"

#include <stdlib.h>
#include <string.h>

#define HELD_MIN 256

static size_t slot_of(const struct lost_flush *lf, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 20) & (lf->cap - 1);
}

static struct held_entry *find(struct lost_flush *lf, uint64_t va)
{
	if (!lf->cap)
		return NULL;
	uint64_t key = va | 1;
	for (size_t i = slot_of(lf, key);; i = (i + 1) & (lf->cap - 1)) {
		struct held_entry *h = &lf->held[i];
		if (h->va == key || !h->va)
			return h;
	}
}

static bool grow(struct lost_flush *lf)
{
	size_t cap = lf->cap ? lf->cap * 2 : HELD_MIN;
	struct held_entry *old = lf->held, *n = calloc(cap, sizeof(*n));
	if (!n)
		return false;
	size_t old_cap = lf->cap;
	lf->held = n;
	lf->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].va)
			*find(lf, old[i].va & ~1ULL) = old[i];
	free(old);
	return true;
}

static void clear_held(struct lost_flush *lf)
{
	if (lf->held)
		memset(lf->held, 0, lf->cap * sizeof(*lf->held));
	lf->used = 0;
}

void lost_flush_arm(struct lost_flush *lf, unsigned n, unsigned reasons)
{
	lf->pending = n;
	lf->reasons = reasons;
	if (n)
		lf->recording = true;
}

bool lost_flush_take(struct lost_flush *lf, unsigned reasons)
{
	if (!lf->pending || !(reasons & lf->reasons))
		return false;
	lf->pending--;
	lf->lost++;
	lf->stale = true;
	return true;
}

void lost_flush_done(struct lost_flush *lf)
{
	lf->stale = false;
	if (!lf->recording)
		return;
	clear_held(lf);
	if (!lf->pending) {
		/* Nothing left to lose: stop keeping the CPU's entries. */
		lf->recording = false;
		lost_flush_destroy(lf);
	}
}

void lost_flush_note(struct lost_flush *lf, uint64_t va, uint64_t pa,
		     uint8_t rights)
{
	if (!lf->recording)
		return;
	if ((lf->used + 1) * 2 > lf->cap && !grow(lf)) {
		/* No host memory to keep the entry: stop losing flushes
		 * rather than keep a record with holes in it. */
		lf->pending = 0;
		return;
	}
	struct held_entry *h = find(lf, va);
	if (!h->va)
		lf->used++;
	*h = (struct held_entry){va | 1, pa, rights};
}

bool lost_flush_lookup(struct lost_flush *lf, uint64_t va, uint8_t need,
		       uint64_t *pa, uint8_t *rights)
{
	if (!lf->stale)
		return false;
	struct held_entry *h = find(lf, va);
	if (!h || !h->va)
		return false;
	if (!(h->rights & need)) {
		/* A fault on a cached entry drops it; the CPU walks. */
		h->rights = 0;
		return false;
	}
	lf->answers++;
	*pa = h->pa;
	*rights = h->rights;
	return true;
}

void lost_flush_destroy(struct lost_flush *lf)
{
	free(lf->held);
	lf->held = NULL;
	lf->cap = 0;
	lf->used = 0;
}
