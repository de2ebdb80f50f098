/* A sleep while another process spins (docs/processes.md): the parent's
 * nanosleep ends on the virtual clock, which the child's time slices
 * advance; the child spins until the parent, awake, sets a flag. */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	volatile unsigned long *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		unsigned long n = 0;
		while (!sh[0] && n < 300000000UL)
			n++;
		_exit(sh[0] ? 0 : 1);
	}
	struct timespec ts = {0, 10000000}; /* 10 ms */
	int r = nanosleep(&ts, NULL);
	sh[0] = 1;
	int status;
	waitpid(pid, &status, 0);
	printf("nanosleep %d while the child spun; child exit %d\n", r,
	       WEXITSTATUS(status));
	return 0;
}
