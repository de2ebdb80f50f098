/* Time slices (docs/processes.md): the parent spins until its child,
 * which only runs when the parent is preempted, sets a flag in shared
 * memory; then both spin and count, and the counts are the scheduler's
 * own, the same on every run. */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
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
		sh[0] = 1;
		while (!sh[1])
			sh[2]++; /* the child's count while the parent spins */
		_exit(0);
	}
	unsigned long spins = 0;
	while (!sh[0] && spins < 200000000UL)
		spins++;
	printf("child ran while the parent spun: %s\n", sh[0] ? "yes" : "no");
	for (unsigned long i = 0; i < 3000000UL; i++)
		sh[3]++;
	sh[1] = 1;
	int status;
	waitpid(pid, &status, 0);
	printf("parent %lu spins, child %lu, exit %d\n", spins, sh[2],
	       WEXITSTATUS(status));
	return 0;
}
