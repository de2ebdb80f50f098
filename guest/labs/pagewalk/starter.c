/* Lab 3, walk your own page tables through /dev/mem
 * (docs/labs/pagewalk.md): your program.
 *
 * Build it:  musl-gcc -static -I guest/include -o pagewalk starter.c
 * Grade it:  build/labs/grade-pagewalk ./pagewalk
 */
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
	/* TODO: the walk (Intel SDM vol. 3A, 4.5).  Which bits of va index
	 * each level?  Which bits of an entry are the next table's
	 * address, and which say it is present? */
	(void)fd;
	(void)va;
	return 0;
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
