/* The scheduler and threads (docs/processes.md, "The scheduler"):
 *   race N    two threads add 1 to a counter N times each, unlocked: the
 *             lost updates tell the interleaving (--sched-seed);
 *   spin      a thread spins forever; main still finishes and exit ends
 *             the process;
 *   deadlock  every thread blocks on a mutex nobody unlocks;
 *   leader    main leaves with pthread_exit, the other thread ends the
 *             process with exit(3);
 *   forkleader  the same in a child: its parent's waitpid sees the
 *             child's pid with status 3 once the last thread is gone. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long counter;
static long rounds;
static volatile int started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *adder(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++) {
		long t = counter;
		for (volatile int k = 0; k < 3; k++)
			;
		counter = t + 1;
	}
	return NULL;
}

static void *spinner(void *arg)
{
	(void)arg;
	started = 1;
	for (;;)
		;
	return NULL;
}

static void *locker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	return NULL;
}

static void *survivor(void *arg)
{
	(void)arg;
	while (!started)
		sched_yield();
	/* the leader has gone (or is going): the process is still ours */
	printf("thread: pid %d\n", getpid() == (pid_t)(intptr_t)arg);
	exit(3);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *mode = argc > 1 ? argv[1] : "race";
	pthread_t a, b;
	if (!strcmp(mode, "race")) {
		rounds = argc > 2 ? atol(argv[2]) : 100000;
		pthread_create(&a, NULL, adder, NULL);
		pthread_create(&b, NULL, adder, NULL);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		printf("counter %ld of %ld\n", counter, 2 * rounds);
	} else if (!strcmp(mode, "spin")) {
		pthread_create(&a, NULL, spinner, NULL);
		while (!started)
			sched_yield();
		for (volatile long k = 0; k < 2000000; k++)
			;
		printf("main done\n");
		return 0;
	} else if (!strcmp(mode, "deadlock")) {
		pthread_mutex_lock(&lock);
		pthread_create(&a, NULL, locker, NULL);
		pthread_join(a, NULL);
		printf("not reached\n");
	} else if (!strcmp(mode, "forkleader")) {
		pid_t pid = fork();
		if (pid == 0) {
			pthread_create(&a, NULL, survivor,
				       (void *)(intptr_t)getpid());
			started = 1;
			pthread_exit(NULL);
		}
		int status = 0;
		pid_t w = waitpid(pid, &status, 0);
		printf("parent: waitpid %s, exited %d status %d\n",
		       w == pid ? "pid" : "?", WIFEXITED(status),
		       WEXITSTATUS(status));
	} else if (!strcmp(mode, "leader")) {
		pthread_create(&a, NULL, survivor, (void *)(intptr_t)getpid());
		started = 1;
		pthread_exit(NULL);
	}
	return 0;
}
