/* The CPU's TLB and translated-code cache, seen from the memory system:
 * the miss handler that makes memu's MMU the CPU's (tlb_fill), TLB
 * flushes, and dropping translated code whose bytes memu's kernel changed.
 * With mmu.c's map of RAM this is the only mmu code that calls Unicorn.
 *
 * Unicorn 2.1 runs in virtual-TLB mode (docs/machine.md, "The MMU"): on
 * every miss of its softmmu TLB the CPU hook calls tlb_fill(), which walks
 * the real page tables (pt_walk), handles a page fault in place when the
 * walk fails (demand paging, zero page, COW, device faults, stack growth),
 * and returns the physical page and the rights the TLB entry may hold.
 * The entry then lives until a flush, exactly as a hardware TLB entry:
 * memu flushes once per syscall or fault that took rights away.
 */
#ifndef MEMU_MMU_TLB_H
#define MEMU_MMU_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "fault.h"
#include "pagetable.h"

/* A kernel-half page no table maps: tlb_fill() answers it with the frame
 * whose translated code is being dropped (see code_invalidate).  Not the
 * last page: Unicorn refuses a range whose end wraps to 0. */
#define TLB_CODE_WINDOW 0xffffffffffe00000ULL

struct tlb_fill {
	uint64_t pa;	     /* the physical page */
	bool writable, exec; /* rights for the TLB entry */
	uint32_t error;	     /* the last #PF error code, if any */
	unsigned faults;     /* page faults handled on the way */
	/* .sig: the access ends in a signal; false returned with .sig 0:
	 * the machine cannot go on (.reason says why: a livelock). */
	struct fault_outcome fault;
};

/* Serve one TLB miss at va (page-aligned) for an access at CPL 3 (user)
 * or 0.  true: out->pa and the rights are ready; false: the fault ends in
 * out->fault's signal, with out->error the error code the CPU pushed. */
bool tlb_fill(struct mm *mm, uint64_t va, enum pt_access access, bool user,
	      struct tlb_fill *out);

/* Flush every translation the CPU has cached; reason: TLB_FLUSH_* (mm.h).
 * A flush lost_flush.h says to lose does not reach the CPU. */
void tlb_flush(struct mmu *m, uint64_t reason);
/* A context switch's CR3 write: every translation goes (Linux without
 * PCID), and the record kept for lost flushes with it.  Not a flush the
 * guest asked for: no event. */
void tlb_switch_mm(struct mmu *m);
/* Lose the next n flushes of the given reasons (docs/inject.md). */
void tlb_lose_flushes(struct mmu *m, unsigned n, unsigned reasons);

/* Drop the translated code of frame pfn if the CPU ever could have
 * translated any from it (its bytes changed behind the CPU's back, or it
 * is being freed). */
void code_invalidate(struct mmu *m, uint64_t pfn);

#endif
