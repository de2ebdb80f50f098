/* The x86-64 page-table entry format (Intel SDM vol. 3A 4.5) and memu's
 * software bits (docs/machine.md, "Page tables").  Private to
 * mmu/pagetable.c, the pmap: every other file reads entries through
 * pagetable.h's struct pt_entry.  tests/pagetable_test.c includes it as
 * well, to check the bits by hand, independently of the walker.
 */
#ifndef MEMU_MMU_PTE_H
#define MEMU_MMU_PTE_H

#include <stdbool.h>
#include <stdint.h>

#include "pagetable.h"

#define PTE_P	(1ULL << 0)
#define PTE_W	(1ULL << 1)
#define PTE_U	(1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_A	(1ULL << 5)
#define PTE_D	(1ULL << 6)
#define PTE_PAT (1ULL << 7) /* in a 4 KiB PTE; PS in upper levels */
#define PTE_G	(1ULL << 8)
/* Software bits 9-11 are ignored by the CPU. */
#define PTE_SPECIAL  (1ULL << 9)  /* no ordinary frame: zero page, PFN map */
#define PTE_PROTNONE (1ULL << 10) /* frame kept, access revoked (P clear) */
/* Written since clear_refs last cleared it (Linux's _PAGE_SOFT_DIRTY,
 * the same bit): set with D (docs/memory.md, "/proc"). */
#define PTE_SOFT_DIRTY (1ULL << 11)
/* With P clear: the frame the entry mapped is hardware-poisoned, its pfn
 * kept in the address bits (Linux's hwpoison swap entry).  Bits 52-58
 * are ignored by the CPU too. */
#define PTE_HWPOISON (1ULL << 58)
#define PTE_ADDR     0x000ffffffffff000ULL
#define PTE_NX	     (1ULL << 63) /* execute-disable (EFER.NXE is on) */

static inline bool pte_present(pte_t p)
{
	return p & PTE_P;
}
static inline bool pte_has_frame(pte_t p)
{
	return p & (PTE_P | PTE_PROTNONE);
}
/* Not present, yet not empty, and not PROT_NONE: what Linux would read
 * as a swap entry.  memu has no swap: the hwpoison marker is the only one
 * it writes; anything else got there by a bit flip. */
static inline bool pte_swap(pte_t p)
{
	return p && !(p & (PTE_P | PTE_PROTNONE));
}
static inline bool pte_hwpoison(pte_t p)
{
	return pte_swap(p) && (p & PTE_HWPOISON);
}
static inline bool pte_write(pte_t p)
{
	return p & PTE_W;
}
static inline bool pte_special(pte_t p)
{
	return p & PTE_SPECIAL;
}
static inline uint64_t pte_pfn(pte_t p)
{
	return (p & PTE_ADDR) >> PAGE_SHIFT;
}

#endif
