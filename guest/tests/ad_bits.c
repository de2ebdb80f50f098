/* Accessed and Dirty bits, set by the CPU.  Probes: after mmap (nothing
 * mapped), after a read of page 0, after a write to page 1 (first access),
 * after a write to page 0. */
#include <stddef.h>
#include <sys/mman.h>

#include "memu_guest.h"

int main(void)
{
	volatile char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memu_probe((long)p);
	(void)p[0];
	memu_probe((long)p);
	p[4096] = 1;
	memu_probe((long)p);
	p[0] = 1;
	memu_probe((long)p);
	return 0;
}
