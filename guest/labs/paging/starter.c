/* Lab 1, demand paging (docs/labs/paging.md): your program.
 *
 * Build it:  musl-gcc -static -I guest/include -o paging starter.c
 * Grade it:  build/labs/grade-paging ./paging
 */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "memu_guest.h"

#define PAGES 64
#define PAGE  4096

int main(void)
{
	/* TODO 1: map PAGES private anonymous pages, readable and
	 * writable, and stop at a probe with the region's address:
	 * memu_probe((long)p). */

	/* TODO 2: write one byte to every page whose index is a multiple
	 * of 4, then memu_probe((long)p) again. */

	/* TODO 3: read one byte of every page whose index is 1 more than
	 * a multiple of 4 (the compiler must not drop the reads: volatile),
	 * then memu_probe((long)p) a third time. */

	/* TODO 4: print "faults N\n", N the minor faults (getrusage's
	 * ru_minflt) taken from just before TODO 1's probe to just after
	 * TODO 3's. */
	return 0;
}
