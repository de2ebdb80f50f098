/* Threads (docs/processes.md, "Threads"): a mutex-protected counter,
 * a condition variable ping-pong, pthread_exit's value, thread-local
 * storage, gettid against getpid, tgkill to a thread and a SIGSEGV
 * handled in the thread that faulted, futex errnos, and the clone flag
 * combinations Linux rejects.  Deterministic: the same output on Linux
 * (thread_test.c runs it natively too), with musl and glibc. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE	  128
#define FUTEX_WAKE		  1
#define FUTEX_WAKE_PRIVATE	  129
#define FUTEX_CMP_REQUEUE_PRIVATE 132
#define FUTEX_WAIT_BITSET_PRIVATE 137
#define FUTEX_WAKE_BITSET_PRIVATE 138
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif

#define NTHREADS 4
#define ROUNDS	 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread int my_index = -1;
static __thread long tls_value = 7;
static __thread sigjmp_buf segv_jmp;
static volatile int handled_by = -1, segv_by = -1;
static volatile pid_t tids[NTHREADS];

static void *count(void *arg)
{
	int i = (int)(intptr_t)arg;
	my_index = i;
	tls_value += i * 100;
	tids[i] = (pid_t)syscall(SYS_gettid);
	for (int k = 0; k < ROUNDS; k++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	long v = tls_value;
	if (i == 3)
		pthread_exit((void *)(intptr_t)(1000 + v));
	return (void *)(intptr_t)v;
}

/* ---- condition variable ping-pong */
static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int turn, volleys;
static char trail[64];

static void *pong(void *arg)
{
	(void)arg;
	for (int k = 0; k < 8; k++) {
		pthread_mutex_lock(&pp_lock);
		while (turn != 1)
			pthread_cond_wait(&pp_cond, &pp_lock);
		trail[volleys++] = 'o';
		turn = 0;
		pthread_cond_signal(&pp_cond);
		pthread_mutex_unlock(&pp_lock);
	}
	return NULL;
}

static void ping_pong(void)
{
	pthread_t t;
	pthread_create(&t, NULL, pong, NULL);
	for (int k = 0; k < 8; k++) {
		pthread_mutex_lock(&pp_lock);
		while (turn != 0)
			pthread_cond_wait(&pp_cond, &pp_lock);
		trail[volleys++] = 'i';
		turn = 1;
		pthread_cond_signal(&pp_cond);
		pthread_mutex_unlock(&pp_lock);
	}
	pthread_join(t, NULL);
	printf("ping-pong: %s\n", trail);
}

/* ---- signals to a thread */
static void *volatile bad_ptr = (void *)8;

static void on_usr1(int sig)
{
	(void)sig;
	handled_by = my_index;
}

static void on_segv(int sig)
{
	(void)sig;
	segv_by = my_index;
	siglongjmp(segv_jmp, 1);
}

static void *waiter(void *arg)
{
	my_index = (int)(intptr_t)arg;
	tids[my_index] = (pid_t)syscall(SYS_gettid);
	while (handled_by < 0)
		sched_yield();
	return NULL;
}

static void *faulter(void *arg)
{
	my_index = (int)(intptr_t)arg;
	if (!sigsetjmp(segv_jmp, 1))
		*(volatile int *)bad_ptr = 1;
	return NULL;
}

static char *volatile shared_page;

static void *unmapper(void *arg)
{
	(void)arg;
	munmap(shared_page, 4096);
	return NULL;
}

/* One address space: a page another thread unmaps is gone for main at
 * once, though main's TLB had it. */
static void unmapped(void)
{
	shared_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared_page[0] = 42;
	int before = shared_page[0];
	pthread_t t;
	segv_by = -1;
	pthread_create(&t, NULL, unmapper, NULL);
	pthread_join(t, NULL);
	if (!sigsetjmp(segv_jmp, 1))
		printf("after munmap: %d\n", shared_page[0]);
	else
		printf("munmap in a thread: read %d before, then SIGSEGV in "
		       "thread %d\n",
		       before, segv_by);
}

static void signals(void)
{
	signal(SIGUSR1, on_usr1);
	signal(SIGSEGV, on_segv);
	my_index = 0;
	tids[1] = 0;
	pthread_t t;
	pthread_create(&t, NULL, waiter, (void *)1);
	while (!tids[1])
		sched_yield();
	long r = syscall(SYS_tgkill, getpid(), tids[1], SIGUSR1);
	pthread_join(t, NULL);
	printf("tgkill: %ld, handled by thread %d\n", r, handled_by);
	r = syscall(SYS_tgkill, getpid() + 1000, tids[0] ? tids[0] : 1,
		    SIGUSR1);
	printf("tgkill to another tgid: %ld errno %d\n", r, errno);
	pthread_create(&t, NULL, faulter, (void *)2);
	pthread_join(t, NULL);
	printf("SIGSEGV handled by thread %d\n", segv_by);
	unmapped();
}

/* ---- futex errnos */
static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts,
		  uint32_t *w2, uint32_t val3)
{
	errno = 0;
	long r = syscall(SYS_futex, w, op, val, ts, w2, val3);
	return r < 0 ? -errno : r;
}

static void futexes(void)
{
	static uint32_t w, w2;
	struct timespec ts = {0, 1000000};
	printf("futex wait, word differs: %ld\n",
	       futex(&w, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0));
	printf("futex wait, 1 ms: %ld\n",
	       futex(&w, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0));
	printf("futex wake, nobody: %ld\n",
	       futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	printf("futex wake, misaligned: %ld\n",
	       futex((uint32_t *)((char *)&w + 1), FUTEX_WAKE, 1, NULL, NULL,
		     0));
	printf("futex cmp_requeue, word differs: %ld\n",
	       futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &w2, 5));
	printf("futex cmp_requeue, nobody: %ld\n",
	       futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &w2, 0));
	printf("futex wait_bitset, bitset 0: %ld\n",
	       futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0));
	printf("futex wake_bitset, nobody: %ld\n",
	       futex(&w, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 1));
	printf("futex bad op: %ld\n", futex(&w, 99, 0, NULL, NULL, 0));
}

/* ---- clone flags Linux rejects (before any permission check) */
static void clone_flags(void)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} bad[] = {
		{"THREAD alone", CLONE_THREAD},
		{"SIGHAND without VM", CLONE_SIGHAND},
		{"THREAD|SIGHAND without VM", CLONE_THREAD | CLONE_SIGHAND},
		{"NEWNS|FS", CLONE_NEWNS | CLONE_FS},
		{"thread with NEWPID",
		 CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWPID},
		{"PIDFD|DETACHED", CLONE_PIDFD | CLONE_DETACHED},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		long r = syscall(SYS_clone, bad[i].flags, 0, 0, 0, 0);
		printf("clone %s: %ld errno %d\n", bad[i].name, r, errno);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, count, (void *)(intptr_t)i);
	for (int i = 0; i < NTHREADS; i++) {
		void *v;
		pthread_join(t[i], &v);
		printf("thread %d returned %ld\n", i, (long)(intptr_t)v);
	}
	printf("counter %ld (of %d)\n", counter, NTHREADS * ROUNDS);
	printf("main's tls %ld\n", tls_value);
	int distinct = 1;
	for (int i = 0; i < NTHREADS; i++)
		for (int j = 0; j < i; j++)
			distinct &= tids[i] != tids[j];
	printf("gettid != getpid: %d, tids distinct: %d, main's tid is pid: "
	       "%d\n",
	       tids[0] != getpid(), distinct,
	       (pid_t)syscall(SYS_gettid) == getpid());
	ping_pong();
	signals();
	futexes();
	clone_flags();
	return 0;
}
