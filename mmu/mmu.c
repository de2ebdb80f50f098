#include "mmu.h"

#include <stdio.h>
#include <string.h>

int mmu_init(struct mmu *m, uc_engine *uc, uint64_t ram_bytes,
	     uint64_t ptbank_bytes, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->uc = uc;
	if (phys_init(&m->phys, ram_bytes, ptbank_bytes, err, errlen))
		return -1;
	if (zone_init(&m->ram, "ram", 0, ram_bytes >> PAGE_SHIFT, &m->phys,
		      &m->events) ||
	    zone_init(&m->ptbank, "pagetable", PTBANK_BASE >> PAGE_SHIFT,
		      ptbank_bytes >> PAGE_SHIFT, &m->phys, &m->events)) {
		snprintf(err, errlen, "out of host memory for frame metadata");
		mmu_destroy(m);
		return -1;
	}
	iomem_init(&m->iomem, ram_bytes, PTBANK_BASE, ptbank_bytes);
	/* The ISA I/O hole holds no RAM: never hand it out. */
	for (uint64_t pa = ISA_HOLE_START; pa < ISA_HOLE_END; pa += PAGE_SIZE)
		zone_reserve(&m->ram, pa >> PAGE_SHIFT, FRAME_RESERVED);
	/* Frame 0 holds the real-mode interrupt table on a PC; Linux never
	 * allocates it either. */
	zone_reserve(&m->ram, 0, FRAME_RESERVED);
	/* Allocate from 1 MiB upwards; low memory is used last. */
	zone_set_cursor(&m->ram, ISA_HOLE_END >> PAGE_SHIFT);

	m->zero_pfn = frame_alloc(&m->ram, FRAME_ZERO, PFN_NONE, 0);
	mmu_setup_mtrrs(m, MTRR_ON, 8);

	if (uc_mem_map(uc, TLB_FLUSH_PAGE, PAGE_SIZE,
		       UC_PROT_READ | UC_PROT_WRITE)) {
		snprintf(err, errlen, "cannot map the TLB-flush page");
		mmu_destroy(m);
		return -1;
	}
	return 0;
}

void mmu_destroy(struct mmu *m)
{
	zone_destroy(&m->ram);
	zone_destroy(&m->ptbank);
	phys_destroy(&m->phys);
}

struct zone *mmu_zone(struct mmu *m, uint64_t pfn)
{
	if (zone_contains(&m->ram, pfn))
		return &m->ram;
	if (zone_contains(&m->ptbank, pfn))
		return &m->ptbank;
	return NULL;
}

struct frame *mmu_frame(struct mmu *m, uint64_t pfn)
{
	struct zone *z = mmu_zone(m, pfn);
	return z ? zone_frame(z, pfn) : NULL;
}

void *mmu_pfn_host(struct mmu *m, uint64_t pfn)
{
	return phys_host(&m->phys, pfn << PAGE_SHIFT);
}

void mmu_free_frame(struct mmu *m, uint64_t pfn)
{
	struct zone *z = mmu_zone(m, pfn);
	if (z)
		frame_free(z, pfn);
}

void tlb_flush(struct mmu *m, uint64_t reason)
{
	/* Unicorn 2.0.1 has no public TLB flush; a permission change on any
	 * region flushes everything (architecture, fact 6). */
	uc_mem_protect(m->uc, TLB_FLUSH_PAGE, PAGE_SIZE, UC_PROT_READ);
	uc_mem_protect(m->uc, TLB_FLUSH_PAGE, PAGE_SIZE,
		       UC_PROT_READ | UC_PROT_WRITE);
	struct event e = {EV_TLB_FLUSH, reason, 0, 0, 0};
	event_emit(&m->events, &e);
}

void tb_invalidate_page(struct mmu *m, uint64_t page)
{
	uc_ctl_remove_cache(m->uc, page, page + PAGE_SIZE);
}

uint64_t mmu_region_count(struct mmu *m)
{
	uc_mem_region *regions;
	uint32_t count = 0;
	if (uc_mem_regions(m->uc, &regions, &count) == UC_ERR_OK)
		uc_free(regions);
	return count;
}

static bool is_memory(struct mmu *m, uint64_t pa)
{
	return iomem_is_memory(iomem_kind_of(&m->iomem, pa)) &&
	       phys_backed(&m->phys, pa, 1);
}

void mmu_phys_read(struct mmu *m, uint64_t pa, void *buf, size_t n)
{
	uint8_t *out = buf;
	if (is_memory(m, pa)) {
		memcpy(out, phys_host(&m->phys, pa), n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)iomem_read(&m->iomem, pa + i, 1);
}

void mmu_phys_write(struct mmu *m, uint64_t pa, const void *buf, size_t n)
{
	const uint8_t *in = buf;
	if (is_memory(m, pa)) {
		memcpy(phys_host(&m->phys, pa), in, n);
		/* Unicorn's translated blocks do not see stores made behind
		 * its back (architecture, fact 8); the frame may hold code of
		 * any mapping, so they all go, at the next safe point. */
		m->tb_flush_pending = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		iomem_write(&m->iomem, pa + i, 1, in[i]);
}

uint64_t mmu_ram_end(struct mmu *m)
{
	uint64_t end = 0;
	for (int i = 0; i < m->iomem.count; i++)
		if (m->iomem.res[i].kind == IOMEM_RAM &&
		    m->iomem.res[i].end > end)
			end = m->iomem.res[i].end;
	return end;
}

void mmu_setup_mtrrs(struct mmu *m, enum mtrr_mode mode, unsigned nvar)
{
	memtype_reset(&m->memtype, mode, nvar, PHYS_ADDR_BITS);
	memtype_firmware(&m->memtype, m->phys.ram_top, PTBANK_BASE,
			 m->phys.ptbank_size);
	memrange_init(&m->memrange, &m->memtype);
}

unsigned mmu_numa_domain(struct mmu *m, uint64_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	return zone_contains(&m->ram, pfn) ? zone_node_of(&m->ram, pfn) : 0;
}

void mmu_setup_numa(struct mmu *m, unsigned nodes)
{
	zone_split_nodes(&m->ram, nodes);
	zone_set_cursor(&m->ram, ISA_HOLE_END >> PAGE_SHIFT);
}
