/* mremap moves page tables, not data: a private mapping that cannot grow
 * in place (a page is mapped right above it) moves, and its frames go
 * with it.  Probes: the old address (pages written), then the new one. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>

#include "memu_guest.h"

#define PAGE  4096
#define PAGES 4

int main(void)
{
	char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	/* A read-only page right above p: p cannot grow in place. */
	if (mmap(p + PAGES * PAGE, PAGE, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		 0) == MAP_FAILED)
		return 2;
	for (int i = 0; i < PAGES; i++)
		p[i * PAGE] = (char)('a' + i);
	memu_probe((long)p);
	char *q = mremap(p, PAGES * PAGE, 2 * PAGES * PAGE, MREMAP_MAYMOVE);
	if (q == MAP_FAILED || q == p)
		return 3;
	memu_probe((long)q);
	q[PAGES * PAGE] = 'z'; /* the grown part is fresh memory */
	printf("%c%c%c%c%c\n", q[0], q[PAGE], q[2 * PAGE], q[3 * PAGE],
	       q[PAGES * PAGE]);
	return 0;
}
