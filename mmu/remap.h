/* What the mmu offers drivers to build their mappings, with Linux's names
 * (mm/memory.c):
 *
 *   remap_pfn_range  install PTEs for a physical range at once: the VMA
 *                    becomes VM_IO | VM_PFNMAP, the entries are special
 *                    (no frame bookkeeping), nothing faults later;
 *   vm_insert_page   install one PTE for an ordinary frame the driver
 *                    owns (counted in the frame's mapcount);
 *   vmf_insert_pfn   the same as remap_pfn_range for one page, from a
 *                    fault handler.
 */
#ifndef MEMU_MMU_REMAP_H
#define MEMU_MMU_REMAP_H

#include <stdint.h>

#include "vma.h"

/* Cache attributes for the PTEs (the PAT index bits, default PAT). */
enum page_cache {
	PAGE_CACHE_WB = 0,	 /* write-back */
	PAGE_CACHE_UC_MINUS = 1, /* PCD: uncached, MTRR may make it WC */
	PAGE_CACHE_UC = 2,	 /* PCD | PWT: strongly uncached */
};

/* 0 or -errno (-EINVAL for a private writable VMA not mapped whole,
 * -ENOMEM when page tables run out). */
int remap_pfn_range(struct vma *vma, uint64_t addr, uint64_t pfn, uint64_t size,
		    enum page_cache cache);
int vm_insert_page(struct vma *vma, uint64_t addr, uint64_t pfn);
vm_fault_t vmf_insert_pfn(struct vma *vma, uint64_t addr, uint64_t pfn);

#endif
