/* The seeds' central contrast: a /dev/mem mapping has every PTE installed
 * by mmap itself, so touching it takes no fault; an anonymous mapping of
 * the same size takes one fault per page.
 *   devmem_map N   (N <= 8: the VGA text memory at 0xB8000 is 8 pages)
 * Probes: after mmap of /dev/mem (tag: address), after touching it, after
 * mmap of anonymous memory (tag: address), after touching that. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "memu_guest.h"

#define PAGE	 4096
#define VGA_TEXT 0xB8000

static int touch(volatile char *p, int pages)
{
	int sum = 0;
	for (int i = 0; i < pages; i++)
		sum += p[i * PAGE];
	return sum;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 8;
	int fd = open("/dev/mem", O_RDWR);
	if (fd < 0) {
		perror("open /dev/mem");
		return 1;
	}
	volatile char *dev = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, VGA_TEXT);
	if (dev == MAP_FAILED) {
		perror("mmap /dev/mem");
		return 2;
	}
	memu_probe((long)dev);
	int s1 = touch(dev, n);
	memu_probe((long)dev);
	volatile char *anon = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		return 3;
	memu_probe((long)anon);
	int s2 = touch(anon, n);
	memu_probe((long)anon);
	printf("dev %d anon %d\n", s1, s2);
	return 0;
}
