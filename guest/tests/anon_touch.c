/* Anonymous private memory under demand paging.
 *
 *   anon_touch write N    mmap N pages; probe; write one byte per page;
 *                         probe
 *   anon_touch read N     mmap N pages; probe; read every page; probe;
 *                         write page 0; probe
 *   anon_touch populate N mmap N pages with MAP_POPULATE; probe; write
 *                         every page; probe
 *   anon_touch dontneed N write N pages; probe; MADV_DONTNEED them; probe;
 *                         read page 0 (must be 0); probe
 *
 * Each probe's tag is the mapping's address, so the test can look at the
 * page tables there.  The guest also checks what it reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memu_guest.h"

#define PAGE 4096

static volatile char *map(size_t n, int extra)
{
	void *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void write_all(volatile char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i * PAGE] = (char)(i + 1);
}

static int read_all(volatile char *p, size_t n)
{
	int sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += p[i * PAGE];
	return sum;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	size_t n = strtoul(argv[2], NULL, 0);
	const char *mode = argv[1];
	volatile char *p;
	if (!strcmp(mode, "write")) {
		p = map(n, 0);
		memu_probe((long)p);
		write_all(p, n);
		memu_probe((long)p);
	} else if (!strcmp(mode, "read")) {
		p = map(n, 0);
		memu_probe((long)p);
		if (read_all(p, n) != 0)
			return 3;
		memu_probe((long)p);
		p[0] = 42;
		memu_probe((long)p);
	} else if (!strcmp(mode, "populate")) {
		p = map(n, MAP_POPULATE);
		memu_probe((long)p);
		write_all(p, n);
		memu_probe((long)p);
	} else if (!strcmp(mode, "dontneed")) {
		p = map(n, 0);
		write_all(p, n);
		memu_probe((long)p);
		if (madvise((void *)p, n * PAGE, MADV_DONTNEED))
			return 4;
		memu_probe((long)p);
		if (p[0] != 0)
			return 5;
		memu_probe((long)p);
	} else {
		return 2;
	}
	printf("ok %s %zu\n", mode, n);
	return 0;
}
