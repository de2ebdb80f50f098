/* Host backing of user address spaces.
 *
 * Unicorn 2.0.1 walks the page tables for permissions but then uses the
 * *virtual* address as the address in its memory map (architecture, fact
 * 1; Unicorn issue #1953).  So the bytes of user page V must sit at Unicorn
 * address V.  memu covers user space in 1 GiB chunks, each a Unicorn region
 * over a PROT_NONE host reservation; when a PTE becomes present, the host
 * page under V is mmap'ed MAP_SHARED onto the RAM memfd at the frame's
 * offset, so every alias of a frame shares its bytes.  Unicorn regions are
 * costly (fact 7), hence chunks rather than a region per VMA; the page
 * tables, not the regions, decide what the guest may touch.  Execute
 * permission is the exception: this CPU model has no NX (fact 5), so it is
 * enforced by the region's UC_PROT_EXEC, set per VMA.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mm.h"

static bool chunk_backed(struct mm *mm, uint64_t c)
{
	return mm->chunk_host[c] != NULL;
}

static int map_chunks(struct mm *mm, uint64_t c0, uint64_t c1)
{
	uint64_t len = (c1 - c0) << CHUNK_SHIFT;
	if (mmu_region_count(mm->mmu) + 1 > MMU_MAX_REGIONS)
		return -ENOMEM;
	uint8_t *host = mmap(NULL, len, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED)
		return -ENOMEM;
	if (uc_mem_map_ptr(mm->mmu->uc, c0 << CHUNK_SHIFT, len,
			   UC_PROT_READ | UC_PROT_WRITE, host) != UC_ERR_OK) {
		munmap(host, len);
		return -ENOMEM;
	}
	for (uint64_t c = c0; c < c1; c++)
		mm->chunk_host[c] = host + ((c - c0) << CHUNK_SHIFT);
	return 0;
}

int backing_cover(struct mm *mm, uint64_t start, uint64_t end)
{
	if (!mm->chunk_host) {
		mm->chunk_host = calloc(NR_CHUNKS, sizeof(*mm->chunk_host));
		if (!mm->chunk_host)
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
	uint32_t perms = UC_PROT_READ | UC_PROT_WRITE | (exec ? UC_PROT_EXEC : 0);
	/* Each call can split a region in two or three. */
	if (mmu_region_count(mm->mmu) + 2 > MMU_MAX_REGIONS)
		return -ENOMEM;
	if (uc_mem_protect(mm->mmu->uc, start, end - start, perms) != UC_ERR_OK)
		return -ENOMEM;
	return 0;
}

static uint8_t *host_of(struct mm *mm, uint64_t va)
{
	uint8_t *base = mm->chunk_host[va >> CHUNK_SHIFT];
	return base + (va & (CHUNK_SIZE - 1));
}

int backing_alias(struct mm *mm, uint64_t va, uint64_t pfn)
{
	struct mmu *m = mm->mmu;
	/* The zero frame is aliased read-only: nothing may ever write it. */
	int prot = PROT_READ | (pfn == m->zero_pfn ? 0 : PROT_WRITE);
	void *p = mmap(host_of(mm, va), PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED,
		       m->phys.memfd,
		       phys_memfd_offset(&m->phys, pfn << PAGE_SHIFT));
	return p == MAP_FAILED ? -ENOMEM : 0;
}

void backing_unalias(struct mm *mm, uint64_t start, uint64_t end)
{
	/* Back to a plain reservation, one chunk at a time (chunks of one
	 * run are contiguous on the host, but runs are not). */
	while (start < end) {
		uint64_t chunk_end = (start | (CHUNK_SIZE - 1)) + 1;
		uint64_t stop = end < chunk_end ? end : chunk_end;
		if (chunk_backed(mm, start >> CHUNK_SHIFT))
			mmap(host_of(mm, start), stop - start, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				     MAP_FIXED,
			     -1, 0);
		start = stop;
	}
}

void backing_destroy(struct mm *mm)
{
	if (!mm->chunk_host)
		return;
	for (uint64_t c = 0; c < NR_CHUNKS; c++) {
		/* The Unicorn regions go with the engine (uc_close); a
		 * destroyed address space never runs again. */
		if (mm->chunk_host[c])
			munmap(mm->chunk_host[c], CHUNK_SIZE);
	}
	free(mm->chunk_host);
	mm->chunk_host = NULL;
}
