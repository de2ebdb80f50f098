/* A changed translation stays in the TLB until a flush, as on hardware.
 * Two pages hold 'A' and 'B'; the guest reads page A (its TLB entry is
 * filled), stops at probe 1 where the test may point page A's PTE at page
 * B's frame behind the CPU's back, reads page A again (no syscall between:
 * no flush), stops at probe 2 (a syscall: memu runs the batched flush),
 * and reads page A a third time.  Prints the three bytes. */
#include <stdio.h>
#include <sys/mman.h>

#include "memu_guest.h"

int main(void)
{
	volatile char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	p[0] = 'A';
	p[4096] = 'B';
	char first = p[0];
	memu_probe((long)p);
	char second = p[0];
	memu_probe((long)p);
	char third = p[0];
	printf("%c %c %c\n", first, second, third);
	return 0;
}
