#define _GNU_SOURCE
/* signalfd as Linux 6.1 has it (docs/files.md, "signalfd"): the errnos
 * of signalfd and signalfd4 in the kernel's order, the mask (SIGKILL and
 * SIGSTOP never in it) and its update, whole 128-byte records in
 * dequeue order (the thread's own signals, then the process's; the
 * synchronous ones first, then the lowest; real-time ones queued in
 * order), every field of struct signalfd_siginfo for each siginfo layout
 * (rt_sigqueueinfo to self sends them all), a record that cannot be
 * written lost, the blocking read woken by a timer, a child's exit, a
 * child's kill and interrupted by a handler (EINTR, SA_RESTART; the
 * timer's, a child's), poll and select, a signalfd shared by fork and by
 * threads reading their own signals, the /proc/self/fd link and fdinfo.
 * Everything printed is the same on Linux on every run: pids and uids are
 * printed as whose they are; "exact" adds what only memu's deterministic
 * machine can promise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raw_syscall.h"

/* The uapi struct signalfd_siginfo, whatever the libc calls its fields. */
struct ssi {
	uint32_t signo;
	int32_t errno_;
	int32_t code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, int_;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb, pad2;
	int32_t syscall;
	uint64_t call_addr;
	uint32_t arch;
	uint8_t pad[28];
};
_Static_assert(sizeof(struct ssi) == 128, "struct signalfd_siginfo");

static int exact;
static pid_t child; /* the last child forked, for who() */

/* Real-time signals relative to SIGRTMIN: musl's and glibc's differ. */
static const char *sig_name(int sig)
{
	static const char *const names[32] = {
		"0",	 "HUP",	 "INT",	   "QUIT", "ILL",  "TRAP",   "ABRT",
		"BUS",	 "FPE",	 "KILL",   "USR1", "SEGV", "USR2",   "PIPE",
		"ALRM",	 "TERM", "STKFLT", "CHLD", "CONT", "STOP",   "TSTP",
		"TTIN",	 "TTOU", "URG",	   "XCPU", "XFSZ", "VTALRM", "PROF",
		"WINCH", "IO",	 "PWR",	   "SYS"};
	static char buf[4][16];
	static int turn;
	char *b = buf[turn++ % 4];
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(b, 16, "RTMIN+%d", sig - SIGRTMIN);
	else if (sig > 0 && sig < 32)
		snprintf(b, 16, "SIG%s", names[sig]);
	else
		snprintf(b, 16, "sig%d", sig);
	return b;
}

/* A pid as whose it is. */
static const char *who(uint32_t pid)
{
	static char buf[2][24];
	static int turn;
	char *b = buf[turn++ % 2];
	if (pid == (uint32_t)getpid())
		return "self";
	if (child && pid == (uint32_t)child)
		return "the child";
	if (pid == (uint32_t)getppid())
		return "the parent";
	snprintf(b, 24, "%u", pid);
	return b;
}

static const char *uid_of(uint32_t uid)
{
	static char buf[24];
	if (uid == (uint32_t)getuid())
		return "mine";
	snprintf(buf, sizeof(buf), "%u", uid);
	return buf;
}

#define RAW   1 /* pid and uid as numbers: the kernel's, or as sent */
#define TIMES 2 /* utime and stime as numbers */

/* Every field: the ones that cannot be known in advance (a real pid or
 * uid, a child's times) as comparisons unless told. */
static void show(const char *what, const struct ssi *s, int how)
{
	char pid[24], uid[24];
	snprintf(pid, sizeof(pid), "%s", how & RAW ? "" : who(s->pid));
	snprintf(uid, sizeof(uid), "%s", how & RAW ? "" : uid_of(s->uid));
	if (how & RAW) {
		snprintf(pid, sizeof(pid), "%u", s->pid);
		snprintf(uid, sizeof(uid), "%u", s->uid);
	}
	printf("%s: %s errno %d code %d pid %s uid %s fd %d tid %u band %u "
	       "overrun %u trapno %u status %d int %d ptr %#llx",
	       what, sig_name((int)s->signo), s->errno_, s->code, pid, uid,
	       s->fd, s->tid, s->band, s->overrun, s->trapno, s->status,
	       s->int_, (unsigned long long)s->ptr);
	if (how & TIMES)
		printf(" utime %llu stime %llu", (unsigned long long)s->utime,
		       (unsigned long long)s->stime);
	else
		printf(" times under 1 s %d", s->utime + s->stime < 100);
	printf(" addr %#llx addr_lsb %u syscall %d call_addr %#llx arch %#x "
	       "pads %d\n",
	       (unsigned long long)s->addr, s->addr_lsb, s->syscall,
	       (unsigned long long)s->call_addr, s->arch,
	       s->pad2 == 0 && !memcmp(s->pad, (uint8_t[28]){0}, 28));
}

static void say(const char *what, long r)
{
	printf("%s: %ld %s\n", what, r, name_of(r));
}

static sigset_t set_of(int n, ...)
{
	sigset_t s;
	sigemptyset(&s);
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		sigaddset(&s, va_arg(ap, int));
	va_end(ap);
	return s;
}

static long raw_signalfd4(int fd, const void *mask, long size, long flags)
{
	return sc(SYS_signalfd4, fd, (long)mask, size, flags, 0, 0);
}

/* One record or -errno. */
static long read_one(int fd, struct ssi *s)
{
	ssize_t r = read(fd, s, sizeof(*s));
	return r < 0 ? -errno : r;
}

/* The lines of /proc/self/fdinfo/fd, the host's own ones (mount and
 * inode numbers) left out unless exact. */
static void fdinfo(const char *what, int fd)
{
	char path[64], buf[512] = "";
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int in = open(path, O_RDONLY);
	ssize_t n = read(in, buf, sizeof(buf) - 1);
	close(in);
	buf[n > 0 ? n : 0] = '\0';
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		if (exact ||
		    (strncmp(l, "mnt_id:", 7) && strncmp(l, "ino:", 4)))
			printf("%s: %s\n", what, l);
}

/* Take every pending signal of the mask, so that each part starts with
 * none. */
static void drain(void)
{
	sigset_t all;
	sigfillset(&all);
	int fd = signalfd(-1, &all, SFD_NONBLOCK);
	struct ssi s[8];
	while (read(fd, s, sizeof(s)) > 0)
		;
	close(fd);
}

static void errors(void)
{
	sigset_t usr1 = set_of(1, SIGUSR1);
	say("signalfd4, size 4", raw_signalfd4(-1, &usr1, 4, 0));
	say("signalfd4, size 128", raw_signalfd4(-1, &usr1, 128, 0));
	say("signalfd4, size 4 and a bad mask",
	    raw_signalfd4(-1, (void *)8, 4, 0));
	say("signalfd4, bad mask", raw_signalfd4(-1, (void *)8, 8, 0));
	say("signalfd4, bad mask and flag 1",
	    raw_signalfd4(-1, (void *)8, 8, 1));
	say("signalfd4, flag 1", raw_signalfd4(-1, &usr1, 8, 1));
	say("signalfd4, O_APPEND", raw_signalfd4(-1, &usr1, 8, O_APPEND));
	say("signalfd, size 16",
	    sc(SYS_signalfd, -1, (long)&usr1, 16, 0, 0, 0));
	int p[2];
	if (pipe(p))
		exit(1);
	say("signalfd4 on a pipe", raw_signalfd4(p[0], &usr1, 8, 0));
	say("signalfd4 on fd 40", raw_signalfd4(40, &usr1, 8, 0));
	say("signalfd4 on fd -2", raw_signalfd4(-2, &usr1, 8, 0));
	say("signalfd4 on fd 40 with flag 1", raw_signalfd4(40, &usr1, 8, 1));
	close(p[0]);
	close(p[1]);

	long fd = raw_signalfd4(-1, &usr1, 8, SFD_NONBLOCK | SFD_CLOEXEC);
	printf("made: %d, F_GETFL %#o, FD_CLOEXEC %d\n", fd >= 0,
	       fcntl((int)fd, F_GETFL), fcntl((int)fd, F_GETFD));
	struct stat st;
	fstat((int)fd, &st);
	printf("fstat: mode %#o, size %lld, nlink %lu\n", (unsigned)st.st_mode,
	       (long long)st.st_size, (unsigned long)st.st_nlink);
	struct ssi s;
	char small[128];
	say("read, nothing pending, non-blocking", read_one((int)fd, &s));
	say("read of 127 bytes", read((int)fd, small, 127) < 0 ? -errno : 0);
	say("read of 0 bytes", read((int)fd, small, 0) < 0 ? -errno : 0);
	say("write", write((int)fd, small, 128) < 0 ? -errno : 0);
	say("lseek", lseek((int)fd, 100, SEEK_SET));
	say("pread", sc(SYS_pread64, fd, (long)&s, sizeof(s), 0, 0, 0));
	say("pwrite", sc(SYS_pwrite64, fd, (long)&s, sizeof(s), 0, 0, 0));
	struct pollfd pf = {(int)fd, POLLIN | POLLOUT | POLLPRI, 0};
	int n = poll(&pf, 1, 0);
	printf("poll, nothing pending: %d %#x\n", n, (unsigned)pf.revents);
	close((int)fd);
	say("read, closed", read_one((int)fd, &s));
	say("signalfd4 on it, closed", raw_signalfd4((int)fd, &usr1, 8, 0));
	fd = sc(SYS_signalfd, -1, (long)&usr1, 8, 0, 0, 0);
	printf("signalfd, fd -1: a descriptor %d, F_GETFL %#o\n", fd >= 0,
	       fcntl((int)fd, F_GETFL));
	close((int)fd);
}

/* The mask: SIGKILL and SIGSTOP taken out; an update through any
 * descriptor of the file. */
static void masks(void)
{
	sigset_t m = set_of(4, SIGKILL, SIGSTOP, SIGUSR1, SIGRTMIN + 2);
	int fd = signalfd(-1, &m, 0);
	fdinfo("fdinfo", fd);
	sigset_t all;
	sigfillset(&all);
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 20);
	printf("update through a dup: returns it %d\n",
	       signalfd(dup, &all, SFD_NONBLOCK) == dup);
	fdinfo("after", fd);
	fdinfo("dup", dup);
	sigset_t none;
	sigemptyset(&none);
	printf("update with flags ignored, F_GETFL %#o\n", fcntl(fd, F_GETFL));
	say("signalfd, update",
	    sc(SYS_signalfd, fd, (long)&none, 8, 0, 0, 0) == fd);
	fdinfo("empty", fd);
	close(dup);
	close(fd);
}

/* rt_sigqueueinfo to self with a 128-byte siginfo: the first 48 bytes
 * as given (si_signo set to sig). */
static void queue(int sig, int code, const long *words, int n)
{
	uint8_t si[128] = {0};
	memcpy(si + 8, &code, 4);
	memcpy(si + 16, words, (size_t)n * 8);
	long r = sc(SYS_rt_sigqueueinfo, getpid(), sig, (long)si, 0, 0, 0);
	if (r)
		printf("rt_sigqueueinfo %s code %d: %s\n", sig_name(sig), code,
		       name_of(r));
}

/* Two ints in one word, the lower first. */
static long ints(uint32_t lo, uint32_t hi)
{
	return (long)((uint64_t)hi << 32 | lo);
}

/* Every layout of signalfd_copyinfo, read in one go, in dequeue order. */
static void layouts(void)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	int fd = signalfd(-1, &all, SFD_NONBLOCK);
	long kill_[] = {ints(4242, 7)};
	long rt[] = {ints(4243, 8), 0x1122334455667788L};
	long timer[] = {ints(99, 3), 0x5566778899aabbccL, 0x77L};
	long pollw[] = {0x1234567887654321L, 9};
	long fault[] = {0x7000a000L, ints(13, 0)};
	long mce[] = {0x7000b000L, 12};
	long chld[] = {ints(4244, 5), 42, 300, 400};
	long sys[] = {0x401000L, ints(231, 0xc000003e)};
	queue(SIGSEGV, 12, kill_, 1);	      /* past NSIGSEGV: SIL_KILL */
	queue(SIGRTMIN + 3, SI_QUEUE, rt, 2); /* SIL_RT */
	queue(SIGRTMIN + 3, SI_MESGQ, rt, 1); /* SIL_RT, queued after */
	queue(SIGUSR2, SI_TIMER, timer, 3);   /* SIL_TIMER */
	queue(SIGIO, POLL_IN, pollw, 2);      /* SIL_POLL */
	queue(SIGUSR1, 3, pollw, 2);	      /* no codes: SIL_POLL */
	queue(SIGILL, ILL_ILLOPN, fault, 2);  /* SIL_FAULT */
	queue(SIGTRAP, 6 /* TRAP_PERF */, fault, 2);
	queue(SIGBUS, BUS_MCEERR_AO, mce, 2);	    /* SIL_FAULT_MCEERR */
	queue(SIGCHLD, CLD_EXITED, chld, 4);	    /* SIL_CHLD */
	queue(SIGSYS, 1 /* SYS_SECCOMP */, sys, 2); /* SIL_SYS */
	queue(SIGWINCH, SI_KERNEL, kill_, 1);	    /* SIL_KILL */
	queue(SIGURG, SI_SIGIO, pollw, 2);	    /* SIL_POLL */
	struct ssi s[16];
	ssize_t r = read(fd, s, sizeof(s));
	printf("one read of 16 records: %zd bytes\n", r);
	for (int i = 0; i < r / 128; i++)
		show("layout", &s[i], RAW | TIMES);
	close(fd);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
}

/* The usual use: blocked signals read from the file, whole records, the
 * thread's own first. */
static void reads(void)
{
	sigset_t m =
		set_of(5, SIGUSR1, SIGUSR2, SIGRTMIN, SIGRTMIN + 1, SIGALRM);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int fd = signalfd(-1, &m, 0);
	kill(getpid(), SIGUSR2);
	raise(SIGUSR1);
	sigqueue(getpid(), SIGRTMIN + 1,
		 (union sigval){.sival_ptr = (void *)7L});
	sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_ptr = (void *)5L});
	sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_ptr = (void *)6L});
	struct pollfd pf = {fd, POLLIN | POLLOUT | POLLRDNORM, 0};
	int n = poll(&pf, 1, 0);
	printf("poll, 5 pending: %d %#x\n", n, (unsigned)pf.revents);
	fd_set in;
	FD_ZERO(&in);
	FD_SET(fd, &in);
	struct timeval tv = {0, 0};
	n = select(fd + 1, &in, NULL, NULL, &tv);
	printf("select: %d, set %d\n", n, FD_ISSET(fd, &in));
	struct ssi s[3];
	ssize_t r = read(fd, s, 2 * sizeof(s[0]) + 100);
	printf("read, room for 2 and a bit: %zd\n", r);
	for (int i = 0; i < r / 128; i++)
		show("read", &s[i], 0);
	r = read(fd, s, sizeof(s));
	printf("read, room for 3: %zd\n", r);
	for (int i = 0; i < r / 128; i++)
		show("read", &s[i], 0);
	sigset_t pend;
	sigpending(&pend);
	printf("pending after: USR1 %d USR2 %d RTMIN %d\n",
	       sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2),
	       sigismember(&pend, SIGRTMIN));
	printf("poll, none pending: %d\n", poll(&pf, 1, 0));

	/* blocked but not in the mask: not read, still pending */
	sigset_t usr1 = set_of(1, SIGUSR1);
	sigset_t winch = set_of(1, SIGWINCH);
	sigprocmask(SIG_BLOCK, &winch, NULL);
	int fd2 = signalfd(-1, &usr1, SFD_NONBLOCK);
	raise(SIGWINCH);
	struct ssi one;
	say("SIGWINCH blocked, not in the mask: read", read_one(fd2, &one));
	sigpending(&pend);
	printf("SIGWINCH still pending: %d\n", sigismember(&pend, SIGWINCH));
	signalfd(fd2, &winch, 0);
	say("the mask updated to it: read", read_one(fd2, &one));
	printf("  %s code %d\n", sig_name((int)one.signo), one.code);
	sigprocmask(SIG_UNBLOCK, &winch, NULL);
	/* in the mask, not blocked, ignored by default: dropped */
	raise(SIGWINCH);
	say("SIGWINCH not blocked, default ignored: read", read_one(fd2, &one));
	/* ignored but blocked: kept, and read */
	signal(SIGUSR1, SIG_IGN);
	signalfd(fd2, &usr1, 0);
	raise(SIGUSR1);
	say("SIGUSR1 ignored but blocked: read", read_one(fd2, &one));
	signal(SIGUSR1, SIG_DFL);
	/* made blocking again: a read waits for it */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	say("O_NONBLOCK by fcntl: read", read_one(fd, &one));
	if (exact) {
		/* Linux 6.1's signalfd has ->read only: readv reads each
		 * segment by itself, a first of 64 bytes EINVAL (the host's
		 * ->read_iter takes a record across segments) */
		raise(SIGUSR1);
		struct ssi two_[2];
		struct iovec v[2] = {{two_, 64}, {(char *)two_ + 64, 128}};
		long r1 = sc(SYS_readv, fd, (long)v, 2, 0, 0, 0);
		v[0].iov_len = v[1].iov_len = 128;
		long r2 = sc(SYS_readv, fd, (long)v, 2, 0, 0, 0);
		printf("exact: readv 64+128: %s, 128+128: %ld %s\n",
		       name_of(r1), r2, sig_name((int)two_[0].signo));
	}
	fcntl(fd, F_SETFL, 0);

	/* a record that cannot be written is lost */
	raise(SIGUSR1);
	say("read into address 8", sc(SYS_read, fd, 8, 128, 0, 0, 0));
	sigpending(&pend);
	printf("SIGUSR1 pending after: %d\n", sigismember(&pend, SIGUSR1));
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + 4096, 4096);
	raise(SIGUSR1);
	raise(SIGUSR2);
	r = read(fd, two + 4096 - 128, 256);
	printf("2 pending, room for 1 before a hole: %zd, %s\n", r,
	       sig_name((int)((struct ssi *)(two + 4096 - 128))->signo));
	sigpending(&pend);
	printf("SIGUSR2 pending after: %d\n", sigismember(&pend, SIGUSR2));
	munmap(two, 4096);

	/* a timer's SIGALRM, waited for */
	struct itimerval it = {{0, 0}, {0, 20000}};
	setitimer(ITIMER_REAL, &it, NULL);
	say("blocking read, a 20 ms timer", read_one(fd, &one));
	show("timer", &one, RAW | TIMES);
	setitimer(ITIMER_REAL, &it, NULL);
	FD_ZERO(&in);
	FD_SET(fd, &in);
	n = select(fd + 1, &in, NULL, NULL, NULL);
	printf("select, endless, a 20 ms timer: %d, set %d\n", n,
	       FD_ISSET(fd, &in));
	/* pending, but not what a poll asks for: its time runs out */
	pf.events = POLLOUT;
	n = poll(&pf, 1, 20);
	printf("poll for POLLOUT, SIGALRM pending, 20 ms: %d %#x\n", n,
	       (unsigned)pf.revents);
	say("then read", read_one(fd, &one));
	printf("  %s code %d\n", sig_name((int)one.signo), one.code);
	close(fd2);
	close(fd);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

static void on_usr2(int sig)
{
	(void)sig;
}

/* SIGCHLD from a child's end, and a child's kill. */
static void children(void)
{
	sigset_t m = set_of(2, SIGCHLD, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int fd = signalfd(-1, &m, 0);
	struct ssi s;
	child = fork();
	if (child == 0) {
		/* some CPU time of its own, the system's: its SIGCHLD
		 * counts it (exact: memu's virtual clock) */
		for (int i = 0; i < 50000; i++)
			syscall(SYS_getppid);
		_exit(3);
	}
	say("blocking read, a child exits 3", read_one(fd, &s));
	show("exit", &s, exact ? TIMES : 0);
	waitpid(child, NULL, 0);
	child = fork();
	if (child == 0) {
		kill(getpid(), SIGTERM);
		_exit(1);
	}
	say("blocking read, a child killed by SIGTERM", read_one(fd, &s));
	show("killed", &s, exact ? TIMES : 0);
	waitpid(child, NULL, 0);
	child = fork();
	if (child == 0) {
		kill(getppid(), SIGUSR1);
		pause();
	}
	say("blocking read, a child's kill", read_one(fd, &s));
	show("kill", &s, 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	read_one(fd, &s); /* its SIGCHLD */
	/* poll woken by a child's kill */
	child = fork();
	if (child == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	struct pollfd pf = {fd, POLLIN, 0};
	int r = poll(&pf, 1, -1);
	printf("poll, endless, a child's kill: %d %#x\n", r,
	       (unsigned)pf.revents);
	waitpid(child, NULL, 0);
	drain();
	/* a child's signals, handled, interrupt a blocked read: EINTR, or
	 * with SA_RESTART it reads on until the child's SIGUSR1 (the child
	 * sends until it is killed: one comes while the read waits) */
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = {0};
		sa.sa_handler = on_usr2;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGUSR2, &sa, NULL);
		child = fork();
		if (child == 0)
			for (int i = 0;; i++) {
				kill(getppid(), SIGUSR2);
				if (restart && i == 3)
					kill(getppid(), SIGUSR1);
				usleep(1000);
			}
		long r = read_one(fd, &s);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		printf("blocking read, a child's SIGUSR2 handled%s: %ld %s\n",
		       restart ? " with SA_RESTART" : "", r, name_of(r));
		if (r > 0)
			printf("  %s code %d pid %s\n", sig_name((int)s.signo),
			       s.code, who(s.pid));
		signal(SIGUSR2, SIG_DFL);
		drain();
	}
	/* the file passed to a child: it reads its own signals only */
	raise(SIGUSR1);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		fcntl(fd, F_SETFL, O_NONBLOCK);
		say("child: the parent's SIGUSR1 pending, read",
		    read_one(fd, &s));
		raise(SIGUSR1);
		say("child: its own, read", read_one(fd, &s));
		show("child", &s, 0);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	fcntl(fd, F_SETFL, 0);
	say("parent: read", read_one(fd, &s));
	show("parent", &s, 0);
	drain();
	child = 0;
	close(fd);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

/* A signalfd in an epoll set: ready when a signal of its mask is
 * pending, and an epoll_wait that blocks ends when one comes. */
static void epolled(void)
{
	sigset_t m = set_of(1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int fd = signalfd(-1, &m, 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7}, out[2];
	say("epoll_ctl add a signalfd", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	say("epoll_wait, nothing pending", epoll_wait(ep, out, 2, 0));
	raise(SIGUSR1);
	int r = epoll_wait(ep, out, 2, 0);
	printf("epoll_wait, SIGUSR1 pending: %d %#x data %llu\n", r,
	       r > 0 ? out[0].events : 0,
	       r > 0 ? (unsigned long long)out[0].data.u64 : 0);
	struct pollfd pf = {ep, POLLIN, 0};
	r = poll(&pf, 1, 0);
	printf("poll of the epoll: %d %#x\n", r, (unsigned)pf.revents);
	struct ssi s;
	say("read it", read_one(fd, &s));
	say("epoll_wait, read", epoll_wait(ep, out, 2, 0));
	child = fork();
	if (child == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	r = epoll_wait(ep, out, 2, -1);
	printf("epoll_wait, endless, a child's kill: %d %#x\n", r,
	       r > 0 ? out[0].events : 0);
	say("read it", read_one(fd, &s));
	show("epoll", &s, 0);
	waitpid(child, NULL, 0);
	child = 0;
	close(ep);
	close(fd);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

static volatile int handled, send_second;

static void on_alarm(int sig)
{
	(void)sig;
	if (++handled == 2 && send_second)
		kill(getpid(), SIGUSR2);
}

static void stop_timer(void)
{
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
}

/* A handler for a signal outside the mask ends a blocked read (a
 * periodic timer: one that fires before the read leaves another) */
static void interrupted(void)
{
	sigset_t m = set_of(1, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int fd = signalfd(-1, &m, 0);
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 10000}, {0, 10000}};
	handled = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	struct ssi s;
	say("blocking read, a handler without SA_RESTART", read_one(fd, &s));
	stop_timer();
	printf("handled: %d\n", handled > 0);
	if (exact)
		printf("exact: handled %d\n", handled);
	drain();
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	handled = 0;
	send_second = 1;
	setitimer(ITIMER_REAL, &it, NULL);
	say("blocking read, a handler with SA_RESTART sending SIGUSR2 the "
	    "second time",
	    read_one(fd, &s));
	stop_timer();
	printf("  %s code %d pid %s, handled %d\n", sig_name((int)s.signo),
	       s.code, who(s.pid), handled >= 2);
	if (exact)
		printf("exact: handled %d\n", handled);
	signal(SIGALRM, SIG_DFL);
	drain();
	close(fd);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

static int tfd, tfd_block;
static pid_t main_tid;

static void *thread_main(void *arg)
{
	(void)arg;
	struct ssi s;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
	say("thread: the main thread's SIGUSR1 pending, read",
	    read_one(tfd, &s));
	syscall(SYS_tgkill, getpid(), tid, SIGUSR2);
	say("thread: its own SIGUSR2, read", read_one(tfd, &s));
	show("thread", &s, 0);
	kill(getpid(), SIGUSR2);
	say("thread: the process's SIGUSR2, read", read_one(tfd, &s));
	show("thread", &s, 0);
	/* a wait for the main thread's sigqueue to the process */
	struct pollfd pf = {tfd_block, POLLIN, 0};
	int n = poll(&pf, 1, -1);
	printf("thread: poll, endless: %d %#x\n", n, (unsigned)pf.revents);
	say("thread: blocking read", read_one(tfd_block, &s));
	show("thread", &s, 0);
	pf.revents = 0;
	n = poll(&pf, 1, -1);
	printf("thread: poll, endless, again: %d %#x\n", n,
	       (unsigned)pf.revents);
	say("thread: blocking read", read_one(tfd_block, &s));
	show("thread", &s, 0);
	return NULL;
}

/* Threads read their own signals, and the process's. */
static void threads(void)
{
	sigset_t m = set_of(2, SIGUSR1, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, NULL);
	tfd = signalfd(-1, &m, SFD_NONBLOCK);
	sigset_t rt = set_of(1, SIGRTMIN + 4);
	sigprocmask(SIG_BLOCK, &rt, NULL);
	tfd_block = signalfd(-1, &rt, 0);
	main_tid = (pid_t)syscall(SYS_gettid);
	pthread_t t;
	pthread_create(&t, NULL, thread_main, NULL);
	/* the thread waits for these, or finds them queued */
	sigqueue(getpid(), SIGRTMIN + 4,
		 (union sigval){.sival_ptr = (void *)9L});
	sigqueue(getpid(), SIGRTMIN + 4,
		 (union sigval){.sival_ptr = (void *)10L});
	pthread_join(t, NULL);
	close(tfd_block);
	sigprocmask(SIG_UNBLOCK, &rt, NULL);
	struct ssi s;
	say("main: read", read_one(tfd, &s));
	show("main", &s, 0);
	say("main: read again", read_one(tfd, &s));
	close(tfd);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

static void proc(void)
{
	sigset_t m = set_of(2, SIGINT, SIGRTMAX);
	int fd = signalfd(-1, &m, SFD_CLOEXEC);
	char path[64], link[64] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (readlink(path, link, sizeof(link) - 1) < 0)
		strcpy(link, strerror(errno));
	printf("link: %s\n", link);
	int again = open(path, O_RDONLY);
	say("open through /proc/self/fd", again < 0 ? -errno : 0);
	fdinfo("fdinfo", fd);
	close(fd);
}

int main(int argc, char **argv)
{
	exact = argc > 1 && !strcmp(argv[1], "exact");
	setvbuf(stdout, NULL, _IONBF, 0);
	errors();
	masks();
	layouts();
	reads();
	children();
	epolled();
	interrupted();
	threads();
	proc();
	return 0;
}
