#include "access_remote.h"

#include <string.h>

#include "fault.h"
#include "pagetable.h"
#include "tlb.h"

/* Linux's is_cow_mapping: private and may be written. */
static bool is_cow_mapping(uint64_t flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/* gup's check_vma_flags with FOLL_FORCE. */
static bool check_vma_flags(const struct vma *v, bool write)
{
	if (v->flags & (VM_IO | VM_PFNMAP))
		return false;
	if (write)
		return (v->flags & VM_WRITE) || is_cow_mapping(v->flags);
	return (v->flags & (VM_READ | VM_MAYREAD)) != 0;
}

/* A frame a forced write may change in place: the task's own anonymous
 * (or image) copy, which do_wp_page would reuse. */
static bool exclusive_frame(struct mm *mm, const struct pt_entry *e)
{
	if (!e->present || e->special || e->pfn == mm->mmu->zero_pfn)
		return false;
	const struct frame *f = mmu_frame(mm->mmu, e->pfn);
	return f && (f->kind == FRAME_ANON || f->kind == FRAME_FILE) &&
	       f->mapcount == 1;
}

static bool can_follow(struct mm *mm, const struct vma *v,
		       const struct pt_entry *e, bool write)
{
	if (!write)
		return e->has_frame;
	if (!e->present)
		return false;
	return (v->flags & VM_WRITE) ? e->writable : exclusive_frame(mm, e);
}

/* The host address of page (faulted in for the access), or NULL. */
static uint8_t *follow_page(struct mm *mm, uint64_t page, bool write)
{
	struct vma *v = vma_lookup(&mm->vmas, page);
	if (!v || !check_vma_flags(v, write))
		return NULL;
	struct pt_entry e;
	pt_lookup(mm, page, &e);
	if (!can_follow(mm, v, &e, write)) {
		/* A PROT_NONE mapping's missing page is not faulted in
		 * (docs/processes.md, "/proc/PID/mem"): untouched private
		 * anonymous memory reads as the zero page it would map. */
		if (!(v->flags & VM_ACCESS_FLAGS))
			return !write && !v->shm && !v->ops && !e.swap
				       ? mmu_pfn_host(mm->mmu,
						      mm->mmu->zero_pfn)
				       : NULL;
		bool forced = write && !(v->flags & VM_WRITE);
		if (forced && v->ops && v->ops->fault)
			return NULL;
		struct fault_outcome out;
		handle_mm_fault(mm, page,
				(write ? FAULT_FLAG_WRITE : 0) |
					(forced ? FAULT_FLAG_FORCE : 0),
				&out);
		if (out.sig || out.oom_retry)
			return NULL;
		pt_lookup(mm, page, &e);
		if (!can_follow(mm, v, &e, write))
			return NULL;
	}
	uint8_t *host = mmu_pfn_host(mm->mmu, e.pfn);
	if (!host)
		return NULL;
	if (e.present)
		pt_touch(mm, page, write);
	if (write)
		code_invalidate(mm->mmu, e.pfn);
	return host;
}

size_t access_remote_vm(struct mm *mm, uint64_t addr, void *buf, size_t len,
			bool write)
{
	size_t done = 0;
	while (done < len && addr + done >= addr && addr + done < USER_VA_END) {
		uint64_t at = addr + done;
		size_t n = PAGE_SIZE - (at & ~PAGE_MASK);
		if (n > len - done)
			n = len - done;
		uint8_t *host = follow_page(mm, at & PAGE_MASK, write);
		if (!host)
			break;
		if (write)
			memcpy(host + (at & ~PAGE_MASK), (uint8_t *)buf + done,
			       n);
		else
			memcpy((uint8_t *)buf + done, host + (at & ~PAGE_MASK),
			       n);
		done += n;
	}
	/* A copy made for a write changed an entry's frame. */
	mm_flush_tlb(mm);
	return done;
}
