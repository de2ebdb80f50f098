/* NUMA first touch and memory policy (run with --numa 2): pages come from
 * node 0 (the CPU's) by default, from node 1 under MPOL_BIND to it,
 * alternately under MPOL_INTERLEAVE; MEM_EXTRACT_PADDR reports the
 * domain.  Raw set_mempolicy: musl has no wrapper. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/memrange.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "raw_syscall.h"

#define MPOL_DEFAULT	0
#define MPOL_BIND	2
#define MPOL_INTERLEAVE 3

static int fd;

static int domain_of(volatile char *p)
{
	struct mem_extract me;
	memset(&me, 0, sizeof(me));
	me.me_vaddr = (uint64_t)p;
	ioctl(fd, MEM_EXTRACT_PADDR, &me);
	return me.me_state == ME_STATE_MAPPED ? me.me_domain : -1;
}

static long policy(int mode, unsigned long mask)
{
	return sc(SYS_set_mempolicy, mode, (long)&mask, 64, 0, 0, 0);
}

static volatile char *touch(void)
{
	volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 1;
	return p;
}

int main(void)
{
	fd = open("/dev/mem", O_RDONLY);
	if (fd < 0)
		return 1;
	printf("default: %d\n", domain_of(touch()));
	printf("bind node 1: %s", name_of(policy(MPOL_BIND, 2)));
	printf(" -> %d\n", domain_of(touch()));
	printf("interleave 0,1: %s ->", name_of(policy(MPOL_INTERLEAVE, 3)));
	for (int i = 0; i < 4; i++)
		printf(" %d", domain_of(touch()));
	printf("\n");
	printf("bind node 2: %s\n", name_of(policy(MPOL_BIND, 4)));
	printf("bad mode: %s\n", name_of(policy(9, 1)));
	printf("back to default: %s", name_of(policy(MPOL_DEFAULT, 0)));
	printf(" -> %d\n", domain_of(touch()));
	return 0;
}
