/* fork with pages on swap (tests/reclaim_test.c): MB megabytes of
 * private anonymous memory written, then fork.  On a machine whose RAM
 * is smaller, most of it is on swap when the child is made: the child's
 * entries must name the same slots, so both processes read the parent's
 * bytes back, and a write in one is not seen by the other.  The parent
 * waits for the child before it prints, so the output is the same on
 * Linux, where nothing need be swapped.
 *   fork_swap MB */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t sum(const unsigned char *p, size_t n)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = s * 31 + p[i];
	return s;
}

int main(int argc, char **argv)
{
	size_t n = (size_t)(argc > 1 ? atoi(argv[1]) : 12) << 20;
	unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + i / 4096);
	uint64_t before = sum(p, n);
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		printf("child reads %s\n", sum(p, n) == before
						   ? "the parent's bytes"
						   : "OTHER BYTES");
		for (size_t i = 0; i < n; i += 4096)
			p[i] ^= 0xff;
		printf("child after its writes %016llx\n",
		       (unsigned long long)sum(p, n));
		return 0;
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 3;
	printf("parent after the child %s\n", sum(p, n) == before
						      ? "reads its own bytes"
						      : "SEES THE CHILD'S");
	printf("parent sum %016llx\n", (unsigned long long)before);
	return 0;
}
