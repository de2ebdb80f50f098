/* What the address-space code of mmu/ shares between its files (like
 * Linux's mm/internal.h): mm.c, mmap.c, mprotect.c, mremap.c and
 * madvise.c.  Not for emu/ or devices/, which use mmap.h and mm.h.
 */
#ifndef MEMU_MMU_INTERNAL_H
#define MEMU_MMU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "mm.h"
#include "vma.h"

/* mm.c: remove every mapping in [start, end) (Linux zap_page_range):
 * clear the entries and drop each frame's RSS count and mapping. */
void zap_range(struct mm *mm, uint64_t start, uint64_t end);

/* mmap.c: unmap [start, end): split the edge VMAs and drop what lies
 * inside.  0 or -ENOMEM. */
int unmap_region(struct mm *mm, uint64_t start, uint64_t end);

/* mmap.c: where len bytes go: addr itself when fixed, else the hint addr
 * when it is free, else the highest hole below the mmap base.  The
 * address or -errno. */
int64_t get_unmapped_area(struct mm *mm, uint64_t addr, uint64_t len,
			  bool fixed);

/* Where the room v needs begins: a stack VMA keeps STACK_GUARD_GAP below
 * it free (Linux vm_start_gap). */
static inline uint64_t vm_start_gap(const struct vma *v)
{
	uint64_t gap = (v->flags & VM_GROWSDOWN) ? STACK_GUARD_GAP : 0;
	return v->start > gap ? v->start - gap : 0;
}

/* The VM_READ, VM_WRITE and VM_EXEC bits for PROT_* (Linux
 * calc_vm_prot_bits). */
static inline uint64_t prot_to_vm(uint64_t prot)
{
	return ((prot & PROT_READ) ? VM_READ : 0) |
	       ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

#endif
