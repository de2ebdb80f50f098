/* Lab 1, a deliberately wrong solution for the grader's own test
 * (tests/labs_test.c): the "reads" write (p[i] = p[i]), so those pages
 * get frames of their own instead of the zero frame. */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "memu_guest.h"

#define PAGES 64
#define PAGE  4096

static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

int main(void)
{
	volatile char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	long before = minflt();
	memu_probe((long)p);
	for (int i = 0; i < PAGES; i += 4)
		p[i * PAGE] = 1;
	memu_probe((long)p);
	for (int i = 1; i < PAGES; i += 4)
		p[i * PAGE] = p[i * PAGE];
	memu_probe((long)p);
	long after = minflt();
	printf("faults %ld\n", after - before);
	return 0;
}
