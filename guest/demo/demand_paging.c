/* The demo guest: demand paging seen from inside.
 *
 * It maps 256 pages of anonymous memory, reads half of them (each read
 * maps the shared zero frame), writes all of them (each written page gets
 * its own zeroed frame: first touch, or copy-on-write from the zero
 * frame), and reports the minor faults the kernel counted, as getrusage
 * shows them.  With "crash" it then writes to memory it has unmapped.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define PAGES 256
#define PAGE  4096

static long minor_faults(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

int main(int argc, char **argv)
{
	volatile char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	long f0 = minor_faults();
	int sum = 0;
	for (int i = 0; i < PAGES / 2; i++)
		sum += p[i * PAGE];
	long f1 = minor_faults();
	for (int i = 0; i < PAGES; i++)
		p[i * PAGE] = (char)i;
	long f2 = minor_faults();
	printf("mapped %d pages at %p\n", PAGES, (void *)p);
	printf("read %d pages:  %ld faults (zero frame), sum %d\n", PAGES / 2,
	       f1 - f0, sum);
	printf("wrote %d pages: %ld faults (copy-on-write where read, first "
	       "touch elsewhere)\n",
	       PAGES, f2 - f1);
	if (argc > 1 && !strcmp(argv[1], "crash")) {
		munmap((void *)p, PAGES * PAGE);
		fflush(stdout);
		p[0] = 1;
	}
	return 0;
}
