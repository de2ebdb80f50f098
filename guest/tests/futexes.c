/* futex and thread completeness (docs/processes.md, "futex", "Threads"),
 * one mode per argument, each printing the same on Linux and under memu,
 * with musl and glibc:
 *   robust  a thread (and a process, at exit_group) dies holding a
 *           robust mutex: the next locker gets EOWNERDEAD, and
 *           pthread_mutex_consistent makes it usable again
 *   wakeop  FUTEX_WAKE_OP: each op and comparison, the oparg shift, the
 *           errnos, and the waiters woken on either word
 *   shared  futex words in MAP_SHARED memory across fork (anonymous and
 *           two mappings of a memfd), FUTEX_PRIVATE_FLAG not crossing,
 *           and a process-shared mutex and condition variable
 *   pi      FUTEX_LOCK_PI, TRYLOCK_PI, UNLOCK_PI errnos and words, and a
 *           PTHREAD_PRIO_INHERIT mutex under contention
 *   fs      chdir and umask in one thread are the others', not a child's
 *   signal  a signal to the process wakes one of the threads waiting
 *           for it: the leader, or the thread whose tid kill() named
 *   exec    a thread other than the leader execs: it takes the pid; the
 *           robust mutex the leader held is EOWNERDEAD, its own is not
 * A waiter is known to be queued when FUTEX_CMP_REQUEUE onto its own word
 * counts it: no mode depends on timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* linux/futex.h, which musl-gcc does not see */
#define FUTEX_WAIT		 0
#define FUTEX_WAKE		 1
#define FUTEX_REQUEUE		 3
#define FUTEX_CMP_REQUEUE	 4
#define FUTEX_WAKE_OP		 5
#define FUTEX_LOCK_PI		 6
#define FUTEX_UNLOCK_PI		 7
#define FUTEX_TRYLOCK_PI	 8
#define FUTEX_LOCK_PI2		 13
#define FUTEX_PRIVATE_FLAG	 128
#define FUTEX_CLOCK_REALTIME	 256
#define FUTEX_WAIT_PRIVATE	 (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE	 (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE	 (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_LOCK_PI_PRIVATE	 (FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_UNLOCK_PI_PRIVATE	 (FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_TRYLOCK_PI_PRIVATE (FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAITERS		 0x80000000U
#define FUTEX_OWNER_DIED	 0x40000000U
#define FUTEX_OP_SET		 0
#define FUTEX_OP_ADD		 1
#define FUTEX_OP_OR		 2
#define FUTEX_OP_ANDN		 3
#define FUTEX_OP_XOR		 4
#define FUTEX_OP_OPARG_SHIFT	 8
#define FUTEX_OP_CMP_EQ		 0
#define FUTEX_OP_CMP_NE		 1
#define FUTEX_OP_CMP_LT		 2
#define FUTEX_OP_CMP_LE		 3
#define FUTEX_OP_CMP_GT		 4
#define FUTEX_OP_CMP_GE		 5
#define FUTEX_OP(op, oparg, cmp, cmparg)                                       \
	((((op)&0xfu) << 28) | (((cmp)&0xfu) << 24) |                          \
	 (((oparg)&0xfffu) << 12) | ((cmparg)&0xfffu))

static long futex(void *a, int op, uint32_t val, const void *ts, void *a2,
		  uint32_t val3)
{
	long r = syscall(SYS_futex, a, op, val, ts, a2, val3);
	return r < 0 ? -errno : r;
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Linux may wake a waiter that no wake named (futex_wait: "we might be
 * the victim of a spurious wakeup"; natively, seen soon after a thread
 * starts).  futex_wait then queues it again on the word it was called
 * with - off the word a requeue had moved it to.  So the waits here are
 * found where they are, and a wake that finds nobody looks again. */

#define TRIES 1000000 /* a bound, so that a lost waiter fails, not hangs */

/* Block until a waiter sits on *word (private_: FUTEX_PRIVATE_FLAG):
 * FUTEX_CMP_REQUEUE onto the word itself counts the waiter and leaves it
 * there.  0 if none came. */
static int await_waiter(uint32_t *word, int private_)
{
	int op = FUTEX_CMP_REQUEUE | (private_ ? FUTEX_PRIVATE_FLAG : 0);
	for (long i = 0; i < TRIES; i++) {
		if (futex(word, op, 0, (void *)1, word, *word) == 1)
			return 1;
		sched_yield();
	}
	return 0;
}

/* Wake the one waiter on *word: how many woke. */
static long wake_waiter(uint32_t *word, int private_)
{
	int op = FUTEX_WAKE | (private_ ? FUTEX_PRIVATE_FLAG : 0);
	long r;
	for (int i = 0; i < 100; i++)
		if ((r = futex(word, op, 1, NULL, NULL, 0)) != 0 ||
		    !await_waiter(word, private_))
			return r;
	return r;
}

/* Move the one waiter on *from to *to, then wake it through *wake_at (the
 * same word as *to): how many woke. */
static long move_and_wake(uint32_t *from, uint32_t *to, uint32_t *wake_at,
			  int private_)
{
	int op = FUTEX_CMP_REQUEUE | (private_ ? FUTEX_PRIVATE_FLAG : 0);
	int wake = FUTEX_WAKE | (private_ ? FUTEX_PRIVATE_FLAG : 0);
	long r = 0;
	for (int i = 0; i < 100 && await_waiter(from, private_); i++) {
		if (futex(from, op, 0, (void *)1, to, *from) != 1)
			continue;
		if ((r = futex(wake_at, wake, 1, NULL, NULL, 0)) != 0)
			return r;
	}
	return r;
}

static void *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static const char *err_name(int e)
{
	switch (e) {
	case 0:
		return "0";
	case EOWNERDEAD:
		return "EOWNERDEAD";
	case ENOTRECOVERABLE:
		return "ENOTRECOVERABLE";
	case EDEADLK:
		return "EDEADLK";
	case EBUSY:
		return "EBUSY";
	case EPERM:
		return "EPERM";
	default:
		return strerror(e);
	}
}

/* ---- robust */

static pthread_mutex_t *robust_mu;
static sem_t held;

static void robust_init(pthread_mutex_t *mu, int pshared, int pi)
{
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	if (pshared)
		pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	if (pi)
		pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(mu, &at);
	pthread_mutexattr_destroy(&at);
}

static void *die_holding(void *arg)
{
	pthread_mutex_lock(robust_mu);
	if (arg) {
		sem_post(&held);
		usleep(20000); /* let the other thread block on it */
	}
	return NULL; /* exits holding it */
}

static void *hold_forever(void *arg)
{
	(void)arg;
	pthread_mutex_lock(robust_mu);
	sem_post(&held);
	for (;;)
		pause();
	return NULL;
}

static struct {
	void *next;
	uint32_t lock;
} loop;

/* A list the kernel cannot walk: a bad head, an entry that points at
 * itself forever (the walk stops at 2048), a bad futex_offset. */
static void *bad_list(void *arg)
{
	static struct {
		void *next;
		long offset;
		void *pending;
	} heads[3];
	int i = (int)(long)arg;
	switch (i) {
	case 0:
		syscall(SYS_set_robust_list, (void *)16, sizeof(heads[0]));
		break;
	case 1:
		loop.next = &loop;
		loop.lock = (uint32_t)gettid_();
		heads[1].next = &loop;
		heads[1].offset = sizeof(void *);
		heads[1].pending = &loop;
		syscall(SYS_set_robust_list, &heads[1], sizeof(heads[1]));
		break;
	default:
		heads[2].next = &heads[2].pending;
		heads[2].offset = -(1L << 47);
		heads[2].pending = &heads[2];
		syscall(SYS_set_robust_list, &heads[2], sizeof(heads[2]));
		break;
	}
	return NULL;
}

static void robust_thread_dies(const char *what, int pi, int wait_first)
{
	pthread_mutex_t mu;
	pthread_t t;
	robust_init(&mu, 0, pi);
	robust_mu = &mu;
	pthread_create(&t, NULL, die_holding, wait_first ? &mu : NULL);
	if (wait_first)
		sem_wait(&held); /* lock while the owner still holds it */
	else
		pthread_join(t, NULL);
	int r = pthread_mutex_lock(&mu);
	if (wait_first)
		pthread_join(t, NULL);
	int c = pthread_mutex_consistent(&mu);
	int u = pthread_mutex_unlock(&mu);
	int r2 = pthread_mutex_lock(&mu);
	int u2 = pthread_mutex_unlock(&mu);
	printf("%s: lock %s, consistent %s, unlock %s, lock %s, unlock %s\n",
	       what, err_name(r), err_name(c), err_name(u), err_name(r2),
	       err_name(u2));
}

static int robust(void)
{
	sem_init(&held, 0, 0);
	robust_thread_dies("owner died, then lock", 0, 0);
	robust_thread_dies("lock, then owner died", 0, 1);
	robust_thread_dies("PI: owner died, then lock", 1, 0);
	robust_thread_dies("PI: lock, then owner died", 1, 1);
	pthread_mutex_t mu;
	pthread_t t;

	for (long i = 0; i < 3; i++) {
		pthread_create(&t, NULL, bad_list, (void *)i);
		pthread_join(t, NULL);
	}
	printf("three threads with bad lists exited, the looping list's word "
	       "%#x\n",
	       loop.lock & 0xc0000000);

	/* Unlocked without pthread_mutex_consistent: unrecoverable. */
	robust_init(&mu, 0, 0);
	robust_mu = &mu;
	pthread_create(&t, NULL, die_holding, NULL);
	pthread_join(t, NULL);
	int r = pthread_mutex_lock(&mu);
	int u = pthread_mutex_unlock(&mu);
	int r2 = pthread_mutex_lock(&mu);
	printf("not made consistent: lock %s, unlock %s, lock %s\n",
	       err_name(r), err_name(u), err_name(r2));

	/* A process-shared one whose owner is a thread of a child that
	 * calls exit_group. */
	pthread_mutex_t *smu = shared_page();
	robust_init(smu, 1, 0);
	robust_mu = smu;
	pid_t pid = fork();
	if (pid == 0) {
		pthread_create(&t, NULL, hold_forever, NULL);
		sem_wait(&held);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	r = pthread_mutex_lock(smu);
	int c = pthread_mutex_consistent(smu);
	u = pthread_mutex_unlock(smu);
	printf("a child's thread held it at exit_group: lock %s, consistent "
	       "%s, unlock %s\n",
	       err_name(r), err_name(c), err_name(u));

	/* The word itself: FUTEX_OWNER_DIED, the tid gone. */
	static uint32_t word;
	static struct {
		void *next;
		long offset;
		void *pending;
	} head;
	struct {
		void *next;
		uint32_t lock;
	} *entry = shared_page();
	pid = fork();
	if (pid == 0) {
		entry->lock = (uint32_t)gettid_() | FUTEX_WAITERS;
		entry->next = &head;
		head.next = entry;
		head.offset = (char *)&entry->lock - (char *)entry;
		syscall(SYS_set_robust_list, &head, sizeof(head));
		_exit(0);
	}
	waitpid(pid, &status, 0);
	word = entry->lock;
	printf("the word after its owner's exit: %#x\n", word);
	return 0;
}

/* ---- wakeop */

static uint32_t wa, wb;

static void *wait_on(void *arg)
{
	return (void *)futex(arg, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static long wake_op(uint32_t *w1, int nr, int nr2, uint32_t *w2, uint32_t op)
{
	return futex(w1, FUTEX_WAKE_OP_PRIVATE, (uint32_t)nr, (void *)(long)nr2,
		     w2, op);
}

static int wakeop(void)
{
	static uint32_t w[2];
	static const struct {
		const char *name;
		uint32_t op, before;
	} ops[] = {
		{"SET 7, EQ 3", FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 3),
		 3},
		{"ADD -2, LT 0",
		 FUTEX_OP(FUTEX_OP_ADD, 0xffe, FUTEX_OP_CMP_LT, 0), 10},
		{"OR 0x30, NE 1",
		 FUTEX_OP(FUTEX_OP_OR, 0x30, FUTEX_OP_CMP_NE, 1), 1},
		{"ANDN 6, GE -1",
		 FUTEX_OP(FUTEX_OP_ANDN, 6, FUTEX_OP_CMP_GE, 0xfff), 0xf},
		{"XOR 0xff, LE 5",
		 FUTEX_OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_LE, 5), 0xf},
		{"SET 1<<4, GT 0",
		 FUTEX_OP((FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT), 4,
			  FUTEX_OP_CMP_GT, 0),
		 0},
		{"OR 1<<40 (masked), EQ 0",
		 FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 40,
			  FUTEX_OP_CMP_EQ, 0),
		 0},
		{"op 5", (5u << 28) | 1, 9},
		{"op 7", (7u << 28) | 1, 9},
		{"cmp 6", FUTEX_OP(FUTEX_OP_ADD, 1, 6, 0), 9},
		{"cmp 15", FUTEX_OP(FUTEX_OP_ADD, 1, 15, 0), 9},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		w[1] = ops[i].before;
		long r = wake_op(&w[0], 1, 1, &w[1], ops[i].op);
		printf("wake_op %s: %ld, word %#x -> %#x\n", ops[i].name, r,
		       ops[i].before, w[1]);
	}
	uint32_t op = FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0);
	printf("misaligned uaddr2: %ld\n",
	       wake_op(&w[0], 1, 1, (uint32_t *)((char *)&w[1] + 1), op));
	printf("misaligned uaddr: %ld\n",
	       wake_op((uint32_t *)((char *)&w[0] + 2), 1, 1, &w[1], op));
	printf("uaddr2 NULL: %ld\n", wake_op(&w[0], 1, 1, NULL, op));
	printf("uaddr2 NULL, op 6: %ld\n",
	       wake_op(&w[0], 1, 1, NULL, (6u << 28) | 1));
	void *ro =
		mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("uaddr2 read-only: %ld\n", wake_op(&w[0], 1, 1, ro, op));
	void *none =
		mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("uaddr2 PROT_NONE: %ld\n", wake_op(&w[0], 1, 1, none, op));

	/* Waiters: one on each word, the comparison true. */
	pthread_t a, b;
	void *ra, *rb;
	pthread_create(&a, NULL, wait_on, &wa);
	pthread_create(&b, NULL, wait_on, &wb);
	await_waiter(&wa, 1);
	await_waiter(&wb, 1);
	long r = wake_op(&wa, 1, 1, &wb, op);
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	printf("both words' waiters: %ld, word %u, waits %ld %ld\n", r, wb,
	       (long)ra, (long)rb);
	/* The comparison false: the second word's waiter stays. */
	wb = 0;
	pthread_create(&a, NULL, wait_on, &wa);
	pthread_create(&b, NULL, wait_on, &wb);
	await_waiter(&wa, 1);
	await_waiter(&wb, 1);
	wb = 5;
	r = wake_op(&wa, 1, 1, &wb, op);
	pthread_join(a, &ra);
	long r2 = wake_waiter(&wb, 1);
	pthread_join(b, &rb);
	printf("comparison false: %ld, word %u, then wake: %ld, waits %ld "
	       "%ld\n",
	       r, wb, r2, (long)ra, (long)rb);
	/* FUTEX_CMP_REQUEUE onto the word itself: counted, not moved. */
	pthread_create(&a, NULL, wait_on, &wa);
	await_waiter(&wa, 1);
	long q = futex(&wa, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0,
		       (void *)5, &wa, 0);
	long q2 = futex(&wa, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)5,
			&wa, 0);
	if (q2 == 0)
		wake_waiter(&wa, 1); /* not to hang: the line shows it */
	pthread_join(a, &ra);
	printf("requeue onto its own word: %ld, then wake 1 requeue 5: %ld, "
	       "wait %ld\n",
	       q, q2, (long)ra);
	return 0;
}

/* ---- shared */

struct pshared {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int flag;
};

static int child_status(pid_t pid)
{
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + status;
}

/* A child waits on word (shared), the parent moves it to word2 and
 * wakes it there: the child's wait result and the counts. */
static void across_fork(const char *what, uint32_t *word, uint32_t *word2,
			uint32_t *child_word)
{
	*word = 0;
	pid_t pid = fork();
	if (pid == 0) {
		long r = futex(child_word, FUTEX_WAIT, 0, NULL, NULL, 0);
		_exit(r == 0 ? 0 : (int)-r);
	}
	long w = move_and_wake(word, word2, word2, 0);
	printf("%s: requeued 1, woken %ld, the child's wait %d\n", what, w,
	       child_status(pid));
}

static void *wait_on_shared_thread(void *arg)
{
	return (void *)futex(arg, FUTEX_WAIT, 0, NULL, NULL, 0);
}

static int shared(void)
{
	uint32_t *page = shared_page();
	across_fork("MAP_SHARED anonymous across fork", &page[0], &page[1],
		    &page[0]);

	/* A memfd mapped at two places: the child waits through a mapping
	 * of its own. */
	int fd = memfd_create("futex", 0);
	if (ftruncate(fd, 8192))
		return 1;
	uint32_t *a =
		mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	*a = 0;
	pid_t pid = fork();
	if (pid == 0) {
		uint32_t *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 4096);
		long r = futex(b + 4, FUTEX_WAIT, 0, NULL, NULL, 0);
		_exit(r == 0 && b != a + 1024 ? 0 : 99);
	}
	uint32_t *mid = a + 1024 + 4; /* page 1, word 4 */
	long w = move_and_wake(mid, a + 2048 - 1, a + 2048 - 1, 0);
	printf("a memfd, another mapping in the child: woken %ld, the "
	       "child's wait %d\n",
	       w, child_status(pid));

	/* Two mappings of one memfd in one process: a thread waits on
	 * one, the wake comes through the other. */
	uint32_t *c =
		mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	c[8] = 0;
	pthread_t t;
	void *rt;
	pthread_create(&t, NULL, wait_on_shared_thread, c + 8);
	w = move_and_wake(a + 8, a + 9, c + 9, 0);
	pthread_join(t, &rt);
	printf("two mappings in one process: woken %ld through the other, "
	       "wait %ld\n",
	       w, (long)rt);

	/* FUTEX_PRIVATE_FLAG: keyed by the address space, never the
	 * child's. */
	page[2] = 0;
	pid = fork();
	if (pid == 0) {
		struct timespec ts = {0, 200000000};
		long r = futex(&page[2], FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		_exit(r == -ETIMEDOUT ? 0 : 99);
	}
	usleep(50000);
	long p1 = futex(&page[2], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	long p2 = futex(&page[2], FUTEX_WAKE, 1, NULL, NULL, 0);
	printf("a private wait in the child: private wake %ld, shared wake "
	       "%ld, the child timed out: %d\n",
	       p1, p2, child_status(pid) == 0);

	/* Private memory: a private key and a shared one are two keys.  An
	 * anonymous page, written first: a word in the program's data,
	 * on a page not yet copied from the file, has Linux key a shared
	 * wait by the file and a later wake by the copy, and the wake
	 * would miss (a race natively, with whatever writes the page). */
	uint32_t *pw = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pw == MAP_FAILED)
		return 1;
	pw[0] = 0;
	pthread_create(&t, NULL, wait_on, &pw[0]);
	await_waiter(&pw[0], 1);
	p1 = futex(&pw[0], FUTEX_WAKE, 1, NULL, NULL, 0);
	p2 = wake_waiter(&pw[0], 1);
	pthread_join(t, &rt);
	printf("a private wait on private memory: shared wake %ld, private "
	       "wake %ld\n",
	       p1, p2);
	pthread_create(&t, NULL, wait_on_shared_thread, &pw[0]);
	await_waiter(&pw[0], 0);
	p1 = futex(&pw[0], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	p2 = wake_waiter(&pw[0], 0);
	pthread_join(t, &rt);
	printf("a shared wait on private memory: private wake %ld, shared "
	       "wake %ld\n",
	       p1, p2);

	/* A process-shared mutex and condition variable. */
	struct pshared *s = shared_page();
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->mu, &ma);
	pthread_cond_init(&s->cv, &ca);
	pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(&s->mu);
		while (s->flag != 1)
			pthread_cond_wait(&s->cv, &s->mu);
		s->flag = 2;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		_exit(0);
	}
	pthread_mutex_lock(&s->mu);
	s->flag = 1;
	pthread_cond_signal(&s->cv);
	while (s->flag != 2)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	printf("process-shared mutex and condvar: flag %d, child %d\n", s->flag,
	       child_status(pid));
	/* Unmapped: EFAULT for a shared key, nothing for a private one. */
	munmap(page, 4096);
	printf("unmapped word: shared wake %ld, private wake %ld\n",
	       futex(page, FUTEX_WAKE, 1, NULL, NULL, 0),
	       futex(page, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	return 0;
}

/* ---- pi */

static uint32_t piw;
static sem_t pi_locked, pi_release;
static pthread_mutex_t pimu;
static long counter;

static void *pi_owner(void *arg)
{
	(void)arg;
	long r = futex(&piw, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	sem_post(&pi_locked);
	sem_wait(&pi_release);
	long u = futex(&piw, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	return (void *)(r * 100 + u);
}

static void *pi_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&pimu);
		long c = counter;
		if (i % 100 == 0)
			sched_yield(); /* the others queue on it */
		counter = c + 1;
		pthread_mutex_unlock(&pimu);
	}
	return NULL;
}

static int pi(void)
{
	uint32_t me = (uint32_t)gettid_();
	piw = 0;
	long r = futex(&piw, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("trylock a free word: %ld, word is my tid: %d\n", r, piw == me);
	printf("lock it again: %ld\n",
	       futex(&piw, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("trylock it again: %ld\n",
	       futex(&piw, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	r = futex(&piw, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("unlock: %ld, word %#x\n", r, piw);
	printf("unlock a free word: %ld\n",
	       futex(&piw, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	piw = 0x3ffffff0; /* no such task */
	printf("unlock another's: %ld\n",
	       futex(&piw, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	r = futex(&piw, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("trylock, owner no task: %ld, word %#x\n", r, piw);
	piw = FUTEX_OWNER_DIED;
	r = futex(&piw, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("lock, owner died: %ld, word is OWNER_DIED|tid: %d\n", r,
	       piw == (FUTEX_OWNER_DIED | me));
	r = futex(&piw, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("unlock: %ld, word %#x\n", r, piw);
	printf("misaligned: %ld\n",
	       futex((char *)&piw + 1, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL,
		     0));
	printf("NULL: %ld\n",
	       futex(NULL, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("CLOCK_REALTIME flag: %ld\n",
	       futex(&piw, FUTEX_LOCK_PI_PRIVATE | FUTEX_CLOCK_REALTIME, 0,
		     NULL, NULL, 0));

	/* Owned by another thread. */
	piw = 0;
	sem_init(&pi_locked, 0, 0);
	sem_init(&pi_release, 0, 0);
	pthread_t t;
	void *rt;
	pthread_create(&t, NULL, pi_owner, NULL);
	sem_wait(&pi_locked);
	uint32_t owner = piw;
	r = futex(&piw, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("trylock another thread's: %ld, word gained FUTEX_WAITERS: "
	       "%d\n",
	       r, piw == (owner | FUTEX_WAITERS));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 10000000;
	if (ts.tv_nsec >= 1000000000)
		ts.tv_sec++, ts.tv_nsec -= 1000000000;
	r = futex(&piw, FUTEX_LOCK_PI_PRIVATE, 0, &ts, NULL, 0);
	printf("lock with a deadline: %ld\n", r);
	/* FUTEX_LOCK_PI2: the deadline on CLOCK_MONOTONIC, or on
	 * CLOCK_REALTIME with the flag (glibc's pthread_mutex_clocklock) */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 10000000;
	if (ts.tv_nsec >= 1000000000)
		ts.tv_sec++, ts.tv_nsec -= 1000000000;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = futex(&piw, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG, 0, &ts, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("LOCK_PI2 with a monotonic deadline: %ld, waited it out: %d\n",
	       r,
	       (t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec -
			       t0.tv_nsec >=
		       9000000);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 10000000;
	if (ts.tv_nsec >= 1000000000)
		ts.tv_sec++, ts.tv_nsec -= 1000000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = futex(&piw,
		  FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 0,
		  &ts, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("LOCK_PI2 with a realtime deadline: %ld, waited it out: %d\n", r,
	       (t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec -
			       t0.tv_nsec >=
		       9000000);
	printf("unlock another thread's: %ld\n",
	       futex(&piw, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	sem_post(&pi_release);
	pthread_join(t, &rt);
	printf("the owner's lock and unlock: %ld, word %#x\n", (long)rt, piw);

	/* A PTHREAD_PRIO_INHERIT mutex, four threads. */
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&pimu, &at);
	pthread_t w[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&w[i], NULL, pi_worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(w[i], NULL);
	printf("PRIO_INHERIT mutex, 4 threads: counter %ld of 8000, trylock "
	       "%s, relock %s\n",
	       counter, err_name(pthread_mutex_trylock(&pimu)),
	       err_name(pthread_mutex_lock(&pimu)));
	return 0;
}

/* ---- fs */

static void *fs_thread(void *arg)
{
	(void)arg;
	if (chdir("/proc"))
		return (void *)1;
	umask(027);
	return NULL;
}

static int fs(void)
{
	char buf[256];
	umask(022);
	pthread_t t;
	pthread_create(&t, NULL, fs_thread, NULL);
	pthread_join(t, NULL);
	mode_t m = umask(0);
	umask(m);
	printf("after a thread's chdir and umask: %s, %03o\n",
	       getcwd(buf, sizeof(buf)), (unsigned)m);
	pid_t pid = fork();
	if (pid == 0) {
		_exit(chdir("/dev") != 0 || umask(077) != 027);
	}
	int st = child_status(pid);
	m = umask(0);
	printf("after a child's chdir and umask: %s, %03o (child %d)\n",
	       getcwd(buf, sizeof(buf)), (unsigned)m, st);
	return 0;
}

/* ---- signal */

static volatile pid_t handled_by;
static int sig_pipe[2];
static long reader_read;

static void on_usr1(int sig)
{
	(void)sig;
	handled_by = gettid_();
}

/* Waits in read() on a pipe nobody writes until the end. */
static void *sig_reader(void *arg)
{
	(void)arg;
	char c;
	long r = read(sig_pipe[0], &c, 1);
	reader_read = r < 0 ? -errno : r;
	return NULL;
}

static volatile pid_t reader_tid;

/* Waits in read() until a byte comes, through signals. */
static void *sig_reader2(void *arg)
{
	(void)arg;
	char c;
	reader_tid = gettid_();
	while (read(sig_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Blocks SIGUSR1 itself and sends it to the process: with kill(pid), or
 * (arg) with kill(tid of the reader). */
static void *sig_sender(void *arg)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	usleep(20000);
	/* kill(0) would be the process group: the reader's tid first */
	while (arg && !reader_tid)
		sched_yield();
	kill(arg ? reader_tid : getpid(), SIGUSR1);
	usleep(20000);
	if (write(sig_pipe[1], "xx", 2) != 2)
		return (void *)1;
	return NULL;
}

/* The leader and a thread wait in read(), a third thread sends SIGUSR1
 * to the process: Linux's complete_signal wakes the leader, which takes
 * it; the other reader is never interrupted. */
static int signal_mode(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(sig_pipe))
		return 1;
	pthread_t reader, sender;
	/* The sender first: under a round robin the reader would run next
	 * after it. */
	pthread_create(&sender, NULL, sig_sender, NULL);
	pthread_create(&reader, NULL, sig_reader, NULL);
	char c;
	long r;
	while ((r = read(sig_pipe[0], &c, 1)) < 0 && errno == EINTR)
		;
	pthread_join(sender, NULL);
	pthread_join(reader, NULL);
	printf("a signal to the process while the leader and a thread wait: "
	       "taken by the leader %d, the leader read %ld, the thread read "
	       "%ld\n",
	       handled_by == getpid(), r, reader_read);

	/* kill() with a thread's tid: to the process, but that thread is
	 * the one complete_signal tries first. */
	handled_by = 0;
	int leader_intr = 0;
	pthread_create(&sender, NULL, sig_sender, (void *)1);
	pthread_create(&reader, NULL, sig_reader2, NULL);
	while ((r = read(sig_pipe[0], &c, 1)) < 0 && errno == EINTR)
		leader_intr++;
	pthread_join(sender, NULL);
	pthread_join(reader, NULL);
	printf("kill() with a waiting thread's tid: taken by that thread %d, "
	       "the leader interrupted %d\n",
	       handled_by == reader_tid, leader_intr);
	return 0;
}

/* ---- exec */

static char **exec_argv;

static pthread_mutex_t *exec_mu; /* two, in shared memory */

static void *exec_thread(void *arg)
{
	pthread_mutex_lock(&exec_mu[1]); /* held across the exec */
	char pid[16], ppid[16];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(ppid, sizeof(ppid), "%d", (int)getppid());
	char *args[] = {exec_argv[0], "exec2", pid, ppid, arg, NULL};
	execv(exec_argv[0], args);
	perror("execv");
	_exit(99);
}

/* A child's second thread execs: it takes the leader's pid (Linux's
 * de_thread), and its parent reaps the pid it knew. */
static int exec_mode(char **argv)
{
	exec_argv = argv;
	exec_mu = shared_page();
	robust_init(&exec_mu[0], 1, 0);
	robust_init(&exec_mu[1], 1, 0);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_mutex_lock(&exec_mu[0]); /* the leader's */
		pthread_create(&t, NULL, exec_thread, NULL);
		for (;;)
			pause();
	}
	int status;
	pid_t r = waitpid(pid, &status, 0);
	printf("parent: waitpid the child's pid %d, exited %d status %d\n",
	       r == pid, WIFEXITED(status), WEXITSTATUS(status));
	/* The exec'ing thread's list is walked with the leader's pid, which
	 * is its own by then: its mutex stays held (Linux 6.1). */
	int l0 = pthread_mutex_trylock(&exec_mu[0]);
	int l1 = pthread_mutex_trylock(&exec_mu[1]);
	printf("robust mutexes the leader and the exec'ing thread held: %s, "
	       "%s\n",
	       err_name(l0), err_name(l1));
	return 0;
}

static int exec2(char **argv)
{
	pid_t pid = (pid_t)atoi(argv[2]), ppid = (pid_t)atoi(argv[3]);
	printf("after exec in a thread: the pid %d, tid is pid %d, the "
	       "parent %d\n",
	       getpid() == pid, gettid_() == getpid(), getppid() == ppid);
	return 5;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "robust"))
		return robust();
	if (!strcmp(mode, "wakeop"))
		return wakeop();
	if (!strcmp(mode, "shared"))
		return shared();
	if (!strcmp(mode, "pi"))
		return pi();
	if (!strcmp(mode, "fs"))
		return fs();
	if (!strcmp(mode, "signal"))
		return signal_mode();
	if (!strcmp(mode, "exec"))
		return exec_mode(argv);
	if (!strcmp(mode, "exec2") && argc > 3)
		return exec2(argv);
	fprintf(stderr,
		"usage: futexes robust|wakeop|shared|pi|fs|signal|exec\n");
	return 2;
}
