/* Host backing of user address spaces.
 *
 * Unicorn 2.0.1 walks the page tables for permissions but then uses the
 * *virtual* address as the address in its memory map (architecture, fact
 * 1; Unicorn issue #1953).  So the bytes of user page V must sit at Unicorn
 * address V.  memu covers user space in chunks, each a Unicorn region over
 * a PROT_NONE host reservation; when a PTE becomes present, the host page
 * under V is mmap'ed MAP_SHARED onto the RAM memfd at the frame's offset,
 * so every alias of a frame shares its bytes.  Unicorn regions are costly
 * (fact 7), hence chunks rather than a region per VMA; the page tables,
 * not the regions, decide what the guest may touch.  Execute permission
 * is the exception: this CPU model has no NX (fact 5), so it is enforced
 * by the region's UC_PROT_EXEC, set per VMA.
 *
 * A host mmap per fault is the costliest step of a demand fault, so
 * aliases are made a block at a time: the frame allocator gives a page
 * with no mapped neighbour the frame at its colour in a fresh block of
 * FRAME_BLOCK frames, and its neighbours will usually get the rest of that
 * block.  The first fault in a block aliases every not-yet-aliased host
 * page of the block to the matching frame; a later fault whose frame
 * matches the alias needs no mmap at all.  An alias whose PTE is not
 * present is harmless: the CPU never gets past the page walk to it, and
 * memu's own code reaches frames through the direct map.
 *
 * Physical addresses that are not memory (a device's registers or ROM,
 * unclaimed bus) cannot be a host alias: a user range mapping them becomes
 * an MMIO window, a Unicorn MMIO region cut out of the chunk's RAM region,
 * whose callbacks find the physical address through the page tables and
 * hand the access to the device (iomem_read/iomem_write).  Windows are
 * rare (a /dev/mem mapping of ROM or empty bus), so a region each is fine.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mm.h"
#include "pagetable.h"

struct chunk {
	uint8_t *host;	 /* host address of the chunk, NULL if not backed */
	uint32_t *alias; /* per page: pfn + 1 the host page aliases, or 0 */
};

static bool chunk_backed(struct mm *mm, uint64_t c)
{
	return mm->chunks[c].host != NULL;
}

/* Runs of backed chunks, so teardown need not scan all of user space. */
static int remember_run(struct mm *mm, uint64_t c0, uint64_t c1)
{
	if (mm->nr_runs == mm->cap_runs) {
		size_t cap = mm->cap_runs ? mm->cap_runs * 2 : 16;
		uint64_t(*r)[2] = realloc(mm->runs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		mm->runs = r;
		mm->cap_runs = cap;
	}
	mm->runs[mm->nr_runs][0] = c0;
	mm->runs[mm->nr_runs][1] = c1;
	mm->nr_runs++;
	return 0;
}

static int map_chunks(struct mm *mm, uint64_t c0, uint64_t c1)
{
	uint64_t len = (c1 - c0) << CHUNK_SHIFT;
	if (mmu_region_count(mm->mmu) + 1 > MMU_MAX_REGIONS)
		return -ENOMEM;
	uint8_t *host =
		mmap(NULL, len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED)
		return -ENOMEM;
	if (uc_mem_map_ptr(mm->mmu->uc, c0 << CHUNK_SHIFT, len,
			   UC_PROT_READ | UC_PROT_WRITE, host) != UC_ERR_OK) {
		munmap(host, len);
		return -ENOMEM;
	}
	for (uint64_t c = c0; c < c1; c++)
		mm->chunks[c].host = host + ((c - c0) << CHUNK_SHIFT);
	return remember_run(mm, c0, c1);
}

int backing_cover(struct mm *mm, uint64_t start, uint64_t end)
{
	if (!mm->chunks) {
		/* calloc: untouched entries cost no host memory */
		mm->chunks = calloc(NR_CHUNKS, sizeof(*mm->chunks));
		if (!mm->chunks)
			return -ENOMEM;
	}
	uint64_t c = start >> CHUNK_SHIFT;
	uint64_t last = (end - 1) >> CHUNK_SHIFT;
	while (c <= last) {
		if (chunk_backed(mm, c)) {
			c++;
			continue;
		}
		uint64_t run = c;
		while (run <= last && !chunk_backed(mm, run))
			run++;
		int err = map_chunks(mm, c, run);
		if (err)
			return err;
		c = run;
	}
	return 0;
}

int backing_set_exec(struct mm *mm, uint64_t start, uint64_t end, bool exec)
{
	uint32_t perms =
		UC_PROT_READ | UC_PROT_WRITE | (exec ? UC_PROT_EXEC : 0);
	/* Each call can split a region in two or three. */
	if (mmu_region_count(mm->mmu) + 2 > MMU_MAX_REGIONS)
		return -ENOMEM;
	if (uc_mem_protect(mm->mmu->uc, start, end - start, perms) != UC_ERR_OK)
		return -ENOMEM;
	return 0;
}

static uint8_t *host_of(struct mm *mm, uint64_t va)
{
	return mm->chunks[va >> CHUNK_SHIFT].host + (va & (CHUNK_SIZE - 1));
}

static uint32_t *alias_slot(struct mm *mm, uint64_t va)
{
	struct chunk *c = &mm->chunks[va >> CHUNK_SHIFT];
	if (!c->alias) {
		c->alias = calloc(CHUNK_PAGES, sizeof(*c->alias));
		if (!c->alias)
			return NULL;
	}
	return &c->alias[(va & (CHUNK_SIZE - 1)) >> PAGE_SHIFT];
}

static int host_map(struct mm *mm, uint64_t va, uint64_t pfn, uint64_t pages,
		    int prot)
{
	struct mmu *m = mm->mmu;
	void *p = mmap(host_of(mm, va), pages * PAGE_SIZE, prot,
		       MAP_SHARED | MAP_FIXED, m->phys.memfd,
		       phys_memfd_offset(&m->phys, pfn << PAGE_SHIFT));
	return p == MAP_FAILED ? -ENOMEM : 0;
}

/* The run of unaliased pages around va within its FRAME_BLOCK-page block,
 * when pfn sits at va's colour in its own block of frames. */
static void block_run(struct mm *mm, uint64_t va, uint64_t pfn, uint64_t *first,
		      uint64_t *last)
{
	uint64_t colour = (va >> PAGE_SHIFT) % FRAME_BLOCK;
	*first = *last = va;
	if (pfn % FRAME_BLOCK != colour ||
	    !phys_backed(&mm->mmu->phys, (pfn - colour) << PAGE_SHIFT,
			 FRAME_BLOCK * PAGE_SIZE))
		return;
	uint64_t lo = va - colour * PAGE_SIZE;
	uint64_t hi = lo + (FRAME_BLOCK - 1) * PAGE_SIZE;
	while (*first > lo && *alias_slot(mm, *first - PAGE_SIZE) == 0)
		*first -= PAGE_SIZE;
	while (*last < hi && *alias_slot(mm, *last + PAGE_SIZE) == 0)
		*last += PAGE_SIZE;
}

/* ---- MMIO windows */

struct mmio_window {
	struct mm *mm;
	uint64_t start, end;
	struct mmio_window *next;
};

static uint64_t window_pa(struct mmio_window *w, uint64_t offset, bool *ok)
{
	uint64_t va = w->start + offset;
	pte_t p = pt_get(w->mm, va & PAGE_MASK);
	*ok = pte_present(p);
	return (pte_pfn(p) << PAGE_SHIFT) | (va & ~PAGE_MASK);
}

static uint64_t mmio_read(uc_engine *uc, uint64_t offset, unsigned size,
			  void *opaque)
{
	(void)uc;
	bool ok;
	struct mmio_window *w = opaque;
	uint64_t pa = window_pa(w, offset, &ok);
	return ok ? iomem_read(&w->mm->mmu->iomem, pa, size) : ~0ULL;
}

static void mmio_write(uc_engine *uc, uint64_t offset, unsigned size,
		       uint64_t value, void *opaque)
{
	(void)uc;
	bool ok;
	struct mmio_window *w = opaque;
	uint64_t pa = window_pa(w, offset, &ok);
	if (ok)
		iomem_write(&w->mm->mmu->iomem, pa, size, value);
}

static struct mmio_window *window_at(struct mm *mm, uint64_t va)
{
	for (struct mmio_window *w = mm->mmio; w; w = w->next)
		if (va >= w->start && va < w->end)
			return w;
	return NULL;
}

int backing_mmio(struct mm *mm, uint64_t start, uint64_t end)
{
	if (start >= end)
		return 0;
	if (mmu_region_count(mm->mmu) + 3 > MMU_MAX_REGIONS)
		return -ENOMEM;
	struct mmio_window *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct mmio_window){mm, start, end, mm->mmio};
	backing_unalias(mm, start, end);
	uc_engine *uc = mm->mmu->uc;
	if (uc_mem_unmap(uc, start, end - start) != UC_ERR_OK ||
	    uc_mmio_map(uc, start, end - start, mmio_read, w, mmio_write, w) !=
		    UC_ERR_OK) {
		free(w);
		return -ENOMEM;
	}
	mm->mmio = w;
	return 0;
}

/* Give [w->start, w->end) back to the chunk's RAM backing. */
static void close_window(struct mm *mm, struct mmio_window *w)
{
	uc_engine *uc = mm->mmu->uc;
	uc_mem_unmap(uc, w->start, w->end - w->start);
	uc_mem_map_ptr(uc, w->start, w->end - w->start,
		       UC_PROT_READ | UC_PROT_WRITE, host_of(mm, w->start));
}

void backing_unmmio(struct mm *mm, uint64_t start, uint64_t end)
{
	struct mmio_window **link = &mm->mmio;
	while (*link) {
		struct mmio_window *w = *link;
		if (w->end <= start || w->start >= end) {
			link = &w->next;
			continue;
		}
		*link = w->next;
		close_window(mm, w);
		/* Parts outside [start, end) stay windows. */
		if (w->start < start)
			backing_mmio(mm, w->start, start);
		if (w->end > end)
			backing_mmio(mm, end, w->end);
		free(w);
		link = &mm->mmio;
	}
}

int backing_alias(struct mm *mm, uint64_t va, uint64_t pfn)
{
	struct mmu *m = mm->mmu;
	if (!iomem_is_memory(iomem_kind_of(&m->iomem, pfn << PAGE_SHIFT)))
		return window_at(mm, va) ? 0
					 : backing_mmio(mm, va, va + PAGE_SIZE);
	uint32_t *slot = alias_slot(mm, va);
	if (!slot)
		return -ENOMEM;
	if (*slot == pfn + 1)
		return 0;
	/* The zero frame is aliased read-only: nothing may ever write it. */
	if (pfn == m->zero_pfn || *slot) {
		*slot = 0;
		int err = host_map(
			mm, va, pfn, 1,
			PROT_READ | (pfn == m->zero_pfn ? 0 : PROT_WRITE));
		if (!err)
			*slot = (uint32_t)(pfn + 1);
		return err;
	}
	uint64_t first, last;
	block_run(mm, va, pfn, &first, &last);
	uint64_t first_pfn = pfn - ((va - first) >> PAGE_SHIFT);
	int err = host_map(mm, first, first_pfn,
			   ((last - first) >> PAGE_SHIFT) + 1,
			   PROT_READ | PROT_WRITE);
	if (err)
		return err;
	for (uint64_t at = first; at <= last; at += PAGE_SIZE)
		*alias_slot(mm, at) =
			(uint32_t)(first_pfn + ((at - first) >> PAGE_SHIFT) +
				   1);
	return 0;
}

void backing_unalias(struct mm *mm, uint64_t start, uint64_t end)
{
	/* Back to a plain reservation, one chunk at a time (chunks of one
	 * run are contiguous on the host, but runs are not). */
	while (start < end) {
		uint64_t chunk_end = (start | (CHUNK_SIZE - 1)) + 1;
		uint64_t stop = end < chunk_end ? end : chunk_end;
		struct chunk *c = &mm->chunks[start >> CHUNK_SHIFT];
		if (c->host && c->alias) {
			mmap(host_of(mm, start), stop - start, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				     MAP_FIXED,
			     -1, 0);
			for (uint64_t va = start; va < stop; va += PAGE_SIZE)
				*alias_slot(mm, va) = 0;
		}
		start = stop;
	}
}

void backing_destroy(struct mm *mm)
{
	if (!mm->chunks)
		return;
	/* The Unicorn regions go with the engine (uc_close); a destroyed
	 * address space never runs again. */
	for (size_t r = 0; r < mm->nr_runs; r++) {
		uint64_t c0 = mm->runs[r][0], c1 = mm->runs[r][1];
		munmap(mm->chunks[c0].host, (c1 - c0) << CHUNK_SHIFT);
		for (uint64_t c = c0; c < c1; c++)
			free(mm->chunks[c].alias);
	}
	while (mm->mmio) {
		struct mmio_window *w = mm->mmio;
		mm->mmio = w->next;
		free(w);
	}
	free(mm->runs);
	free(mm->chunks);
	mm->chunks = NULL;
	mm->runs = NULL;
	mm->nr_runs = mm->cap_runs = 0;
}
