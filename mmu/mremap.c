/* mremap(2): shrink, grow in place, or move a mapping by moving its
 * page-table entries (Linux mm/mremap.c).
 */
#include "mmap.h"

#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "pagetable.h"

#define MREMAP_DONTUNMAP_FLAG 4

struct collect_ctx {
	uint64_t *vas;
	size_t n, cap;
};

static void collect_va(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)mm;
	(void)pte;
	struct collect_ctx *c = arg;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		uint64_t *p = realloc(c->vas, cap * sizeof(*p));
		if (!p)
			return;
		c->vas = p;
		c->cap = cap;
	}
	c->vas[c->n++] = va;
}

static int move_ptes(struct mm *mm, uint64_t from, uint64_t len, uint64_t to)
{
	struct collect_ctx c = {0};
	pt_for_each(mm, from, from + len, collect_va, &c);
	int err = 0;
	for (size_t i = 0; i < c.n && !err; i++)
		err = pt_move(mm, c.vas[i], to + (c.vas[i] - from));
	free(c.vas);
	return err;
}

/* A locked mapping that grew is populated where it grew, as mlock would
 * (Linux's mremap: mm_populate). */
static void populate_grown(struct mm *mm, uint64_t vm_flags, uint64_t addr,
			   uint64_t old_len, uint64_t new_len)
{
	if ((vm_flags & VM_LOCKED) && new_len > old_len)
		mm_populate(mm, addr + old_len, addr + new_len, true);
}

static int64_t move_vma(struct mm *mm, struct vma *v, uint64_t old_addr,
			uint64_t old_len, uint64_t new_len, uint64_t new_addr,
			bool dontunmap)
{
	uint64_t pgoff = v->pgoff + ((old_addr - v->start) >> PAGE_SHIFT);
	uint64_t vm_flags = v->flags;
	struct vma *n = vma_copy(mm, v, new_addr, new_addr + new_len, pgoff);
	if (!n)
		return -ENOMEM;
	n->flags |= VM_SOFTDIRTY;
	vma_tree_insert(&mm->vmas, n);
	uint64_t moved = old_len < new_len ? old_len : new_len;
	if (old_len) {
		int err = move_ptes(mm, old_addr, moved, new_addr);
		if (err)
			return err;
	}
	if (old_len && !dontunmap) {
		int err = unmap_region(mm, old_addr, old_addr + old_len);
		if (err)
			return err;
	}
	n = vma_find(&mm->vmas, new_addr);
	if (n && !n->ops)
		merge_neighbours(mm, n);
	populate_grown(mm, vm_flags, new_addr, old_len, new_len);
	return (int64_t)new_addr;
}

/* Linux vma_to_resize: the VMA for [addr, addr + old_len). */
static int64_t vma_to_resize(struct mm *mm, uint64_t addr, uint64_t old_len,
			     uint64_t new_len, struct vma **out)
{
	struct vma *v = vma_lookup(&mm->vmas, addr);
	if (!v)
		return -EFAULT;
	if (old_len > v->end - addr)
		return -EFAULT;
	if (!old_len && !(v->flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if (new_len > old_len && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EFAULT;
	/* RLIMIT_MEMLOCK for a locked mapping that grows (docs/memory.md,
	 * "Locked memory and its limit") */
	if (new_len > old_len &&
	    mlock_future_check(mm, v->flags, new_len - old_len))
		return -EAGAIN;
	*out = v;
	return 0;
}

static int64_t mremap_to(struct mm *mm, uint64_t addr, uint64_t old_len,
			 uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	bool fixed = flags & MREMAP_FIXED;
	bool dontunmap = flags & MREMAP_DONTUNMAP_FLAG;
	if (fixed) {
		if (new_addr & ~PAGE_MASK)
			return -EINVAL;
		if (new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len)
			return -EINVAL;
		if (addr + old_len > new_addr && new_addr + new_len > addr)
			return -EINVAL;
		if (!mm_range_usable(new_addr, new_addr + new_len))
			return -ENOMEM;
		int err = unmap_region(mm, new_addr, new_addr + new_len);
		if (err)
			return err;
	}
	if (old_len > new_len) {
		int err = do_munmap(mm, addr + new_len, old_len - new_len);
		if (err)
			return err;
		old_len = new_len;
	}
	struct vma *v;
	int64_t err = vma_to_resize(mm, addr, old_len, new_len, &v);
	if (err)
		return err;
	if (dontunmap && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EINVAL;
	if (!fixed) {
		int64_t at = get_unmapped_area(mm, new_addr, new_len, false);
		if (at < 0)
			return at;
		new_addr = (uint64_t)at;
	}
	return move_vma(mm, v, addr, old_len, new_len, new_addr, dontunmap);
}

static bool vma_expandable(struct mm *mm, struct vma *v, uint64_t delta)
{
	uint64_t end = v->end + delta;
	if (end < v->end || end > TASK_SIZE || !mm_range_usable(v->start, end))
		return false;
	struct vma *next = vma_next(&mm->vmas, v);
	return !next || vm_start_gap(next) >= end;
}

int64_t do_mremap(struct mm *mm, uint64_t addr, uint64_t old_len,
		  uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP_FLAG))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP_FLAG) &&
	    (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!new_len)
		return -EINVAL;
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP_FLAG))
		return mremap_to(mm, addr, old_len, new_len, flags, new_addr);
	if (old_len >= new_len) {
		int err = do_munmap(mm, addr + new_len, old_len - new_len);
		if (err < 0 && old_len != new_len)
			return err;
		return (int64_t)addr;
	}
	struct vma *v;
	int64_t err = vma_to_resize(mm, addr, old_len, new_len, &v);
	if (err)
		return err;
	uint64_t delta = new_len - old_len;
	if (old_len == v->end - addr && vma_expandable(mm, v, delta)) {
		uint64_t end = v->end + delta;
		uint64_t vm_flags = v->flags;
		vma_tree_remove(&mm->vmas, v);
		v->end = end;
		vma_tree_insert(&mm->vmas, v);
		merge_neighbours(mm, v);
		populate_grown(mm, vm_flags, addr, old_len, new_len);
		return (int64_t)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	int64_t at = get_unmapped_area(mm, 0, new_len, false);
	if (at < 0)
		return at;
	return move_vma(mm, v, addr, old_len, new_len, (uint64_t)at, false);
}
