/* futex between threads under memu's scheduler (docs/processes.md,
 * "futex"), where the round robin makes every step deterministic: the
 * waiters block in the order they came, FUTEX_WAKE and FUTEX_CMP_REQUEUE
 * count what they woke and moved, a timed wait ends at its deadline on
 * the virtual clock, and a signal ends a wait with EINTR.  Not run
 * natively: there the main thread cannot know when the others wait. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE	  128
#define FUTEX_WAKE_PRIVATE	  129
#define FUTEX_CMP_REQUEUE_PRIVATE 132

static uint32_t w, w2;
static char order[16];
static int done;
static volatile pid_t sleeper;

static long futex(uint32_t *a, int op, uint32_t val, const void *ts,
		  uint32_t *a2, uint32_t val3)
{
	long r = syscall(SYS_futex, a, op, val, ts, a2, val3);
	return r < 0 ? -errno : r;
}

static void *waiter(void *arg)
{
	long r = futex(&w, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	order[__atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST)] = *(char *)arg;
	return (void *)r;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *interrupted(void *arg)
{
	(void)arg;
	sleeper = (pid_t)syscall(SYS_gettid);
	return (void *)futex(&w2, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void *timed(void *arg)
{
	(void)arg;
	struct timespec a, b, ts = {0, 5000000};
	clock_gettime(CLOCK_MONOTONIC, &a);
	long r = futex(&w2, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ns = (b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec;
	printf("timed wait: %ld after >= 5 ms: %d\n", r, ns >= 5000000);
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	static char names[] = "ABCD";
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, waiter, &names[i]);
	sched_yield(); /* each runs in turn and blocks */
	printf("wake 1: %ld\n",
	       futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	printf("cmp_requeue 1, move 2: %ld\n",
	       futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2, &w2, 0));
	printf("wake on the old word: %ld\n",
	       futex(&w, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
	printf("wake on the new word: %ld\n",
	       futex(&w2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		if (r)
			printf("waiter %d: %ld\n", i, (long)r);
	}
	printf("woken in order: %s\n", order);

	struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t s;
	pthread_create(&s, NULL, interrupted, NULL);
	while (!sleeper)
		sched_yield();
	sched_yield(); /* it waits now */
	syscall(SYS_tgkill, getpid(), sleeper, SIGUSR1);
	void *r;
	pthread_join(s, &r);
	printf("a signal ends the wait: %ld\n", (long)r);
	pthread_create(&s, NULL, timed, NULL);
	pthread_join(s, NULL);
	return 0;
}
