#include "phys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int phys_init(struct phys *p, uint64_t ram_top, uint64_t ptbank_size, char *err,
	      size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->ram_top = ram_top;
	p->ptbank_size = ptbank_size;
	uint64_t total = ram_top + ptbank_size;

	/* Private and MAP_NORESERVE: only touched frames use host memory,
	 * and no other process or file sees them. */
	p->host = mmap(NULL, total, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->host == MAP_FAILED) {
		p->host = NULL;
		snprintf(err, errlen, "cannot map RAM: %s", strerror(errno));
		phys_destroy(p);
		return -1;
	}
	return 0;
}

void phys_destroy(struct phys *p)
{
	if (p->host)
		munmap(p->host, p->ram_top + p->ptbank_size);
	p->host = NULL;
}

static bool in_range(uint64_t pa, uint64_t len, uint64_t base, uint64_t size)
{
	return pa >= base && pa - base <= size && len <= size - (pa - base);
}

bool phys_backed(const struct phys *p, uint64_t pa, uint64_t len)
{
	return in_range(pa, len, 0, p->ram_top) ||
	       in_range(pa, len, PTBANK_BASE, p->ptbank_size);
}

bool phys_is_ram(const struct phys *p, uint64_t pa)
{
	if (pa >= ISA_HOLE_START && pa < ISA_HOLE_END)
		return false;
	return pa < p->ram_top ||
	       (pa >= PTBANK_BASE && pa - PTBANK_BASE < p->ptbank_size);
}

static uint64_t host_offset(const struct phys *p, uint64_t pa)
{
	if (pa >= PTBANK_BASE)
		return p->ram_top + (pa - PTBANK_BASE);
	return pa;
}

void *phys_host(const struct phys *p, uint64_t pa)
{
	if (!phys_backed(p, pa, 1))
		return NULL;
	return p->host + host_offset(p, pa);
}

void phys_prefault(const struct phys *p, uint64_t pa, uint64_t len)
{
#ifdef MADV_POPULATE_WRITE
	if (phys_backed(p, pa, len))
		madvise(phys_host(p, pa), len, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)pa;
	(void)len;
#endif
}
