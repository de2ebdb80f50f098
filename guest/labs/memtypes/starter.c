/* Lab 4, memory types through FreeBSD's mem(4) (docs/labs/memtypes.md):
 * your program.
 *
 * Build it:  musl-gcc -static -I guest/include -o memtypes starter.c
 * Grade it:  build/labs/grade-memtypes ./memtypes
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/memrange.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memu_guest.h"

int main(void)
{
	int fd = open("/dev/mem", O_RDWR);
	if (fd < 0) {
		perror("/dev/mem");
		return 1;
	}
	/* TODO 1: MEMRANGE_GET with mo_arg[0] = 0 gives the number of
	 * ranges in mo_arg[0]; then MEMRANGE_GET again with mo_desc
	 * pointing at that many descriptors.  Print "ranges N", then one
	 * line per range: "BASE LEN FLAGS" (%#llx %#llx %#x). */

	/* TODO 2: make 0xA0000-0xA7FFF (VGA graphics memory, unused here)
	 * write-combining: MEMRANGE_SET with action MEMRANGE_SET_UPDATE and
	 * one descriptor, owner "lab". */

	/* TODO 3: map that memory's first page from /dev/mem (MAP_SHARED,
	 * offset 0xA0000), read a byte of it, and memu_probe((long)the
	 * mapping). */
	(void)fd;
	return 0;
}
