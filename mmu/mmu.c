#include "mmu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reclaim_policy.h"
#include "tlb.h"

int mmu_init(struct mmu *m, uc_engine *uc, uint64_t ram_bytes,
	     uint64_t ptbank_bytes, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->uc = uc;
	m->events.inject_spec = INJECT_NO_SPEC;
	m->fail_alloc.spec = m->lost_flush.spec = INJECT_NO_SPEC;
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
	m->code_window_pfn = PFN_NONE;
	mmu_setup_mtrrs(m, MTRR_ON, 8);
	return 0;
}

void mmu_destroy(struct mmu *m)
{
	if (m->reclaim) {
		swap_destroy(&m->reclaim->swap);
		lru_destroy(&m->reclaim->lru);
		free(m->reclaim);
		m->reclaim = NULL;
	}
	lost_flush_destroy(&m->lost_flush);
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
	if (!z)
		return;
	/* Off the reclaim lists (lru.h), whoever frees it. */
	if (m->reclaim) {
		struct lru *l = &m->reclaim->lru;
		if (lru_on(l, pfn) != LRU_NONE) {
			if (l->policy->page_removed)
				l->policy->page_removed(l, pfn);
			else
				lru_del(l, pfn);
		}
	}
	/* The frame's next owner must not run this one's translated code. */
	code_invalidate(m, pfn);
	frame_free(z, pfn);
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
		struct frame *f = mmu_frame(m, pa >> PAGE_SHIFT);
		if (f)
			f->written = 1;
		/* Translated code does not see stores made behind the CPU's
		 * back. */
		code_invalidate(m, pa >> PAGE_SHIFT);
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
