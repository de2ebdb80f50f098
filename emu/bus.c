/* Physical address space as the CPU sees it: RAM and device memory mapped
 * once, at their physical addresses, over the host direct map; everything
 * else (device registers and ROM, unclaimed bus) as I/O regions whose
 * accesses go to the iomem map.  The CPU reaches all of it only through
 * the physical addresses tlb_miss.c hands out (docs/machine.md, "Physical
 * memory").
 */
#include <stdlib.h>

#include "machine.h"

static uint64_t bus_read(uc_engine *uc, uint64_t offset, unsigned size,
			 void *opaque)
{
	(void)uc;
	struct bus_window *w = opaque;
	return iomem_read(&w->m->mmu.iomem, w->base + offset, size);
}

static void bus_write(uc_engine *uc, uint64_t offset, unsigned size,
		      uint64_t value, void *opaque)
{
	(void)uc;
	struct bus_window *w = opaque;
	iomem_write(&w->m->mmu.iomem, w->base + offset, size, value);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool is_memory(struct memu *m, uint64_t pa)
{
	return iomem_is_memory(iomem_kind_of(&m->mmu.iomem, pa)) &&
	       phys_backed(&m->mmu.phys, pa, 1);
}

static int map_range(struct memu *m, uint64_t a, uint64_t b, bool memory)
{
	if (memory)
		return uc_mem_map_ptr(m->uc, a, b - a, UC_PROT_ALL,
				      phys_host(&m->mmu.phys, a))
			       ? -1
			       : 0;
	if (m->nr_windows == BUS_WINDOWS)
		return -1;
	struct bus_window *w = &m->windows[m->nr_windows++];
	*w = (struct bus_window){m, a};
	return uc_mmio_map(m->uc, a, b - a, bus_read, w, bus_write, w) ? -1 : 0;
}

int bus_map(struct memu *m, char *err, size_t errlen)
{
	const struct iomem *io = &m->mmu.iomem;
	uint64_t cut[2 * IOMEM_MAX + 2];
	size_t n = 0;
	/* The bus ends where fault_addr.c's probe pages begin. */
	cut[n++] = 0;
	cut[n++] = PROBE_PA;
	for (int i = 0; i < io->count; i++) {
		if (io->res[i].start < PROBE_PA)
			cut[n++] = io->res[i].start;
		if (io->res[i].end < PROBE_PA)
			cut[n++] = io->res[i].end;
	}
	qsort(cut, n, sizeof(cut[0]), cmp_u64);
	/* Join neighbouring pieces of one kind: memory only where the host
	 * bytes are contiguous too. */
	uint64_t start = 0;
	bool memory = is_memory(m, 0);
	for (size_t i = 1; i < n; i++) {
		uint64_t at = cut[i];
		if (at == start && i + 1 < n)
			continue;
		bool next = at < PROBE_PA && is_memory(m, at);
		bool joins = at < PROBE_PA && next == memory &&
			     (!memory || phys_host(&m->mmu.phys, at) ==
						 (uint8_t *)phys_host(
							 &m->mmu.phys, at - 1) +
							 1);
		if (joins)
			continue;
		if (at > start && map_range(m, start, at, memory)) {
			snprintf(err, errlen,
				 "cannot map physical 0x%llx-0x%llx into the "
				 "CPU",
				 (unsigned long long)start,
				 (unsigned long long)at - 1);
			return -1;
		}
		start = at;
		memory = next;
	}
	if (fault_probe_map(m)) {
		snprintf(err, errlen, "cannot map the fault-address probe");
		return -1;
	}
	return 0;
}
