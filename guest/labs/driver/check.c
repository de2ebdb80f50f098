/* Lab 5's checking guest (docs/labs/driver.md): maps each region of
 * /dev/labdrv, reads the label of each of its pages, stops at a probe
 * (tag: the mapping) and prints the labels it read. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "memu_guest.h"

#define REGION 16
#define PAGE   4096

int main(void)
{
	int fd = open("/dev/labdrv", O_RDWR);
	if (fd < 0) {
		perror("/dev/labdrv");
		return 1;
	}
	for (int r = 0; r < 3; r++) {
		volatile char *p =
			mmap(NULL, REGION * PAGE, PROT_READ, MAP_SHARED, fd,
			     (off_t)r * REGION * PAGE);
		if (p == MAP_FAILED) {
			printf("region %d: mmap failed\n", r);
			memu_probe(0);
			continue;
		}
		char first[32], last[32];
		memcpy(first, (const char *)p, sizeof(first));
		for (int i = 1; i < REGION - 1; i++)
			(void)p[i * PAGE];
		memcpy(last, (const char *)p + (REGION - 1) * PAGE,
		       sizeof(last));
		first[strcspn(first, "\n")] = last[strcspn(last, "\n")] = '\0';
		memu_probe((long)p);
		printf("region %d: %s ... %s\n", r, first, last);
	}
	return 0;
}
