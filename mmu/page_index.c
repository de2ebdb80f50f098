/* The sparse page index (page_index.h): a radix tree of 64-slot nodes.
 * Interior nodes hold children, the bottom level holds entries; the
 * root grows a level when an index beyond its reach is set. */
#include "page_index.h"

#include <errno.h>
#include <stdlib.h>

#define BITS  6
#define SLOTS (1u << BITS)
#define MASK  (SLOTS - 1)

union node {
	union node *child[SLOTS];
	uint64_t entry[SLOTS];
};

/* Indices a tree of this height reaches: 64^height (all of them from
 * 11 levels on). */
static bool reaches(unsigned height, uint64_t index)
{
	return height * BITS >= 64 || index >> (height * BITS) == 0;
}

uint64_t page_index_get(const struct page_index *x, uint64_t index)
{
	if (!x->root || !reaches(x->height, index))
		return 0;
	const union node *n = x->root;
	for (unsigned level = x->height - 1; level > 0; level--) {
		n = n->child[(index >> (level * BITS)) & MASK];
		if (!n)
			return 0;
	}
	return n->entry[index & MASK];
}

int page_index_set(struct page_index *x, uint64_t index, uint64_t entry)
{
	if (!x->height)
		x->height = 1;
	while (!reaches(x->height, index)) {
		if (x->root) {
			union node *top = calloc(1, sizeof(*top));
			if (!top)
				return -ENOMEM;
			top->child[0] = x->root;
			x->root = top;
		}
		x->height++;
	}
	if (!x->root && !(x->root = calloc(1, sizeof(union node))))
		return -ENOMEM;
	union node *n = x->root;
	for (unsigned level = x->height - 1; level > 0; level--) {
		union node **c = &n->child[(index >> (level * BITS)) & MASK];
		if (!*c && !(*c = calloc(1, sizeof(union node))))
			return -ENOMEM;
		n = *c;
	}
	uint64_t *e = &n->entry[index & MASK];
	x->count += !*e;
	*e = entry;
	return 0;
}

void page_index_clear(struct page_index *x, uint64_t index)
{
	if (!x->root || !reaches(x->height, index))
		return;
	union node *n = x->root;
	for (unsigned level = x->height - 1; level > 0; level--) {
		n = n->child[(index >> (level * BITS)) & MASK];
		if (!n)
			return;
	}
	uint64_t *e = &n->entry[index & MASK];
	x->count -= !!*e;
	*e = 0;
}

static bool walk(struct page_index *x, union node *n, unsigned level,
		 uint64_t base, uint64_t from, uint64_t to, page_index_fn fn,
		 void *arg)
{
	unsigned shift = level * BITS;
	for (unsigned i = 0; i < SLOTS; i++) {
		uint64_t lo = base + ((uint64_t)i << shift);
		uint64_t span = shift >= 64 ? 0 : 1ULL << shift;
		if (lo >= to)
			return false;
		if (span && lo + span - 1 < from)
			continue;
		if (level) {
			if (n->child[i] && walk(x, n->child[i], level - 1, lo,
						from, to, fn, arg))
				return true;
		} else if (n->entry[i] && lo >= from) {
			bool was = n->entry[i] != 0;
			bool stop = fn(lo, &n->entry[i], arg);
			x->count -= was && !n->entry[i];
			if (stop)
				return true;
		}
		if (span && lo + span < lo)
			return false; /* the top of the index space */
	}
	return false;
}

bool page_index_walk(struct page_index *x, uint64_t from, uint64_t to,
		     page_index_fn fn, void *arg)
{
	if (!x->root || from >= to)
		return false;
	return walk(x, x->root, x->height - 1, 0, from, to, fn, arg);
}

static void destroy(union node *n, unsigned level)
{
	if (level)
		for (unsigned i = 0; i < SLOTS; i++)
			if (n->child[i])
				destroy(n->child[i], level - 1);
	free(n);
}

void page_index_destroy(struct page_index *x)
{
	if (x->root)
		destroy(x->root, x->height - 1);
	x->root = NULL;
	x->height = 0;
	x->count = 0;
}
