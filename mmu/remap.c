#include "remap.h"

#include <errno.h>

#include "pagetable.h"
#include "rmap.h"

static unsigned cache_ptf(enum page_cache cache)
{
	switch (cache) {
	case PAGE_CACHE_UC_MINUS:
		return PTF_NOCACHE;
	case PAGE_CACHE_UC:
		return PTF_NOCACHE | PTF_WRITETHRU;
	default:
		return 0;
	}
}

/* Linux is_cow_mapping: private and may become writable. */
static bool is_cow_mapping(const struct vma *v)
{
	return (v->flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

static unsigned pfnmap_ptf(const struct vma *v, enum page_cache cache)
{
	/* A private mapping stays read-only: a write copies the page into
	 * anonymous memory and the physical page is never modified. */
	bool w = (v->flags & VM_SHARED) && (v->flags & VM_WRITE);
	return PTF_USER | PTF_SPECIAL | (w ? PTF_WRITE : 0) | cache_ptf(cache);
}

static bool is_device_pfn(struct mm *mm, uint64_t pfn)
{
	return !iomem_is_memory(
		iomem_kind_of(&mm->mmu->iomem, pfn << PAGE_SHIFT));
}

/* One MMIO window per run of device pages, before the PTEs go in. */
static int open_windows(struct mm *mm, uint64_t addr, uint64_t pfn,
			uint64_t pages)
{
	uint64_t i = 0;
	while (i < pages) {
		if (!is_device_pfn(mm, pfn + i)) {
			i++;
			continue;
		}
		uint64_t run = i;
		while (run < pages && is_device_pfn(mm, pfn + run))
			run++;
		int err = backing_mmio(mm, addr + i * PAGE_SIZE,
				       addr + run * PAGE_SIZE);
		if (err)
			return err;
		i = run;
	}
	return 0;
}

int remap_pfn_range(struct vma *vma, uint64_t addr, uint64_t pfn, uint64_t size,
		    enum page_cache cache)
{
	struct mm *mm = vma->mm;
	uint64_t end = addr + PAGE_ALIGN(size);
	if ((addr & ~PAGE_MASK) || addr < vma->start || end > vma->end ||
	    end <= addr)
		return -EINVAL;
	if (is_cow_mapping(vma)) {
		if (addr != vma->start || end != vma->end)
			return -EINVAL;
		vma->pgoff = pfn;
	}
	vma->flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
	uint64_t pages = (end - addr) >> PAGE_SHIFT;
	int err = open_windows(mm, addr, pfn, pages);
	unsigned ptf = pfnmap_ptf(vma, cache);
	for (uint64_t i = 0; !err && i < pages; i++)
		err = pt_enter(mm, addr + i * PAGE_SIZE, pfn + i, ptf);
	if (err) {
		/* Undo the partly built range (Linux zaps it too). */
		for (uint64_t va = addr; va < end; va += PAGE_SIZE)
			pt_clear(mm, va);
		backing_unalias(mm, addr, end);
		backing_unmmio(mm, addr, end);
		return err;
	}
	return 0;
}

int vm_insert_page(struct vma *vma, uint64_t addr, uint64_t pfn)
{
	struct mm *mm = vma->mm;
	if ((addr & ~PAGE_MASK) || addr < vma->start || addr >= vma->end ||
	    (vma->flags & VM_PFNMAP))
		return -EINVAL;
	if (pte_present(pt_get(mm, addr)))
		return -EBUSY;
	vma->flags |= VM_MIXEDMAP;
	bool w = (vma->flags & VM_SHARED) && (vma->flags & VM_WRITE);
	int err = pt_enter(mm, addr, pfn, PTF_USER | (w ? PTF_WRITE : 0));
	if (err)
		return err;
	rmap_dup(mm->mmu, pfn);
	return 0;
}

vm_fault_t vmf_insert_pfn(struct vma *vma, uint64_t addr, uint64_t pfn)
{
	addr &= PAGE_MASK;
	if (addr < vma->start || addr >= vma->end)
		return VM_FAULT_SIGBUS;
	struct mm *mm = vma->mm;
	if (is_device_pfn(mm, pfn) && backing_mmio(mm, addr, addr + PAGE_SIZE))
		return VM_FAULT_OOM;
	if (pt_enter(mm, addr, pfn, pfnmap_ptf(vma, PAGE_CACHE_WB)))
		return VM_FAULT_OOM;
	return VM_FAULT_NOPAGE;
}
