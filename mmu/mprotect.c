/* mprotect(2): new rights on a range, splitting and merging VMAs, and the
 * entries changed to match (Linux mm/mprotect.c).
 */
#include "mmap.h"

#include <errno.h>

#include "internal.h"
#include "pagetable.h"
#include "wprotect.h"

#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

struct protect_ctx {
	struct vma *vma;
};

static void protect_pte(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	struct vma *v = ((struct protect_ctx *)arg)->vma;
	if (!(v->flags & VM_ACCESS_FLAGS)) {
		pt_set_protnone(mm, va, true, false);
		return;
	}
	struct pt_entry e;
	pte_decode(pte, &e);
	/* Writable only where a write would not need a fault anyway:
	 * shared memory, or a frame exclusively ours (anon, mapcount 1). */
	bool writable = false;
	if (v->flags & VM_WRITE) {
		struct frame *f = e.special ? NULL : mmu_frame(mm->mmu, e.pfn);
		writable = (v->flags & VM_SHARED) ||
			   (f && f->kind == FRAME_ANON && f->mapcount == 1);
		if (e.pfn == mm->mmu->zero_pfn)
			writable = false;
	}
	if (writable && frame_write_protected(mm->mmu, e.pfn))
		writable = false;
	if (e.protnone)
		pt_set_protnone(mm, va, false, writable);
	else
		pt_set_writable(mm, va, writable);
	pt_set_exec(mm, va, v->flags & VM_EXEC);
}

static int mprotect_fixup(struct mm *mm, struct vma *v, uint64_t start,
			  uint64_t end, uint64_t newflags, struct vma **out)
{
	if (v->start < start) {
		v = split_vma(mm, v, start);
		if (!v)
			return -ENOMEM;
	}
	if (v->end > end && !split_vma(mm, v, end))
		return -ENOMEM;
	v->flags = newflags;
	struct protect_ctx ctx = {v};
	pt_for_each(mm, v->start, v->end, protect_pte, &ctx);
	*out = merge_neighbours(mm, v);
	return 0;
}

int do_mprotect(struct mm *mm, uint64_t start, uint64_t len, uint64_t prot)
{
	const uint64_t grows = PROT_GROWSDOWN | PROT_GROWSUP;
	if ((prot & grows) == grows)
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	uint64_t end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | grows))
		return -EINVAL;
	struct vma *v = vma_find(&mm->vmas, start);
	if (!v)
		return -ENOMEM;
	if (prot & PROT_GROWSDOWN) {
		if (v->start >= end)
			return -ENOMEM;
		if (!(v->flags & VM_GROWSDOWN))
			return -EINVAL;
		start = v->start;
	} else if (v->start > start) {
		return -ENOMEM;
	} else if (prot & PROT_GROWSUP) {
		return -EINVAL; /* no VM_GROWSUP on x86 */
	}
	uint64_t want = prot_to_vm(prot);
	uint64_t at = start;
	while (v && v->start < end && at < end) {
		if (v->start > at)
			return -ENOMEM; /* a hole; earlier VMAs stay changed */
		if ((want & VM_WRITE) && !(v->flags & VM_MAYWRITE))
			return -EACCES;
		if ((want & VM_EXEC) && !(v->flags & VM_MAYEXEC))
			return -EACCES;
		uint64_t newflags = (v->flags & ~VM_ACCESS_FLAGS) | want;
		uint64_t stop = v->end < end ? v->end : end;
		int err = mprotect_fixup(mm, v, at, stop, newflags, &v);
		if (err)
			return err;
		at = stop;
		v = vma_find(&mm->vmas, at);
	}
	return at < end ? -ENOMEM : 0;
}
