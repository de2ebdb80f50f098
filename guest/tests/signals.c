/* Signal delivery, checked against Linux: tests/signal_test.c runs this
 * natively and under memu and compares the output (and, for "blocked",
 * the signal that ends the process).  Addresses are printed relative to
 * the page they belong to, so the two runs agree.
 *   signals          every case below, then exit 0
 *   signals blocked  a fault while SIGSEGV is blocked: killed by SIGSEGV
 *   signals recurse  a SA_NODEFER handler that faults again, until the
 *                    stack has no room for a frame: killed by SIGSEGV
 *   signals spin     a handler that fixes nothing: the fault repeats
 *                    forever (Linux spins; memu stops the machine)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile char *page;
static volatile sig_atomic_t hits;
static sigjmp_buf jump;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	printf("segv sig %d code %d addr page+%#lx err %lld trapno %lld "
	       "cr2 page+%#lx\n",
	       sig, si->si_code, (unsigned long)((char *)si->si_addr - page),
	       (long long)g[REG_ERR], (long long)g[REG_TRAPNO],
	       (unsigned long)(g[REG_CR2] - (greg_t)page));
	/* Fix the mapping; returning re-executes the access. */
	mprotect((void *)page, 4096, PROT_READ | PROT_WRITE);
	hits++;
}

static volatile sig_atomic_t fixes;

static void on_segv_fix(int sig)
{
	(void)sig;
	mprotect((void *)page, 4096, PROT_READ | PROT_WRITE);
	fixes++;
}

static void on_usr1(int sig)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("usr1 sig %d blocked-in-handler usr1 %d usr2 %d\n", sig,
	       sigismember(&now, SIGUSR1), sigismember(&now, SIGUSR2));
	hits++;
}

static void on_fpe(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	printf("fpe sig %d code %d\n", sig, si->si_code);
	siglongjmp(jump, 1);
}

static void on_once(int sig)
{
	printf("once sig %d\n", sig);
	hits++;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *),
		    void (*plain)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	if (fn) {
		sa.sa_sigaction = fn;
		sa.sa_flags = SA_SIGINFO | flags;
	} else {
		sa.sa_handler = plain;
		sa.sa_flags = flags;
	}
	sigaction(sig, &sa, NULL);
}

/* The same instruction faults again and again, with the same stack,
 * each fault fixed by the handler and the page taken away again: a
 * program making progress, however alike the faults look. */
static void refaults(void)
{
	install(SIGSEGV, NULL, on_segv_fix, 0);
	for (int i = 0; i < 1500; i++) {
		mprotect((void *)page, 4096, PROT_READ);
		page[i & 4095] = (char)i;
	}
	printf("refaults: %d fixed\n", (int)fixes);
}

static volatile int zero;
/* An unmapped address the compiler cannot see through. */
static volatile int *volatile bad_address = (volatile int *)8;

static void refault(int sig)
{
	(void)sig;
	*bad_address = 1;
}

static void nothing(int sig)
{
	(void)sig;
}
static volatile sig_atomic_t alarms;

static void on_alrm(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (!alarms)
		printf("alrm sig %d code %d\n", sig, si->si_code);
	alarms++;
}

/* Timers: on Linux they run on real time, under memu on the virtual
 * clock, which pause and sigsuspend move to the expiry at once. */
static void timers(void)
{
	printf("alarm first %d\n", alarm(5));
	printf("alarm again %d\n", alarm(0));
	install(SIGALRM, on_alrm, NULL, 0);
	struct itimerval it = {{2, 0}, {1, 0}}, now;
	setitimer(ITIMER_REAL, &it, NULL);
	getitimer(ITIMER_REAL, &now);
	printf("getitimer interval %ld.%06ld armed %d\n",
	       (long)now.it_interval.tv_sec, (long)now.it_interval.tv_usec,
	       now.it_value.tv_sec || now.it_value.tv_usec);
	struct itimerval shot = {{0, 0}, {0, 20000}};
	setitimer(ITIMER_REAL, &shot, NULL);
	int r = pause();
	printf("pause %d %s, alarms %d\n", r, strerror(errno), (int)alarms);
	struct itimerval tick = {{0, 10000}, {0, 10000}};
	setitimer(ITIMER_REAL, &tick, NULL);
	sigset_t none;
	sigemptyset(&none);
	while (alarms < 4)
		sigsuspend(&none);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	printf("periodic: alarms %d\n", (int)alarms);
	setitimer(ITIMER_REAL, &shot, NULL);
	struct timespec second = {1, 0}, rem = {0, 0};
	r = nanosleep(&second, &rem);
	printf("nanosleep %d %s, rem under 1s %d, alarms %d\n", r,
	       strerror(errno), rem.tv_sec == 0 && rem.tv_nsec > 0,
	       (int)alarms);

	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	raise(SIGUSR2);
	siginfo_t si;
	int got = sigwaitinfo(&usr2, &si);
	printf("sigwaitinfo %d code %d\n", got, si.si_code);
	struct timespec ten_ms = {0, 10000000};
	got = sigtimedwait(&usr2, &si, &ten_ms);
	printf("sigtimedwait %d %s\n", got, got < 0 ? strerror(errno) : "");
}

int main(int argc, char **argv)
{
	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	if (argc > 1 && !strcmp(argv[1], "blocked")) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGSEGV);
		install(SIGSEGV, on_segv, NULL, 0);
		sigprocmask(SIG_BLOCK, &s, NULL);
		return page[8]; /* blocked: the default action kills */
	}
	if (argc > 1 && !strcmp(argv[1], "recurse")) {
		install(SIGSEGV, NULL, refault, SA_NODEFER);
		*bad_address = 1;
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "spin")) {
		install(SIGSEGV, NULL, nothing, 0);
		*bad_address = 1;
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);

	/* A read of PROT_NONE memory: not present, user read (err 4). */
	install(SIGSEGV, on_segv, NULL, 0);
	char c = page[0x123];
	printf("read after the handler: %d, hits %d\n", c, (int)hits);
	/* A write to a read-only page: present, user write (err 7). */
	mprotect((void *)page, 4096, PROT_READ);
	page[0x456] = 9;
	printf("write after the handler: %d, hits %d\n", page[0x456],
	       (int)hits);

	refaults();

	/* raise: the handler runs before raise returns, with the signal
	 * blocked; the mask comes back after. */
	install(SIGUSR1, NULL, on_usr1, 0);
	double x = 1.5, y = 2.25;
	raise(SIGUSR1);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("after raise: usr1 blocked %d, x*y %.4f\n",
	       sigismember(&now, SIGUSR1), x * y);

	/* Blocked: pending until unblocked. */
	sigset_t s2;
	sigemptyset(&s2);
	sigaddset(&s2, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s2, NULL);
	raise(SIGUSR1);
	sigset_t pend;
	sigpending(&pend);
	printf("pending usr1 %d, hits %d\n", sigismember(&pend, SIGUSR1),
	       (int)hits);
	sigprocmask(SIG_UNBLOCK, &s2, NULL);
	printf("unblocked: hits %d\n", (int)hits);

	/* Ignored: nothing happens. */
	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR1);
	printf("ignored: hits %d\n", (int)hits);

	/* SA_RESETHAND: once, then the default (ignore for SIGCHLD). */
	install(SIGCHLD, NULL, on_once, SA_RESETHAND);
	raise(SIGCHLD);
	raise(SIGCHLD);
	printf("resethand: hits %d\n", (int)hits);

	timers();

	/* siglongjmp out of a divide error's handler. */
	install(SIGFPE, on_fpe, NULL, 0);
	if (!sigsetjmp(jump, 1))
		printf("quotient %d\n", 7 / zero);
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("after longjmp: fpe blocked %d\n", sigismember(&now, SIGFPE));
	return 0;
}
