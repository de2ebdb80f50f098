/* fork of a process with MIB MiB touched (docs/processes.md, "fork's
 * cost"): `touch MIB N` touches every page and stops (the baseline);
 * `fork MIB N` then forks N times, each child exiting at once, the parent
 * waiting; `cow MIB N` the same, each child writing every page first
 * (one copy-on-write fault a page).  Prints a checksum of the memory and
 * the children's statuses, the same natively, under qemu and memu. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	char mode = argv[1][0];
	unsigned long pages = strtoul(argv[2], 0, 0) * 256;
	long rounds = atol(argv[3]);
	volatile unsigned char *mem =
		mmap(0, pages * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 3;
	for (unsigned long i = 0; i < pages; i++)
		mem[i * PAGE] = (unsigned char)i;
	unsigned long sum = 0;
	for (long r = 0; mode != 't' && r < rounds; r++) {
		pid_t p = fork();
		if (p == 0) {
			unsigned long s = 0;
			if (mode == 'c')
				for (unsigned long i = 0; i < pages; i++)
					s += mem[i * PAGE]++;
			_exit((int)(s & 0x7f));
		}
		int st;
		if (p < 0 || waitpid(p, &st, 0) != p)
			return 4;
		sum += (unsigned long)WEXITSTATUS(st);
	}
	for (unsigned long i = 0; i < pages; i++)
		sum += mem[i * PAGE];
	printf("checksum %lu\n", sum);
	return 0;
}
