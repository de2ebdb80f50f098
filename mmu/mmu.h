/* The machine's memory system: physical RAM and its zones, the zero frame,
 * the event point, and the Unicorn CPU whose TLB and memory map it keeps
 * in step with the page tables.
 */
#ifndef MEMU_MMU_MMU_H
#define MEMU_MMU_MMU_H

#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include "event.h"
#include "frame.h"
#include "iomem.h"
#include "memrange.h"
#include "memtype.h"
#include "phys.h"

/* Unicorn aborts near 4,096 regions and rebuilds its map on every change
 * (architecture, fact 7); memu refuses a mapping (ENOMEM) past this. */
#define MMU_MAX_REGIONS 3000

/* A one-page Unicorn region that no page table maps: toggling its write
 * permission flushes the whole CPU TLB (architecture, fact 6). */
#define TLB_FLUSH_PAGE 0xfffffffffffff000ULL

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
	/* Translated code must all go before the CPU runs on (a frame's
	 * bytes changed behind it); done by the run loop, outside any hook:
	 * flushing the code buffer under a running block crashes. */
	bool tb_flush_pending;
	/* Ids of anon_vmas and shared objects: per machine, so that every
	 * machine in a process numbers them the same way. */
	uint64_t next_object_id;
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
 * their callbacks, unclaimed space reads as ones.  A write to memory asks
 * for all translated code to be dropped (the bytes may be someone's
 * instructions): see tb_flush_pending. */
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

/* Flush every translation the CPU has cached. */
void tlb_flush(struct mmu *m, uint64_t reason);
/* Drop translated code for one page whose PTE is present, after its bytes
 * changed behind the CPU's back (architecture, fact 8).  Unicorn 2.0.1
 * looks the address up through the page tables: on a page that is not
 * present it raises a #PF that no hook sees, leaving the exception latch
 * set, so the next real fault becomes a double fault.  Callers use
 * tb_invalidate_range (pagetable.h), which skips such pages. */
void tb_invalidate_page(struct mmu *m, uint64_t page);

/* Unicorn regions currently mapped. */
uint64_t mmu_region_count(struct mmu *m);

#endif
