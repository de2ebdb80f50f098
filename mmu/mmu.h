/* The machine's memory system: physical RAM and its zones, the zero frame,
 * the event point, and the physical address map the CPU sees.
 */
#ifndef MEMU_MMU_MMU_H
#define MEMU_MMU_MMU_H

#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include "event.h"
#include "fail_alloc.h"
#include "frame.h"
#include "iomem.h"
#include "lost_flush.h"
#include "memrange.h"
#include "memtype.h"
#include "phys.h"
#include "reclaim.h"

struct mm;

struct mmu {
	uc_engine *uc;
	struct phys phys;
	struct zone ram;
	struct zone ptbank;
	struct events events;
	struct iomem iomem;
	struct memtype memtype;	  /* the CPU's MTRRs and PAT */
	struct memrange memrange; /* the OS's descriptors over them */
	uint64_t zero_pfn;
	/* The frame tlb.h's code window shows while code_invalidate runs,
	 * PFN_NONE otherwise. */
	uint64_t code_window_pfn;
	uint64_t tlb_gen;	    /* TLB flushes so far (tlb.c) */
	uint64_t fills_since_flush; /* TLB fills since the last flush */
	unsigned resize_steps;	    /* flushes made to let the TLB grow */
	/* Ids of anon_vmas and shared objects: per machine, so that every
	 * machine in a process numbers them the same way. */
	uint64_t next_object_id;
	uint64_t next_mm_id; /* struct mm's id */
	/* Fault injection (docs/inject.md, "Primitives"). */
	struct fail_alloc fail_alloc; /* fail_page_alloc for user frames */
	struct lost_flush lost_flush; /* TLB flushes that never arrive */
	uint64_t hwpoisoned;	      /* Linux num_poisoned_pages */
	uint64_t soft_offlined;	      /* of them, by soft offline */
	uint64_t bit_flips;	      /* physical and page-table bits */
	/* Memory pressure (reclaim.h, docs/reclaim.md): NULL without swap. */
	struct reclaim *reclaim;
	/* The OOM killer's words for the death line (vmscan.c), and its
	 * verdict on a kernel access (a syscall's copy): the process dies
	 * with SIGKILL as the call returns, as on Linux. */
	char oom_reason[160];
	bool oom_kill_pending;
	/* The OOM killer's choice among the machine's processes
	 * (emu/oom.c, docs/reclaim.md): with no frame left for mm, kill
	 * the worst process and free its memory: true when that was
	 * another process (the allocation is tried again), false when mm's
	 * own is the one (its words in oom_reason).  NULL: mm's own. */
	bool (*out_of_memory)(struct mmu *m, struct mm *mm);
};

int mmu_init(struct mmu *m, uc_engine *uc, uint64_t ram_bytes,
	     uint64_t ptbank_bytes, char *err, size_t errlen);
void mmu_destroy(struct mmu *m);

struct zone *mmu_zone(struct mmu *m, uint64_t pfn);
struct frame *mmu_frame(struct mmu *m, uint64_t pfn);
void *mmu_pfn_host(struct mmu *m, uint64_t pfn);
void mmu_free_frame(struct mmu *m, uint64_t pfn);

/* Read or write n bytes at physical address pa, within one page, as the
 * bus would: memory through the host direct map, device ranges through
 * their callbacks, unclaimed space reads as ones.  A write to memory drops
 * the CPU's translated code from that frame (code_invalidate). */
void mmu_phys_read(struct mmu *m, uint64_t pa, void *buf, size_t n);
void mmu_phys_write(struct mmu *m, uint64_t pa, const void *buf, size_t n);
/* The end of the highest RAM range (Linux max_pfn << PAGE_SHIFT). */
uint64_t mmu_ram_end(struct mmu *m);

/* The NUMA domain of physical address pa (the page-table bank and
 * anything not RAM count as domain 0). */
unsigned mmu_numa_domain(struct mmu *m, uint64_t pa);
/* Split RAM into nodes equal NUMA domains. */
void mmu_setup_numa(struct mmu *m, unsigned nodes);

/* Reset the MTRRs as firmware leaves them (mode, variable ranges) and
 * build the memory-range descriptors. */
void mmu_setup_mtrrs(struct mmu *m, enum mtrr_mode mode, unsigned nvar);

#endif
