/* Interrupted system calls and SA_RESTART, checked against Linux:
 * tests/signal_test.c runs this natively and under memu and compares the
 * output.  A timer's SIGALRM interrupts a call that waits: a futex wait
 * without a timeout restarts if the handler has SA_RESTART (ERESTARTSYS),
 * a timed one, nanosleep, pause, sigsuspend and sigtimedwait return EINTR
 * whatever the flags; a call woken by a signal nobody handles restarts
 * unseen (sigsuspend with an ignored signal pending); restart_syscall
 * carries on an interrupted sleep or futex wait from inside the handler,
 * and after rt_sigreturn returns EINTR.  Timers run on real time natively
 * and on the virtual clock under memu; only outcomes are printed, and a
 * call that only a signal can end gets a periodic timer, so that a
 * native run late for the first alarm never waits forever. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "raw_syscall.h"

#define MS		   1000000L
#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */

static volatile int word;
static volatile int alarms;
static volatile int release_at; /* the alarm that changes word */
static volatile int in_handler; /* 1: nanosleep, 2: futex */
static volatile long handler_ret;
static volatile long handler_ns;

static long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void on_alrm(int sig)
{
	(void)sig;
	alarms++;
	if (release_at && alarms == release_at)
		word = 1;
	if (in_handler) {
		long t = now_ns();
		handler_ret = sc(SYS_restart_syscall, 0, 0, 0, 0, 0, 0);
		handler_ns = now_ns() - t;
	}
}

static void on_alrm_restart(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alrm;
	sa.sa_flags = flags;
	sigaction(SIGALRM, &sa, NULL);
	alarms = 0;
	release_at = 0;
	in_handler = 0;
	word = 0;
}

static void timer(long first_ns, long every_ns)
{
	struct itimerval it = {{0, every_ns / 1000}, {0, first_ns / 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static long futex_wait(long timeout_ns)
{
	struct timespec t = {timeout_ns / 1000000000L,
			     timeout_ns % 1000000000L};
	return sc(SYS_futex, (long)&word, FUTEX_WAIT_PRIVATE, 0,
		  timeout_ns ? (long)&t : 0, 0, 0);
}

static void futexes(void)
{
	on_alrm_restart(0);
	timer(50 * MS, 50 * MS); /* never a wait that cannot end */
	long r = futex_wait(0);
	timer(0, 0);
	printf("futex wait, no SA_RESTART: %s, alarmed %d\n", name_of(r),
	       alarms > 0);

	/* Restarted after each alarm until the third changes the word. */
	on_alrm_restart(SA_RESTART);
	release_at = 3;
	timer(50 * MS, 50 * MS);
	r = futex_wait(0);
	timer(0, 0);
	printf("futex wait, SA_RESTART: %s, alarms %d\n", name_of(r), alarms);

	on_alrm_restart(SA_RESTART);
	timer(50 * MS, 0);
	r = futex_wait(1000 * MS);
	printf("futex wait with a timeout, SA_RESTART: %s, alarms %d\n",
	       name_of(r), alarms);
}

static void waits(void)
{
	on_alrm_restart(SA_RESTART);
	timer(50 * MS, 0);
	struct timespec second = {1, 0}, rem = {0, 0};
	long r = sc(SYS_nanosleep, (long)&second, (long)&rem, 0, 0, 0, 0);
	printf("nanosleep, SA_RESTART: %s, alarms %d, time left under 1 s "
	       "%d\n",
	       name_of(r), alarms, rem.tv_sec == 0 && rem.tv_nsec > 0);

	on_alrm_restart(SA_RESTART);
	timer(50 * MS, 0);
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 1;
	rem.tv_sec = 7;
	r = sc(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&end,
	       (long)&rem, 0, 0);
	printf("clock_nanosleep absolute, SA_RESTART: %s, alarms %d, rem "
	       "untouched %d\n",
	       name_of(r), alarms, rem.tv_sec == 7);

	on_alrm_restart(SA_RESTART);
	timer(50 * MS, 50 * MS); /* never a wait that cannot end */
	r = sc(SYS_pause, 0, 0, 0, 0, 0, 0);
	timer(0, 0);
	printf("pause, SA_RESTART: %s, alarmed %d\n", name_of(r), alarms > 0);

	on_alrm_restart(SA_RESTART);
	timer(50 * MS, 50 * MS); /* never a wait that cannot end */
	sigset_t none;
	sigemptyset(&none);
	r = sc(SYS_rt_sigsuspend, (long)&none, 8, 0, 0, 0, 0);
	timer(0, 0);
	printf("sigsuspend, SA_RESTART: %s, alarmed %d\n", name_of(r),
	       alarms > 0);

	on_alrm_restart(SA_RESTART);
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	timer(50 * MS, 0);
	struct timespec one = {1, 0};
	r = sc(SYS_rt_sigtimedwait, (long)&usr2, 0, (long)&one, 8, 0, 0);
	printf("sigtimedwait, SA_RESTART: %s, alarms %d\n", name_of(r), alarms);
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
}

/* sigsuspend wakes for a pending SIGURG it unblocks, whose default is to
 * be ignored: no handler runs, so the call restarts unseen (the mask back
 * as it was, then set again) and waits on for the alarm. */
static void unseen(void)
{
	on_alrm_restart(0);
	sigset_t urg, now;
	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	sigprocmask(SIG_BLOCK, &urg, NULL);
	raise(SIGURG);
	sigpending(&now);
	printf("urg pending %d\n", sigismember(&now, SIGURG));
	timer(50 * MS, 50 * MS); /* never a wait that cannot end */
	sigset_t none;
	sigemptyset(&none);
	long r = sc(SYS_rt_sigsuspend, (long)&none, 8, 0, 0, 0, 0);
	timer(0, 0);
	sigpending(&now);
	int pending = sigismember(&now, SIGURG);
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("sigsuspend with an ignored signal pending: %s, alarmed %d, urg "
	       "pending %d, urg blocked %d\n",
	       name_of(r), alarms > 0, pending, sigismember(&now, SIGURG));
	sigprocmask(SIG_UNBLOCK, &urg, NULL);
}

/* restart_syscall: EINTR with nothing to restart; inside the handler of
 * the signal that interrupted a sleep or a timed futex wait, it carries
 * on to the original end. */
static void restart_block(void)
{
	printf("restart_syscall: %s\n",
	       name_of(sc(SYS_restart_syscall, 0, 0, 0, 0, 0, 0)));

	on_alrm_restart(0);
	in_handler = 1;
	timer(50 * MS, 0);
	struct timespec nap = {0, 300 * MS}, rem = {0, 0};
	long t0 = now_ns();
	long r = sc(SYS_nanosleep, (long)&nap, (long)&rem, 0, 0, 0, 0);
	long slept = now_ns() - t0;
	printf("nanosleep: %s, time left %d; restart_syscall in the handler: "
	       "%s, slept the rest %d, to the end %d\n",
	       name_of(r), rem.tv_nsec > 0 && rem.tv_nsec < 300 * MS,
	       name_of(handler_ret), handler_ns >= 200 * MS, slept >= 300 * MS);
	printf("restart_syscall after the handler: %s\n",
	       name_of(sc(SYS_restart_syscall, 0, 0, 0, 0, 0, 0)));

	on_alrm_restart(0);
	in_handler = 2;
	timer(50 * MS, 0);
	t0 = now_ns();
	r = futex_wait(300 * MS);
	slept = now_ns() - t0;
	printf("futex wait: %s; restart_syscall in the handler: %s, slept "
	       "the rest %d, to the end %d\n",
	       name_of(r), name_of(handler_ret), handler_ns >= 200 * MS,
	       slept >= 300 * MS);
	printf("restart_syscall after the handler: %s\n",
	       name_of(sc(SYS_restart_syscall, 0, 0, 0, 0, 0, 0)));
	in_handler = 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	futexes();
	waits();
	unseen();
	restart_block();
	return 0;
}
