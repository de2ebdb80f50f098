#include <stddef.h>

/* libbsd's RB_GENERATE_STATIC marks its functions __unused, a BSD
 * <sys/cdefs.h> macro that glibc lacks. */
#ifndef __unused
#define __unused __attribute__((unused))
#endif

#include "vma.h"

static int vma_cmp(const struct vma *a, const struct vma *b)
{
	/* Intervals: overlapping ones compare equal, which is what makes a
	 * point lookup a tree search. */
	if (a->end <= b->start)
		return -1;
	if (a->start >= b->end)
		return 1;
	return 0;
}

RB_GENERATE_STATIC(vma_rb, vma, rb, vma_cmp)

void vma_tree_init(struct vma_tree *t)
{
	RB_INIT(&t->root);
	t->count = 0;
}

void vma_tree_insert(struct vma_tree *t, struct vma *v)
{
	RB_INSERT(vma_rb, &t->root, v);
	t->count++;
}

void vma_tree_remove(struct vma_tree *t, struct vma *v)
{
	RB_REMOVE(vma_rb, &t->root, v);
	t->count--;
}

struct vma *vma_find(struct vma_tree *t, uint64_t addr)
{
	/* No VMA ends above the last address; the key's end would wrap. */
	if (addr == UINT64_MAX)
		return NULL;
	struct vma key = {.start = addr, .end = addr + 1};
	return RB_NFIND(vma_rb, &t->root, &key);
}

struct vma *vma_lookup(struct vma_tree *t, uint64_t addr)
{
	struct vma *v = vma_find(t, addr);
	return v && v->start <= addr ? v : NULL;
}

bool vma_range_free(struct vma_tree *t, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find(t, start);
	return !v || v->start >= end;
}

struct vma *vma_first(struct vma_tree *t)
{
	return RB_MIN(vma_rb, &t->root);
}

struct vma *vma_next(struct vma_tree *t, struct vma *v)
{
	(void)t;
	return RB_NEXT(vma_rb, &t->root, v);
}

struct vma *vma_prev(struct vma_tree *t, struct vma *v)
{
	(void)t;
	return RB_PREV(vma_rb, &t->root, v);
}

struct vma *vma_last(struct vma_tree *t)
{
	return RB_MAX(vma_rb, &t->root);
}
