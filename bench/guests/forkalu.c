/* The time slice's cost (docs/processes.md, "The scheduler"): an ALU
 * loop of one block, after a fork and reap (`fork N`: the slice hook is
 * installed) or without (`nofork N`). */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[2]);
	if (argv[1][0] == 'f') {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		waitpid(p, 0, 0);
	}
	volatile unsigned long x = 1;
	for (long i = 0; i < n; i++)
		x = x * 3 + (unsigned long)i;
	return (int)(x & 1);
}
