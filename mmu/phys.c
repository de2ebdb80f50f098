#include "phys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int phys_init(struct phys *p, uint64_t ram_top, uint64_t ptbank_size, char *err,
	      size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->memfd = -1;
	p->ram_top = ram_top;
	p->ptbank_size = ptbank_size;
	uint64_t total = ram_top + ptbank_size;

	p->memfd = memfd_create("memu-ram", MFD_CLOEXEC);
	if (p->memfd < 0 || ftruncate(p->memfd, (off_t)total) != 0) {
		snprintf(err, errlen, "cannot create RAM memfd: %s",
			 strerror(errno));
		phys_destroy(p);
		return -1;
	}
	/* MAP_NORESERVE: the memfd is sparse, only touched frames use host
	 * memory. */
	p->host = mmap(NULL, total, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE, p->memfd, 0);
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
	if (p->memfd >= 0)
		close(p->memfd);
	p->host = NULL;
	p->memfd = -1;
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

off_t phys_memfd_offset(const struct phys *p, uint64_t pa)
{
	if (pa >= PTBANK_BASE)
		return (off_t)(p->ram_top + (pa - PTBANK_BASE));
	return (off_t)pa;
}

void *phys_host(const struct phys *p, uint64_t pa)
{
	if (!phys_backed(p, pa, 1))
		return NULL;
	return p->host + phys_memfd_offset(p, pa);
}
