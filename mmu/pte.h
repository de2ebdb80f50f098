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
/* With P and PROTNONE clear and no hwpoison marker: a swap entry
 * (docs/reclaim.md, "Swap entries"), laid out as Linux's x86-64
 * __swp_entry lays it out as far as memu's own bits allow: the type in
 * bits 59-63, the offset inverted (so that the address bits point far
 * above RAM, Linux's L1TF rule) in bits 12-57 (Linux: from bit 9, where
 * memu keeps its software bits; bit 58 is memu's hwpoison marker).
 * Soft-dirty stays in bit 11. */
#define SWP_TYPE_SHIFT	 59
#define SWP_OFFSET_SHIFT 12
#define SWP_OFFSET_MASK	 ((1ULL << 46) - 1)
#define PTE_ADDR	 0x000ffffffffff000ULL
#define PTE_NX		 (1ULL << 63) /* execute-disable (EFER.NXE is on) */

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
static inline pte_t swp_entry_to_pte(unsigned type, uint64_t offset)
{
	return ((~offset & SWP_OFFSET_MASK) << SWP_OFFSET_SHIFT) |
	       ((uint64_t)type << SWP_TYPE_SHIFT);
}
static inline unsigned pte_swp_type(pte_t p)
{
	return (unsigned)(p >> SWP_TYPE_SHIFT);
}
static inline uint64_t pte_swp_offset(pte_t p)
{
	return ~(p >> SWP_OFFSET_SHIFT) & SWP_OFFSET_MASK;
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
