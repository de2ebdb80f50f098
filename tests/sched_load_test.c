/* Determinism under host load (docs/processes.md, "Determinism"): a
 * guest of racing threads and processes (guest/tests/race_mix.c) run by
 * `memu run --stats --sched-seed N` while the host is busy - spinning
 * threads of this test and spinning child processes, as many as the
 * host has CPUs and more, for as long as the runs take - gives the same
 * bytes, statistics and exit status every time; another seed, another
 * interleaving. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define SPINNERS 3 /* threads, and as many processes */

static atomic_bool stop;
static pthread_t threads[SPINNERS];
static pid_t procs[SPINNERS];

static void *spin(void *arg)
{
	(void)arg;
	volatile unsigned long x = 0;
	while (!atomic_load(&stop))
		x++;
	return NULL;
}

static void load_start(void)
{
	atomic_store(&stop, false);
	for (int i = 0; i < SPINNERS; i++) {
		cr_assert_eq(pthread_create(&threads[i], NULL, spin, NULL), 0);
		procs[i] = fork();
		cr_assert_geq(procs[i], 0);
		if (procs[i] == 0) {
			/* Gone with the test, even if an assertion ends
			 * it. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (volatile unsigned long x = 0;; x++)
				;
		}
	}
}

static void load_stop(void)
{
	atomic_store(&stop, true);
	for (int i = 0; i < SPINNERS; i++) {
		pthread_join(threads[i], NULL);
		kill(procs[i], SIGKILL);
		waitpid(procs[i], NULL, 0);
	}
}

static char *run(unsigned seed, int *status)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "%s run --stats --sched-seed %u %s 20000 2>&1", MEMU_BIN, seed,
		 guest_path("race_mix"));
	return shell_output(cmd, status);
}

/* The guest's own lines: the counts before --stats. */
static char *counts(const char *out)
{
	const char *end = strstr(out, "shared: ");
	cr_assert(end, "%s", out);
	return strndup(out, (size_t)(strchr(end, '\n') - out));
}

Test(sched_load, one_seed_one_run_whatever_the_host_does)
{
	int s0, s;
	char *quiet = run(5, &s0);
	cr_assert(WIFEXITED(s0) && WEXITSTATUS(s0) == 0, "%s", quiet);
	cr_assert(strstr(quiet, "context switches"), "%s", quiet);
	load_start();
	char *busy[3];
	for (int i = 0; i < 3; i++) {
		busy[i] = run(5, &s);
		cr_assert_eq(s, s0);
	}
	char *other = run(6, &s);
	load_stop();
	for (int i = 0; i < 3; i++) {
		cr_assert_str_eq(busy[i], quiet);
		free(busy[i]);
	}
	/* Another seed: other lost updates. */
	cr_assert_eq(s, s0);
	char *a = counts(quiet), *b = counts(other);
	cr_assert_str_neq(a, b);
	free(a);
	free(b);
	free(other);
	free(quiet);
}
