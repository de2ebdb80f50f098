/* MAP_SHARED|MAP_ANONYMOUS: one shared object, seen through two
 * mappings.  The second mapping is made with mremap(old, 0, len,
 * MREMAP_MAYMOVE), which duplicates a shared mapping.  Then the first is
 * moved with mremap(MAYMOVE|FIXED) and must still share frames.
 * Probes: tag = address of mapping a, then of b, then of the moved a.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "memu_guest.h"

#define PAGES 4
#define LEN   (PAGES * 4096)

int main(void)
{
	char *a = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 1;
	int before = a[0]; /* a read fault allocates a real frame */
	char *b = mremap(a, 0, LEN, MREMAP_MAYMOVE);
	if (b == MAP_FAILED || b == a)
		return 2;
	strcpy(a + 4096, "written through a");
	strcpy(b + 2 * 4096, "written through b");
	memu_probe((long)a);
	memu_probe((long)b);
	char *moved = mremap(a, LEN, LEN, MREMAP_MAYMOVE | MREMAP_FIXED,
			     b + 16 * 4096);
	if (moved == MAP_FAILED)
		return 3;
	strcpy(moved + 3 * 4096, "written after the move");
	memu_probe((long)moved);
	printf("%d|%s|%s|%s\n", before, b + 4096, moved + 2 * 4096,
	       b + 3 * 4096);
	return 0;
}
