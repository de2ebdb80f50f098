/* madvise(2) (Linux mm/madvise.c): the advice memu acts on (DONTNEED,
 * REMOVE, POPULATE_READ/WRITE, COLD, PAGEOUT, what fork does: DONTFORK,
 * DOFORK, WIPEONFORK, KEEPONFORK) and the checks of the rest.
 */
#include "mmap.h"

#include <errno.h>

#include "fault.h"
#include "internal.h"
#include "pagetable.h"
#include "shmem.h"
#include "vmscan.h"

static bool madvise_known(uint64_t advice)
{
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_FREE:
	case MADV_REMOVE:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case 22:
	case 23:
	case 24:
		return true;
	default: /* MERGEABLE/UNMERGEABLE: no KSM; HWPOISON: no */
		return false;
	}
}

/* MADV_REMOVE: a hole punched in the object, taken out of every
 * mapping of it (Linux's vfs_fallocate PUNCH_HOLE). */
static void shmem_drop_range(struct mm *mm, struct vma *v, uint64_t start,
			     uint64_t end)
{
	uint64_t first = v->pgoff + ((start - v->start) >> PAGE_SHIFT);
	uint64_t n = (end - start) >> PAGE_SHIFT;
	shmem_punch(mm->mmu, v->shm, first, first + n);
}

/* Linux madvise_update_vma: new flags on [start, end) of v, splitting
 * and merging VMAs. */
static int madvise_update_vma(struct mm *mm, struct vma *v, uint64_t start,
			      uint64_t end, uint64_t newflags)
{
	if (newflags == v->flags)
		return 0;
	if (v->start < start && !(v = split_vma(mm, v, start)))
		return -ENOMEM;
	if (v->end > end && !split_vma(mm, v, end))
		return -ENOMEM;
	v->flags = newflags;
	merge_neighbours(mm, v);
	return 0;
}

static int madvise_vma(struct mm *mm, struct vma *v, uint64_t start,
		       uint64_t end, uint64_t advice)
{
	switch (advice) {
	case MADV_DONTNEED:
	case 24: /* MADV_DONTNEED_LOCKED */
		if ((v->flags & VM_PFNMAP) ||
		    (advice == MADV_DONTNEED && (v->flags & VM_LOCKED)))
			return -EINVAL;
		zap_range(mm, start, end);
		return 0;
	case MADV_FREE:
		return (v->flags & VM_SHARED) || v->ops ? -EINVAL : 0;
	case MADV_COLD:
	case MADV_PAGEOUT:
		/* can_madv_lru_vma; then each anonymous or shared
		 * anonymous page the VMA alone maps is deactivated, or
		 * reclaimed now (docs/reclaim.md). */
		if (v->flags & (VM_LOCKED | VM_PFNMAP))
			return -EINVAL;
		for (uint64_t va = start; va < end; va += PAGE_SIZE)
			if (advice == MADV_COLD)
				reclaim_madvise_cold(mm, v, va);
			else
				reclaim_madvise_pageout(mm, v, va);
		return 0;
	case MADV_REMOVE:
		if (!v->shm)
			return -EINVAL;
		if (!(v->flags & VM_SHARED) || !(v->flags & VM_WRITE))
			return -EACCES;
		zap_range(mm, start, end);
		shmem_drop_range(mm, v, start, end);
		return 0;
	case 22: /* MADV_POPULATE_READ */
	case 23: /* MADV_POPULATE_WRITE */
		if ((v->flags & (VM_IO | VM_PFNMAP)) ||
		    (advice == 22 && !(v->flags & VM_READ)) ||
		    (advice == 23 && !(v->flags & VM_WRITE)))
			return -EINVAL;
		return populate_range(mm, start, end, advice == 23, true);
	/* What fork does with the VMA (fork.c, docs/processes.md). */
	case MADV_DONTFORK:
		return madvise_update_vma(mm, v, start, end,
					  v->flags | VM_DONTCOPY);
	case MADV_DOFORK:
		if (v->flags & VM_IO)
			return -EINVAL;
		return madvise_update_vma(mm, v, start, end,
					  v->flags & ~VM_DONTCOPY);
	case MADV_WIPEONFORK:
		if ((v->flags & VM_SHARED) || v->ops || v->shm)
			return -EINVAL;
		return madvise_update_vma(mm, v, start, end,
					  v->flags | VM_WIPEONFORK);
	case MADV_KEEPONFORK:
		return madvise_update_vma(mm, v, start, end,
					  v->flags & ~VM_WIPEONFORK);
	case MADV_DODUMP:
		return (v->flags & VM_SPECIAL) ? -EINVAL : 0;
	default:
		return 0;
	}
}

int do_madvise(struct mm *mm, uint64_t start, uint64_t len_in, uint64_t advice)
{
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!madvise_known(advice))
		return -EINVAL;
	uint64_t len = PAGE_ALIGN(len_in);
	if (len_in && !len)
		return -EINVAL;
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	int unmapped = 0;
	uint64_t at = start;
	struct vma *v = vma_find(&mm->vmas, start);
	if (!v)
		return -ENOMEM;
	while (v && v->start < end && at < end) {
		if (v->start > at)
			unmapped = -ENOMEM;
		uint64_t lo = v->start > at ? v->start : at;
		uint64_t hi = v->end < end ? v->end : end;
		int err = madvise_vma(mm, v, lo, hi, advice);
		if (err)
			return err;
		at = hi;
		v = vma_find(&mm->vmas, at);
	}
	return at < end ? -ENOMEM : unmapped;
}
