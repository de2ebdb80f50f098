/* Queued signals, checked against Linux: tests/signal_test.c runs this
 * natively and under memu and compares the output.  Real-time signals
 * queue every instance with its siginfo, standard ones coalesce; the
 * thread's pending set (tkill, tgkill, rt_tgsigqueueinfo) is taken before
 * the process's (kill, sigqueue), each lowest number first; several
 * signals unblocked at once get one frame each, nested; rt_sigqueueinfo's
 * checks; RLIMIT_SIGPENDING; what ignoring and stop signals discard.
 * Signal numbers are printed relative to SIGRTMIN (musl's and glibc's
 * differ), pids and uids as "self" or not.
 *   sigqueue            every case below, then exit 0
 *   sigqueue exact      the same, with the limit at start, kill(-1, 0)
 *                       and how many signals fit under 64 (what the
 *                       host's other processes change)
 *   sigqueue rtdefault  a real-time signal with no handler: killed by it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

#define RT0 (SIGRTMIN)
#define RT1 (SIGRTMIN + 1)

static struct {
	int sig, code, value, self;
} seen[128];
static volatile int nseen;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (nseen < 128) {
		seen[nseen].sig = sig;
		seen[nseen].code = si->si_code;
		seen[nseen].value = si->si_value.sival_int;
		seen[nseen].self =
			si->si_pid == getpid() && si->si_uid == getuid();
		nseen++;
	}
}

static const char *sig_name(int sig)
{
	static char buf[4][16];
	static int turn;
	char *b = buf[turn++ % 4];
	if (sig == SIGUSR1)
		return "USR1";
	if (sig == SIGUSR2)
		return "USR2";
	if (sig == SIGALRM)
		return "ALRM";
	if (sig == SIGCONT)
		return "CONT";
	if (sig == SIGTSTP)
		return "TSTP";
	if (sig == SIGTTIN)
		return "TTIN";
	if (sig >= SIGRTMIN)
		snprintf(b, 16, "RT+%d", sig - SIGRTMIN);
	else
		snprintf(b, 16, "sig%d", sig);
	return b;
}

static void show(const char *what)
{
	printf("%s:", what);
	for (int i = 0; i < nseen; i++)
		printf(" %s/%d/%d%s", sig_name(seen[i].sig), seen[i].value,
		       seen[i].code, seen[i].self ? "" : "/other");
	printf("\n");
	nseen = 0;
}

static void handle(int sig, int flags, int mask_all)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | flags;
	if (mask_all)
		sigfillset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void block(int how, int a, int b, int c, int d)
{
	sigset_t s;
	sigemptyset(&s);
	int sigs[] = {a, b, c, d};
	for (int i = 0; i < 4; i++)
		if (sigs[i])
			sigaddset(&s, sigs[i]);
	sigprocmask(how, &s, NULL);
}

static void queue(int sig, int value)
{
	union sigval v = {.sival_int = value};
	if (sigqueue(getpid(), sig, v))
		printf("sigqueue %s %d: %s\n", sig_name(sig), value,
		       strerror(errno));
}

static void show_pending(const char *what)
{
	sigset_t p;
	sigpending(&p);
	printf("%s pending:", what);
	for (int s = 1; s < 65; s++)
		if (sigismember(&p, s) == 1)
			printf(" %s", sig_name(s));
	printf("\n");
}

/* Three of each real-time signal and two SIGUSR1, sent while blocked,
 * then unblocked at once. */
static void order(const char *what, int mask_all)
{
	handle(SIGUSR1, 0, mask_all);
	handle(RT0, 0, mask_all);
	handle(RT1, 0, mask_all);
	block(SIG_BLOCK, SIGUSR1, RT0, RT1, 0);
	queue(RT1, 10);
	queue(RT0, 20);
	queue(RT1, 11);
	queue(SIGUSR1, 30);
	queue(RT0, 21);
	queue(SIGUSR1, 31);
	queue(RT1, 12);
	queue(RT0, 22);
	show_pending(what);
	block(SIG_UNBLOCK, SIGUSR1, RT0, RT1, 0);
	show(what);
}

/* The thread's set before the process's: raise (tkill) and tgkill go to
 * the thread, kill and sigqueue to the process; a standard signal sent
 * to both is pending twice. */
static void two_sets(void)
{
	handle(SIGUSR1, 0, 1);
	handle(SIGUSR2, 0, 1);
	handle(RT0, 0, 1);
	handle(RT1, 0, 1);
	block(SIG_BLOCK, SIGUSR1, SIGUSR2, RT0, RT1);
	queue(SIGUSR1, 1);
	queue(RT0, 2);
	kill(getpid(), SIGUSR2);
	raise(RT1);
	raise(SIGUSR2);
	raise(SIGUSR1);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 3;
	printf("rt_tgsigqueueinfo %s\n",
	       name_of(sc(SYS_rt_tgsigqueueinfo, getpid(), gettid(), RT0,
			  (long)&si, 0, 0)));
	block(SIG_UNBLOCK, SIGUSR1, SIGUSR2, RT0, RT1);
	show("thread first");
}

/* rt_sigtimedwait and rt_sigpending see every queued instance. */
static void waiting(void)
{
	block(SIG_BLOCK, RT0, 0, 0, 0);
	queue(RT0, 7);
	queue(RT0, 8);
	queue(RT0, 9);
	show_pending("three queued");
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, RT0);
	for (int i = 0; i < 3; i++) {
		siginfo_t si;
		int got = sigwaitinfo(&s, &si);
		printf("sigwaitinfo %s value %d code %d self %d\n",
		       sig_name(got), si.si_value.sival_int, si.si_code,
		       si.si_pid == getpid() && si.si_uid == getuid());
		show_pending("  then");
	}
	struct timespec zero = {0, 0};
	long r = sigtimedwait(&s, NULL, &zero);
	printf("sigtimedwait %s\n", name_of(r < 0 ? -errno : r));
	block(SIG_UNBLOCK, RT0, 0, 0, 0);
}

/* Ignoring a signal, or its default being to ignore it, discards every
 * pending instance. */
static void discard(void)
{
	handle(RT0, 0, 1);
	block(SIG_BLOCK, RT0, SIGURG, 0, 0);
	queue(RT0, 1);
	queue(RT0, 2);
	raise(SIGURG);
	show_pending("before discarding");
	signal(RT0, SIG_IGN);
	signal(SIGURG, SIG_DFL);
	show_pending("after SIG_IGN and SIG_DFL");
	queue(RT0, 3);
	show_pending("sent while ignored and blocked");
	handle(RT0, 0, 1);
	block(SIG_UNBLOCK, RT0, SIGURG, 0, 0);
	show("discarded");
	/* A stop signal discards a pending SIGCONT, SIGCONT the stop
	 * signals (both blocked here, so neither acts). */
	block(SIG_BLOCK, SIGCONT, SIGTSTP, SIGTTIN, 0);
	raise(SIGCONT);
	show_pending("SIGCONT");
	raise(SIGTSTP);
	show_pending("then SIGTSTP");
	raise(SIGTTIN);
	show_pending("then SIGTTIN");
	raise(SIGCONT);
	show_pending("then SIGCONT");
	signal(SIGCONT, SIG_DFL);
	show_pending("then SIG_DFL");
	block(SIG_UNBLOCK, SIGCONT, SIGTSTP, SIGTTIN, 0);
}

static long qinfo(pid_t pid, int sig, int code, int value)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_code = code;
	si.si_value.sival_int = value;
	return sc(SYS_rt_sigqueueinfo, pid, sig, (long)&si, 0, 0, 0);
}

/* rt_sigqueueinfo's checks, in Linux's order. */
static void checks(void)
{
	handle(RT0, 0, 1);
	block(SIG_BLOCK, RT0, 0, 0, 0);
	pid_t me = getpid(), other = me + 1;
	printf("to self, SI_QUEUE: %s\n", name_of(qinfo(me, RT0, SI_QUEUE, 1)));
	printf("to self, SI_USER: %s\n", name_of(qinfo(me, RT0, SI_USER, 2)));
	printf("to self, SI_KERNEL: %s\n",
	       name_of(qinfo(me, RT0, SI_KERNEL, 3)));
	printf("to self, SI_TKILL: %s\n", name_of(qinfo(me, RT0, SI_TKILL, 4)));
	printf("to another, SI_USER: %s\n",
	       name_of(qinfo(other, RT0, SI_USER, 0)));
	printf("to another, SI_TKILL: %s\n",
	       name_of(qinfo(other, 0, SI_TKILL, 0)));
	printf("to another, SI_KERNEL: %s\n",
	       name_of(qinfo(other, 0, SI_KERNEL, 0)));
	printf("to pid 0, SI_USER: %s\n", name_of(qinfo(0, 0, SI_USER, 0)));
	printf("to pid 0, SI_QUEUE: %s\n", name_of(qinfo(0, 0, SI_QUEUE, 0)));
	printf("to pid -1, SI_QUEUE: %s\n", name_of(qinfo(-1, 0, SI_QUEUE, 0)));
	printf("signal 0 to self: %s\n", name_of(qinfo(me, 0, SI_QUEUE, 0)));
	printf("signal 65: %s\n", name_of(qinfo(me, 65, SI_QUEUE, 0)));
	printf("signal -1: %s\n", name_of(qinfo(me, -1, SI_QUEUE, 0)));
	printf("signal 65 to another, SI_USER: %s\n",
	       name_of(qinfo(other, 65, SI_USER, 0)));
	printf("NULL siginfo: %s\n",
	       name_of(sc(SYS_rt_sigqueueinfo, me, RT0, 0, 0, 0, 0)));
	/* An si_code with no known layout: the bytes past the kernel's 48
	 * must be zero. */
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_code = -100;
	si.si_value.sival_int = 5;
	printf("unknown si_code, zero tail: %s\n",
	       name_of(sc(SYS_rt_sigqueueinfo, me, RT0, (long)&si, 0, 0, 0)));
	((char *)&si)[100] = 1;
	printf("unknown si_code, tail set: %s\n",
	       name_of(sc(SYS_rt_sigqueueinfo, me, RT0, (long)&si, 0, 0, 0)));
	si.si_code = SI_QUEUE;
	printf("SI_QUEUE, tail set: %s\n",
	       name_of(sc(SYS_rt_sigqueueinfo, me, RT0, (long)&si, 0, 0, 0)));
	printf("tgsigqueueinfo tid 0: %s\n",
	       name_of(sc(SYS_rt_tgsigqueueinfo, me, 0, RT0, (long)&si, 0, 0)));
	printf("tgsigqueueinfo wrong tgid: %s\n",
	       name_of(sc(SYS_rt_tgsigqueueinfo, other, gettid(), RT0,
			  (long)&si, 0, 0)));
	printf("tgsigqueueinfo another tid: %s\n",
	       name_of(sc(SYS_rt_tgsigqueueinfo, me, other, 0, (long)&si, 0,
			  0)));
	si.si_code = SI_USER;
	printf("tgsigqueueinfo another tid, SI_USER: %s\n",
	       name_of(sc(SYS_rt_tgsigqueueinfo, me, other, 0, (long)&si, 0,
			  0)));
	siginfo_t w;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, RT0);
	struct timespec zero = {0, 0};
	int n = 0;
	while (sigtimedwait(&s, &w, &zero) == RT0) {
		unsigned char *b = (unsigned char *)&w;
		int tail = 0;
		for (size_t i = 48; i < sizeof(w); i++)
			tail |= b[i];
		printf("  queued: code %d value %d signo-is-RT0 %d tail %d\n",
		       w.si_code, w.si_value.sival_int, w.si_signo == RT0,
		       tail);
		n++;
	}
	printf("%d queued\n", n);
	block(SIG_UNBLOCK, RT0, 0, 0, 0);
}

/* RLIMIT_SIGPENDING: real-time signals from sigqueue or tgkill past the
 * limit fail with EAGAIN; kill still sends one, without its siginfo;
 * standard signals are always sent, with their siginfo only if it comes
 * from kill (si_code >= 0).  Linux counts the signals queued to every
 * process of the user, so natively fewer than 64 may fit (a build's make
 * processes hold a few SIGCHLDs); memu counts its one process's, and
 * "exact" prints how many. */
static void limit(int exact)
{
	struct rlimit old, cap = {64, 64};
	getrlimit(RLIMIT_SIGPENDING, &old);
	if (exact) /* and what differs natively: other processes */
		printf("RLIMIT_SIGPENDING at start %ld %ld; kill(-1, 0) %s\n",
		       (long)old.rlim_cur, (long)old.rlim_max,
		       name_of(sc(SYS_kill, -1, 0, 0, 0, 0, 0)));
	setrlimit(RLIMIT_SIGPENDING, &cap);
	struct rlimit now;
	getrlimit(RLIMIT_SIGPENDING, &now);
	printf("RLIMIT_SIGPENDING %ld %ld\n", (long)now.rlim_cur,
	       (long)now.rlim_max);
	handle(RT0, 0, 1);
	handle(RT1, 0, 1);
	handle(SIGUSR1, 0, 1);
	handle(SIGUSR2, 0, 1);
	block(SIG_BLOCK, RT0, RT1, SIGUSR1, SIGUSR2);
	int n = 0;
	union sigval v;
	for (v.sival_int = 100; n < 80 && !sigqueue(getpid(), RT0, v);
	     v.sival_int++)
		n++;
	if (exact)
		printf("queued %d, then %s\n", n, strerror(errno));
	else
		printf("queued 1 to 64: %d, then %s\n", n >= 1 && n <= 64,
		       strerror(errno));
	printf("tgkill RT+1: %s\n",
	       name_of(sc(SYS_tgkill, getpid(), gettid(), RT1, 0, 0, 0)));
	printf("kill RT+1: %s\n",
	       name_of(sc(SYS_kill, getpid(), RT1, 0, 0, 0, 0)));
	v.sival_int = 55;
	printf("sigqueue USR1: %s\n",
	       name_of(sigqueue(getpid(), SIGUSR1, v) ? -errno : 0));
	printf("kill USR2: %s\n",
	       name_of(sc(SYS_kill, getpid(), SIGUSR2, 0, 0, 0, 0)));
	block(SIG_UNBLOCK, RT0, RT1, SIGUSR1, SIGUSR2);
	/* RT+0's instances in the order sent, the others as usual. */
	int k = 0, in_order = 1;
	printf("over the limit:");
	for (int i = 0; i < nseen; i++) {
		if (seen[i].sig != RT0) {
			printf(" %s/%d/%d%s", sig_name(seen[i].sig),
			       seen[i].value, seen[i].code,
			       seen[i].self ? "" : "/other");
			continue;
		}
		in_order &= seen[i].value == 100 + k &&
			    seen[i].code == SI_QUEUE && seen[i].self;
		k++;
	}
	printf("; RT+0 all %d in order %d\n", k == n, in_order);
	nseen = 0;
	setrlimit(RLIMIT_SIGPENDING, &old);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "rtdefault")) {
		union sigval v = {.sival_int = 1};
		sigqueue(getpid(), SIGRTMIN + 2, v);
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	order("one at a time", 1);
	order("nested", 0);
	two_sets();
	waiting();
	discard();
	checks();
	limit(argc > 1 && !strcmp(argv[1], "exact"));
	return 0;
}
