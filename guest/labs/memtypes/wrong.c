/* Lab 4, a deliberately wrong solution for the grader's own test
 * (tests/labs_test.c): it lists one range too few and sets the range
 * write-through, not write-combining. */
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
	/* How many ranges, then all of them. */
	struct mem_range_op op;
	memset(&op, 0, sizeof(op));
	if (ioctl(fd, MEMRANGE_GET, &op) < 0)
		return 2;
	int n = op.mo_arg[0];
	struct mem_range_desc *d = calloc((size_t)n, sizeof(*d));
	op.mo_desc = d;
	if (!d || ioctl(fd, MEMRANGE_GET, &op) < 0)
		return 3;
	printf("ranges %d\n", n);
	for (int i = 0; i < n - 1; i++)
		printf("%#llx %#llx %#x\n", (unsigned long long)d[i].mr_base,
		       (unsigned long long)d[i].mr_len, d[i].mr_flags);
	/* VGA text memory, 0xA0000-0xA7FFF (VGA graphics memory, which
	 * nothing uses here), write-combining. */
	struct mem_range_desc wc;
	memset(&wc, 0, sizeof(wc));
	wc.mr_base = 0xa0000;
	wc.mr_len = 0x8000;
	wc.mr_flags = MDF_WRITETHROUGH;
	strcpy(wc.mr_owner, "lab");
	op.mo_desc = &wc;
	op.mo_arg[0] = MEMRANGE_SET_UPDATE;
	if (ioctl(fd, MEMRANGE_SET, &op) < 0) {
		perror("MEMRANGE_SET");
		return 4;
	}
	volatile char *win = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, 0xa0000);
	if (win == MAP_FAILED)
		return 5;
	(void)win[0];
	memu_probe((long)win);
	return 0;
}
