/* Threads and processes racing (docs/processes.md, "Determinism"):
 *
 *   race_mix ROUNDS
 *
 * pid 1 forks two children; every process runs two threads that add 1
 * to a counter of their own process ROUNDS times without a lock, and to
 * a counter in MAP_SHARED memory that all three processes share, with a
 * sleep now and then.  Each child tells its parent its own count through
 * a pipe.  The lost updates tell the interleaving: the output changes
 * with the scheduler's seed, and never for one seed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long rounds;
static volatile long mine;
static volatile long *shared;

static void *adder(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++) {
		long t = mine, s = *shared;
		for (volatile int k = 0; k < 3; k++)
			;
		mine = t + 1;
		*shared = s + 1;
		if (i % 4096 == 0) {
			struct timespec ts = {0, 50000};
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static void work(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, adder, NULL))
			exit(1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? strtol(argv[1], NULL, 0) : 20000;
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	int fds[2][2];
	pid_t pid[2];
	for (int c = 0; c < 2; c++) {
		if (pipe(fds[c]))
			return 1;
		pid[c] = fork();
		if (pid[c] == 0) {
			work();
			if (write(fds[c][1], (const void *)&mine,
				  sizeof(mine)) != sizeof(mine))
				_exit(1);
			_exit(0);
		}
	}
	work();
	for (int c = 0; c < 2; c++) {
		long theirs = 0;
		int status;
		if (read(fds[c][0], &theirs, sizeof(theirs)) != sizeof(theirs))
			return 1;
		waitpid(pid[c], &status, 0);
		printf("child %d: %ld of %ld, exit %d\n", c, theirs, 2 * rounds,
		       WEXITSTATUS(status));
	}
	printf("parent: %ld of %ld\n", mine, 2 * rounds);
	printf("shared: %ld of %ld\n", *shared, 6 * rounds);
	return 0;
}
