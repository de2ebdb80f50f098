/* A write-protect range is enforced as mem(4) defines it: nothing can
 * write it through a mapping.  The guest maps low RAM at 0x90000 through
 * /dev/mem, writes it, makes the 16 KiB fixed range there write-protect
 * with MEMRANGE_SET, and then:
 *   wp on    writes again: SIGSEGV (probe first, tag: the address)
 *   wp off   reads it (allowed), sets the range back to write-back and
 *            writes again: fine
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/memrange.h>
#include <sys/mman.h>

#include "memu_guest.h"

#define LOW 0x90000

static int set_type(int fd, int flags)
{
	struct mem_range_desc d = {LOW, 0x4000, flags, "wp-test"};
	struct mem_range_op op = {&d, {MEMRANGE_SET_UPDATE, 0}};
	return ioctl(fd, MEMRANGE_SET, &op);
}

int main(int argc, char **argv)
{
	int fd = open("/dev/mem", O_RDWR);
	volatile char *p =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, LOW);
	if (fd < 0 || p == MAP_FAILED || argc != 2)
		return 1;
	p[0] = 'a';
	if (set_type(fd, MDF_WRITEPROTECT))
		return 2;
	char seen = p[0];
	if (!strcmp(argv[1], "on")) {
		memu_probe((long)p);
		p[0] = 'b'; /* SIGSEGV */
		return 3;
	}
	if (set_type(fd, MDF_WRITEBACK))
		return 4;
	p[0] = 'c';
	printf("read under WP: %c, after: %c\n", seen, p[0]);
	return 0;
}
