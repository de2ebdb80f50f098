#include "remap.h"

#include <errno.h>

#include "pagetable.h"
#include "pgprot.h"
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

static unsigned pfnmap_ptf(const struct vma *v, uint64_t pfn,
			   enum page_cache cache)
{
	/* A private mapping stays read-only: a write copies the page into
	 * anonymous memory and the physical page is never modified. */
	bool w = (v->flags & VM_SHARED) != 0;
	return vm_page_prot(v->mm, v, pfn, w, PTF_SPECIAL | cache_ptf(cache));
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
	int err = 0;
	for (uint64_t i = 0; !err && i < pages; i++)
		err = pt_enter(mm, addr + i * PAGE_SIZE, pfn + i,
			       pfnmap_ptf(vma, pfn + i, cache));
	if (err) {
		/* Undo the partly built range (Linux zaps it too). */
		for (uint64_t va = addr; va < end; va += PAGE_SIZE)
			pt_clear(mm, va);
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
	struct pt_entry e;
	if (pt_lookup(mm, addr, &e))
		return -EBUSY;
	vma->flags |= VM_MIXEDMAP;
	bool w = (vma->flags & VM_SHARED) != 0;
	int err = pt_enter(mm, addr, pfn, vm_page_prot(mm, vma, pfn, w, 0));
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
	if (pt_enter(vma->mm, addr, pfn, pfnmap_ptf(vma, pfn, PAGE_CACHE_WB)))
		return VM_FAULT_OOM;
	return VM_FAULT_NOPAGE;
}
