/* The first write to a clean page refills the TLB: a shared page read
 * first gets a writable PTE (Linux maps shared memory writable on a read
 * fault) but, with D clear, a TLB entry without write permission; the
 * write misses, and the walker sets D.  Probes: after mmap, after the
 * read, after the first write, after the second write. */
#include <stddef.h>
#include <sys/mman.h>

#include "memu_guest.h"

int main(void)
{
	volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memu_probe((long)p);
	(void)p[0];
	memu_probe((long)p);
	p[0] = 1;
	memu_probe((long)p);
	p[1] = 2;
	memu_probe((long)p);
	return 0;
}
