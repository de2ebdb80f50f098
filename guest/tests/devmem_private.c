/* A MAP_PRIVATE mapping of /dev/mem is copy-on-write: the first write
 * copies the page into anonymous memory, and physical memory is not
 * modified.  Probe: the mapping's address, after the write. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memu_guest.h"

#define VGA_TEXT 0xB8000

int main(void)
{
	int fd = open("/dev/mem", O_RDWR);
	volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE,
				fd, VGA_TEXT);
	if (fd < 0 || p == MAP_FAILED)
		return 1;
	char before = p[0];
	p[0] = 'Z';
	memu_probe((long)p);
	char phys;
	if (pread(fd, &phys, 1, VGA_TEXT) != 1)
		return 2;
	printf("before '%c' mapping '%c' physical '%c'\n", before, p[0], phys);
	return 0;
}
