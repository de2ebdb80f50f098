/* What --pagetables and --vmprint show (docs/cli.md): eight anonymous
 * pages - two written, three read (the zero frame each time), one
 * written then made PROT_NONE, two never touched.  Prints the region's
 * address, then the frames /proc/self/pagemap gives for pages 0, 1, 2
 * and 5 (bits 0-54 of each entry), for the test to find in the views. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static uint64_t pfn_of(int fd, volatile char *va)
{
	uint64_t e = 0;
	if (pread(fd, &e, 8, (off_t)((uintptr_t)va / PAGE * 8)) != 8)
		return 0;
	return e & ((1ULL << 55) - 1);
}

int main(void)
{
	volatile char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	p[0] = 1;
	p[PAGE] = 2;
	for (int i = 2; i < 5; i++)
		(void)p[i * PAGE];
	p[5 * PAGE] = 3;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 2;
	printf("%p %llx %llx %llx %llx\n", (void *)p,
	       (unsigned long long)pfn_of(fd, p),
	       (unsigned long long)pfn_of(fd, p + PAGE),
	       (unsigned long long)pfn_of(fd, p + 2 * PAGE),
	       (unsigned long long)pfn_of(fd, p + 5 * PAGE));
	close(fd);
	if (mprotect((void *)(p + 5 * PAGE), PAGE, PROT_NONE))
		return 3;
	return 0;
}
