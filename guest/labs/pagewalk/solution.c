/* Lab 3, walk your own page tables through /dev/mem: the reference
 * solution (kept out of the handout; docs/labs/pagewalk.md). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memu_guest.h"

static int data_var = 42;

/* The physical address va maps to, or 0 when it maps nothing: start at
 * memu_cr3(), the physical address of the PML4, and read one 8-byte
 * entry per level (PML4, PDPT, PD, PT) from /dev/mem with pread(2). */
static uint64_t walk(int fd, uint64_t va)
{
	uint64_t table = (uint64_t)memu_cr3() & 0x000ffffffffff000ULL;
	for (int level = 4; level >= 1; level--) {
		unsigned index = (va >> (12 + 9 * (level - 1))) & 511;
		uint64_t e = 0;
		if (pread(fd, &e, 8, (off_t)(table + 8 * index)) != 8 ||
		    !(e & 1))
			return 0;
		table = e & 0x000ffffffffff000ULL;
	}
	return table | (va & 0xfff);
}

static void show(int fd, const char *name, const void *p)
{
	uint64_t va = (uint64_t)(uintptr_t)p;
	printf("%s %#llx %#llx\n", name, (unsigned long long)va,
	       (unsigned long long)walk(fd, va));
}

int main(void)
{
	int fd = open("/dev/mem", O_RDONLY);
	if (fd < 0) {
		perror("/dev/mem");
		return 1;
	}
	int stack_var = 7;
	char *heap = malloc(100000);
	memset(heap, 1, 100000);
	show(fd, "data", &data_var);
	show(fd, "stack", &stack_var);
	show(fd, "heap", heap + 50000);
	show(fd, "code", (void *)(uintptr_t)main);
	show(fd, "unmapped", (void *)0x10000);
	return 0;
}
