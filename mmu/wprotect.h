/* Write-protect (WP) memory ranges, enforced as FreeBSD's mem(4) defines
 * MDF_WRITEPROTECT: the range cannot be written through any mapping.
 * No user entry for a WP frame is ever made writable (pgprot.c, the
 * fault handler, mprotect); a write there is a fault the guest gets
 * SIGSEGV for.  When ranges change, a sweep takes write permission from
 * entries that now map WP frames; entries whose frames are no longer WP
 * get it back on their next write fault. */
#ifndef MEMU_MMU_WPROTECT_H
#define MEMU_MMU_WPROTECT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm.h"

bool frame_write_protected(struct mmu *m, uint64_t pfn);
/* Take write permission from every entry of mm that maps a WP frame.  The
 * TLB flush is only batched (mm->flush_pending): the caller runs it with
 * mm_flush_tlb. */
void write_protect_sweep(struct mm *mm);

#endif
