#include <stddef.h>

/* libbsd's RB_GENERATE_STATIC marks its functions __unused, a BSD
 * <sys/cdefs.h> macro that glibc lacks. */
#ifndef __unused
#define __unused __attribute__((unused))
#endif

#include "vma.h"

#include <stdlib.h>

#include "mm.h"
#include "rmap.h"
#include "shmem.h"

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

/* ---- making, splitting and merging VMAs */

struct vma *vma_new(struct mm *mm, uint64_t start, uint64_t end, uint64_t flags,
		    uint64_t pgoff)
{
	struct vma *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->mm = mm;
	v->start = start;
	v->end = end;
	v->flags = flags;
	v->pgoff = pgoff;
	return v;
}

void vma_free(struct mm *mm, struct vma *v)
{
	if (v->ops && v->ops->close)
		v->ops->close(v);
	if (v->vm_file)
		v->vm_file_ops->put(v->vm_file);
	anon_vma_unlink(v);
	shmem_unlink(mm->mmu, v);
	free(v);
}

/* A copy of v's backing for [start, end): same anon_vma, object, ops. */
struct vma *vma_copy(struct mm *mm, struct vma *v, uint64_t start, uint64_t end,
		     uint64_t pgoff)
{
	struct vma *n = vma_new(mm, start, end, v->flags, pgoff);
	if (!n)
		return NULL;
	n->ops = v->ops;
	n->vm_file = v->vm_file;
	n->vm_file_ops = v->vm_file_ops;
	if (n->vm_file)
		n->vm_file_ops->get(n->vm_file);
	n->private_data = v->private_data;
	n->name = v->name;
	if (n->ops && n->ops->open)
		n->ops->open(n);
	anon_vma_link(n, v->anon_vma);
	if (v->shm)
		shmem_link(n, v->shm);
	return n;
}

/* Split v at addr: v keeps [start, addr), the new VMA gets [addr, end). */
struct vma *split_vma(struct mm *mm, struct vma *v, uint64_t addr)
{
	struct vma *n = vma_copy(mm, v, addr, v->end,
				 v->pgoff + ((addr - v->start) >> PAGE_SHIFT));
	if (!n)
		return NULL;
	vma_tree_remove(&mm->vmas, v);
	v->end = addr;
	vma_tree_insert(&mm->vmas, v);
	vma_tree_insert(&mm->vmas, n);
	return n;
}

static uint64_t vma_pages(const struct vma *v)
{
	return (v->end - v->start) >> PAGE_SHIFT;
}

/* Linux is_mergeable_vma + is_mergeable_anon_vma, for a directly below b. */
static bool can_merge(const struct vma *a, const struct vma *b)
{
	return a->end == b->start &&
	       ((a->flags ^ b->flags) & ~VM_SOFTDIRTY) == 0 &&
	       !(a->flags & VM_SPECIAL) && !a->ops && !b->ops &&
	       a->shm == b->shm && a->vm_file == b->vm_file &&
	       a->name == b->name &&
	       (!a->anon_vma || !b->anon_vma || a->anon_vma == b->anon_vma) &&
	       a->pgoff + vma_pages(a) == b->pgoff;
}

/* Fold b (directly above a) into a. */
static void merge_into(struct mm *mm, struct vma *a, struct vma *b)
{
	vma_tree_remove(&mm->vmas, b);
	vma_tree_remove(&mm->vmas, a);
	a->end = b->end;
	a->flags |= b->flags & VM_SOFTDIRTY;
	if (!a->anon_vma && b->anon_vma)
		anon_vma_link(a, b->anon_vma);
	vma_tree_insert(&mm->vmas, a);
	vma_free(mm, b);
}

struct vma *merge_neighbours(struct mm *mm, struct vma *v)
{
	struct vma *next = vma_next(&mm->vmas, v);
	if (next && can_merge(v, next))
		merge_into(mm, v, next);
	struct vma *prev = vma_prev(&mm->vmas, v);
	if (prev && can_merge(prev, v)) {
		merge_into(mm, prev, v);
		v = prev;
	}
	return v;
}
