/* Write-protect (WP) memory ranges, enforced as FreeBSD's mem(4) defines
 * MDF_WRITEPROTECT: the range cannot be written through any mapping.
 * The page-table code never makes an entry for a WP frame writable; a
 * write there is a fault the guest gets SIGSEGV for.  When ranges
 * change, a sweep takes write permission from entries that now map WP
 * frames; entries whose frames are no longer WP get it back on their
 * next write fault. */
#ifndef MEMU_MMU_WPROTECT_H
#define MEMU_MMU_WPROTECT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm.h"

bool frame_write_protected(struct mmu *m, uint64_t pfn);
void write_protect_sweep(struct mm *mm);

#endif
