/* Stacks grow down on demand.
 *   stack_grow deep KIB    recurse through KIB KiB of stack, print depth
 *   stack_grow mapping     mmap(MAP_GROWSDOWN) one page; probe(addr);
 *                          write 3 pages below it; probe(addr)
 *   stack_grow brk         grow the heap with brk by 5 pages, touch it,
 *                          shrink it back; prints the three breaks
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memu_guest.h"

static int recurse(int depth, int left)
{
	volatile char frame[1024];
	frame[0] = (char)depth;
	if (left <= 1)
		return frame[0];
	return recurse(depth + 1, left - 1) + (frame[0] != (char)depth);
}

static int deep(int kib)
{
	recurse(0, kib);
	printf("depth %d KiB ok\n", kib);
	return 0;
}

static int growsdown_mapping(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memu_probe((long)p);
	for (int i = 1; i <= 3; i++)
		((volatile char *)p)[-4096 * i] = (char)i;
	memu_probe((long)p);
	printf("grew\n");
	return 0;
}

/* Raw brk(2): musl's sbrk() refuses non-zero increments. */
static uintptr_t brk_to(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

static int heap(void)
{
	uintptr_t b0 = brk_to(0);
	uintptr_t b1 = brk_to(b0 + 5 * 4096);
	if (b1 != b0 + 5 * 4096)
		return 1;
	memset((void *)b0, 7, 5 * 4096);
	uintptr_t b2 = brk_to(b0);
	printf("brk +%lu -%lu same=%d\n", (unsigned long)(b1 - b0),
	       (unsigned long)(b1 - b2), b0 == b2);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "deep"))
		return deep(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "mapping"))
		return growsdown_mapping();
	if (argc == 2 && !strcmp(argv[1], "brk"))
		return heap();
	return 2;
}
