#define _GNU_SOURCE
/* epoll as Linux 6.1 has it (docs/files.md, "epoll"): the errnos of
 * each call, level- and edge-triggered items, one-shot items and
 * EPOLL_CTL_MOD, the ready list's order, EPOLLRDHUP, EPOLLERR and
 * EPOLLHUP, a close taking a file out of the set (not while a dup holds
 * it), an epoll in an epoll, timers in the order they fire, timeouts, a
 * signal's EINTR (SA_RESTART or not), epoll_pwait's mask, a thread and
 * a child woken from epoll_wait, and /proc/self/fd and fdinfo.  Every
 * line is the same on Linux on every run: waiters are told by a pipe
 * byte, and what they print does not depend on whether they were
 * asleep yet.  "exact" adds memu's own times; "race" (memu's, under a
 * --sched-seed) has two threads make pipes ready in an order only the
 * scheduler decides, and tells whether epoll_wait gave that order.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_epoll_pwait2 441
#define MS		1000000L

static int exact;

static void say(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}

/* epoll_wait with timeout 0 (or ms), the events it gives */
static void waited(const char *what, int ep, int max, int ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(ep, ev, max, ms);
	printf("%s: %d", what, n);
	if (n < 0)
		printf(" %s", strerror(errno));
	for (int i = 0; i < n; i++)
		printf(" [%#x %llu]", ev[i].events,
		       (unsigned long long)ev[i].data.u64);
	printf("\n");
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		printf("write: %s\n", strerror(errno));
}

static void take(int fd, size_t n)
{
	char buf[256];
	if (read(fd, buf, n) < 0)
		printf("read: %s\n", strerror(errno));
}

static void bump(int efd, uint64_t v)
{
	if (write(efd, &v, sizeof(v)) < 0)
		printf("eventfd write: %s\n", strerror(errno));
}

static void errors(void)
{
	/* musl's epoll_create calls epoll_create1(0) */
	say("epoll_create(0)", syscall(SYS_epoll_create, 0));
	say("epoll_create(-1)", syscall(SYS_epoll_create, -1));
	int one = (int)syscall(SYS_epoll_create, 1);
	printf("epoll_create(1): F_GETFD %d\n", fcntl(one, F_GETFD));
	close(one);
	say("epoll_create1(1)", epoll_create1(1));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	printf("epoll_create1(EPOLL_CLOEXEC): F_GETFL %#o, FD_CLOEXEC %d\n",
	       fcntl(ep, F_GETFL), fcntl(ep, F_GETFD));
	int p[2];
	if (pipe(p))
		return;
	struct epoll_event e = {.events = EPOLLIN, .data.u64 = 1};
	say("ctl, epfd closed", epoll_ctl(60, EPOLL_CTL_ADD, p[0], &e));
	say("ctl, fd closed", epoll_ctl(ep, EPOLL_CTL_ADD, 60, &e));
	int file = open("/tmp/epoll-regular", O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink("/tmp/epoll-regular");
	say("ctl, a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, file, &e));
	int null = open("/dev/null", O_RDWR);
	say("ctl, /dev/null", epoll_ctl(ep, EPOLL_CTL_ADD, null, &e));
	say("ctl, epfd a pipe", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &e));
	say("ctl, epfd == fd", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e));
	say("ctl, op 4", epoll_ctl(ep, 4, p[0], &e));
	say("ctl, op 4, bad event", epoll_ctl(ep, 4, p[0], (void *)8));
	say("ctl ADD, bad event",
	    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)8));
	say("ctl MOD, not added", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e));
	say("ctl DEL, not added", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	say("ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
	say("ctl ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	say("ctl MOD, EPOLLEXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e));
	e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	say("ctl ADD, EPOLLEXCLUSIVE|EPOLLONESHOT",
	    epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e));
	e.events = EPOLLOUT | EPOLLEXCLUSIVE;
	say("ctl ADD, EPOLLEXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e));
	say("ctl MOD of an exclusive one",
	    mod(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 2));
	say("ctl MOD of an exclusive one, plain", mod(ep, p[1], EPOLLOUT, 2));
	say("ctl DEL, NULL event", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	say("ctl DEL", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	int ep2 = epoll_create1(0);
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	say("ctl ADD, an epoll, EPOLLEXCLUSIVE",
	    epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &e));
	e.events = EPOLLIN;
	say("ctl ADD ep2 to ep", epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &e));
	say("ctl ADD ep to ep2 (a loop)",
	    epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &e));
	/* the waits */
	struct epoll_event ev[2];
	say("wait, maxevents 0", syscall(SYS_epoll_wait, ep, ev, 0, 0));
	say("wait, maxevents -1", syscall(SYS_epoll_wait, ep, ev, -1, 0));
	say("wait, maxevents INT_MAX/12 + 1",
	    syscall(SYS_epoll_wait, ep, ev,
		    (int)(INT_MAX / sizeof(struct epoll_event) + 1), 0));
	say("wait, epfd closed", syscall(SYS_epoll_wait, 60, ev, 2, 0));
	say("wait, epfd a pipe", syscall(SYS_epoll_wait, p[0], ev, 2, 0));
	say("wait, kernel address",
	    syscall(SYS_epoll_wait, ep, 0xffff800000000000UL, 2, 0));
	say("wait, NULL, nothing ready",
	    syscall(SYS_epoll_wait, ep, NULL, 2, 0));
	int efd = eventfd(1, 0);
	add(ep, efd, EPOLLIN, 7);
	say("wait, NULL, one ready", syscall(SYS_epoll_wait, ep, NULL, 2, 0));
	say("wait, unmapped, one ready",
	    syscall(SYS_epoll_wait, ep, 4096, 2, 0));
	sigset_t set;
	sigemptyset(&set);
	say("pwait, sigsetsize 4",
	    syscall(SYS_epoll_pwait, ep, ev, 2, 0, &set, 4));
	struct timespec bad = {0, 1000000000L};
	say("pwait2, 1e9 ns",
	    syscall(NR_epoll_pwait2, ep, ev, 2, &bad, NULL, 8));
	say("pwait2, bad timespec",
	    syscall(NR_epoll_pwait2, ep, ev, 2, (void *)8, NULL, 8));
	struct timespec zero = {0, 0};
	say("pwait2, zero, one ready",
	    syscall(NR_epoll_pwait2, ep, ev, 2, &zero, NULL, 8));
	printf("pwait2 event: %#x %llu\n", ev[0].events,
	       (unsigned long long)ev[0].data.u64);
	say("pwait, one ready",
	    syscall(SYS_epoll_pwait, ep, ev, 2, 0, &set, 8));
	/* the file itself */
	char c;
	say("read an epoll", read(ep, &c, 1));
	say("write an epoll", write(ep, &c, 1));
	say("lseek an epoll", lseek(ep, 5, SEEK_SET));
	struct stat st;
	fstat(ep, &st);
	printf("fstat: mode %#o, nlink %lu, size %lld\n", st.st_mode,
	       (unsigned long)st.st_nlink, (long long)st.st_size);
	close(ep);
	close(ep2);
	close(efd);
	close(file);
	close(null);
	close(p[0]);
	close(p[1]);
}

/* Level-triggered, the ready list's order: as the items became ready,
 * a reported one back at the tail. */
static void order(void)
{
	int ep = epoll_create1(0), a[2], b[2], c[2];
	if (pipe(a) || pipe(b) || pipe(c))
		return;
	add(ep, a[0], EPOLLIN, 1);
	add(ep, b[0], EPOLLIN, 2);
	add(ep, c[0], EPOLLIN, 3);
	waited("order, nothing yet", ep, 8, 0);
	put(b[1], "b");
	put(c[1], "c");
	put(a[1], "a");
	put(b[1], "b"); /* already queued: stays where it is */
	waited("order, one at a time", ep, 1, 0);
	waited("order, one at a time", ep, 1, 0);
	waited("order, two", ep, 2, 0);
	waited("order, all", ep, 8, 0);
	take(c[0], 1);
	waited("order, c read out", ep, 8, 0);
	/* two descriptors of one file: the newer waiter is woken first */
	int d = dup(a[0]);
	add(ep, d, EPOLLIN, 4);
	take(a[0], 1);
	take(b[0], 2);
	waited("order, all read", ep, 8, 0);
	put(a[1], "a");
	waited("order, a and its dup", ep, 8, 0);
	/* MOD of a ready item that is queued keeps its place */
	put(b[1], "b");
	mod(ep, a[0], EPOLLIN, 11);
	waited("order, after MOD", ep, 8, 0);
	close(d);
	close(ep);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
		close(c[i]);
	}
}

/* Edge-triggered: reported once per wake; a pipe's every write wakes its
 * readers, a read does not. */
static void edge(void)
{
	int ep = epoll_create1(0), p[2];
	if (pipe(p))
		return;
	add(ep, p[0], EPOLLIN | EPOLLET, 1);
	waited("ET, empty", ep, 8, 0);
	put(p[1], "xy");
	waited("ET, written", ep, 8, 0);
	waited("ET, again", ep, 8, 0);
	put(p[1], "z");
	waited("ET, written again", ep, 8, 0);
	take(p[0], 1);
	waited("ET, read part", ep, 8, 0);
	int efd = eventfd(0, EFD_NONBLOCK);
	add(ep, efd, EPOLLIN | EPOLLOUT | EPOLLET, 2);
	waited("ET eventfd, added", ep, 8, 0);
	waited("ET eventfd, again", ep, 8, 0);
	bump(efd, 3);
	waited("ET eventfd, written", ep, 8, 0);
	uint64_t v;
	if (read(efd, &v, sizeof(v)) < 0)
		printf("read: %s\n", strerror(errno));
	waited("ET eventfd, read", ep, 8, 0);
	/* a level-triggered item of the same file is not affected */
	int d = dup(p[0]);
	add(ep, d, EPOLLIN, 3);
	waited("ET and LT, the LT one", ep, 8, 0);
	waited("ET and LT, LT again", ep, 8, 0);
	put(p[1], "w");
	waited("ET and LT, written", ep, 8, 0);
	close(d);
	/* a full pipe: a write that finds no room wakes the readers too; a
	 * read wakes the writers when it frees a buffer of a full pipe */
	int q[2];
	if (pipe2(q, O_NONBLOCK))
		return;
	add(ep, q[0], EPOLLIN | EPOLLET, 5);
	add(ep, q[1], EPOLLOUT | EPOLLET, 6);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
	epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);
	waited("full pipe, added", ep, 8, 0);
	static char page[4096];
	int pages = 0;
	while (write(q[1], page, sizeof(page)) == sizeof(page))
		pages++;
	printf("full pipe, pages: %d, %s\n", pages, strerror(errno));
	waited("full pipe, filled", ep, 8, 0);
	waited("full pipe, again", ep, 8, 0);
	say("full pipe, one more byte", write(q[1], "x", 1));
	waited("full pipe, after EAGAIN", ep, 8, 0);
	say("full pipe, read a page", read(q[0], page, sizeof(page)));
	waited("full pipe, a page free", ep, 8, 0);
	say("full pipe, read a page", read(q[0], page, sizeof(page)));
	waited("full pipe, another free", ep, 8, 0);
	close(q[0]);
	close(q[1]);
	close(ep);
	close(efd);
	close(p[0]);
	close(p[1]);
}

/* EPOLLONESHOT: disabled once reported, until EPOLL_CTL_MOD. */
static void oneshot(void)
{
	int ep = epoll_create1(0);
	int efd = eventfd(0, EFD_NONBLOCK);
	add(ep, efd, EPOLLIN | EPOLLONESHOT, 5);
	bump(efd, 1);
	waited("oneshot, written", ep, 8, 0);
	waited("oneshot, again", ep, 8, 0);
	bump(efd, 1);
	waited("oneshot, written again", ep, 8, 0);
	say("oneshot, MOD", mod(ep, efd, EPOLLIN | EPOLLONESHOT, 6));
	waited("oneshot, after MOD", ep, 8, 0);
	waited("oneshot, after MOD, again", ep, 8, 0);
	say("oneshot, DEL of a disabled one",
	    epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL));
	close(ep);
	close(efd);
}

/* What each kind of file reports, EPOLLERR and EPOLLHUP unasked. */
static void hangups(void)
{
	int ep = epoll_create1(0), s[2], p[2], q[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) || pipe(p) || pipe(q))
		return;
	add(ep, s[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP, 1);
	waited("socket, writable", ep, 8, 0);
	mod(ep, s[0], EPOLLIN | EPOLLRDHUP, 1);
	waited("socket, nothing to read", ep, 8, 0);
	put(s[1], "hello");
	waited("socket, written", ep, 8, 0);
	take(s[0], 5);
	waited("socket, read", ep, 8, 0);
	close(s[1]);
	waited("socket, peer closed", ep, 8, 0);
	mod(ep, s[0], EPOLLIN, 1);
	waited("socket, peer closed, no EPOLLRDHUP", ep, 8, 0);
	add(ep, p[0], EPOLLIN, 2);
	close(p[1]);
	waited("pipe, writer closed", ep, 8, 0);
	epoll_ctl(ep, EPOLL_CTL_DEL, s[0], NULL);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
	add(ep, q[1], 0, 3);
	waited("pipe write end, no events asked", ep, 8, 0);
	close(q[0]);
	waited("pipe write end, reader closed", ep, 8, 0);
	/* a socket whose peer wrote and closed */
	int t[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, t))
		return;
	add(ep, t[0], EPOLLIN | EPOLLET, 4);
	put(t[0], "unread");
	close(t[1]);
	waited("socket, peer closed unread", ep, 8, 0);
	close(t[0]);
	close(s[0]);
	close(p[0]);
	close(q[1]);
	close(ep);
}

/* The last close takes a file out of every set; a dup keeps it. */
static void closing(void)
{
	int ep = epoll_create1(0), ep2 = epoll_create1(0), p[2];
	if (pipe(p))
		return;
	add(ep, p[0], EPOLLIN, 1);
	add(ep2, p[0], EPOLLIN, 2);
	put(p[1], "x");
	int d = dup(p[0]);
	close(p[0]);
	waited("closed, a dup open", ep, 8, 0);
	say("ctl MOD of the closed descriptor", mod(ep, p[0], EPOLLIN, 1));
	close(d);
	waited("closed, the last", ep, 8, 0);
	waited("closed, the last, other set", ep2, 8, 0);
	int again[2];
	if (pipe(again))
		return;
	printf("same descriptor again: %d\n", again[0] == p[0]);
	say("ctl MOD, same number, new file", mod(ep, again[0], EPOLLIN, 1));
	say("ctl ADD, same number, new file", add(ep, again[0], EPOLLIN, 3));
	close(again[0]);
	close(again[1]);
	close(p[1]);
	close(ep2);
	close(ep);
}

/* An epoll in an epoll, and poll on an epoll. */
static void nested(void)
{
	int inner = epoll_create1(0), outer = epoll_create1(0), p[2];
	if (pipe(p))
		return;
	add(inner, p[0], EPOLLIN, 1);
	add(outer, inner, EPOLLIN | EPOLLOUT, 2);
	waited("nested, nothing", outer, 8, 0);
	struct pollfd pf = {.fd = inner, .events = POLLIN | POLLOUT};
	int n = poll(&pf, 1, 0);
	printf("poll the inner: %d %#x\n", n, pf.revents);
	put(p[1], "x");
	waited("nested, written", outer, 8, 0);
	n = poll(&pf, 1, 0);
	printf("poll the inner: %d %#x\n", n, pf.revents);
	waited("nested, inner", inner, 8, 0);
	take(p[0], 1);
	waited("nested, read out", outer, 8, 0);
	add(outer, p[0], EPOLLIN | EPOLLET, 3);
	put(p[1], "y");
	waited("nested, both", outer, 8, 0);
	close(p[0]);
	close(p[1]);
	waited("nested, pipe closed", outer, 8, 0);
	close(inner);
	waited("nested, inner closed", outer, 8, 0);
	close(outer);
}

/* How deep epolls nest: a chain built from the top, then from the
 * bottom, and a loop through three. */
static void depths(void)
{
	int e[8];
	for (int i = 0; i < 8; i++)
		e[i] = epoll_create1(0);
	for (int i = 0; i + 1 < 8; i++) {
		char what[64];
		snprintf(what, sizeof(what), "chain down, e%d in e%d", i + 1,
			 i);
		say(what, add(e[i], e[i + 1], EPOLLIN, (uint64_t)i));
	}
	for (int i = 0; i < 8; i++) {
		close(e[i]);
		e[i] = epoll_create1(0);
	}
	for (int i = 6; i >= 0; i--) {
		char what[64];
		snprintf(what, sizeof(what), "chain up, e%d in e%d", i + 1, i);
		say(what, add(e[i], e[i + 1], EPOLLIN, (uint64_t)i));
	}
	for (int i = 0; i < 8; i++)
		close(e[i]);
	int a = epoll_create1(0), b = epoll_create1(0), c = epoll_create1(0);
	say("loop, b in a", add(a, b, EPOLLIN, 1));
	say("loop, c in b", add(b, c, EPOLLIN, 2));
	say("loop, a in c", add(c, a, EPOLLIN, 3));
	say("loop, c in a too", add(a, c, EPOLLIN, 4));
	close(a);
	close(b);
	close(c);
}

/* Timers join the ready list as they fire; a wait ends at the first. */
static void timers(void)
{
	int ep = epoll_create1(0);
	int t1 = timerfd_create(CLOCK_MONOTONIC, 0);
	int t2 = timerfd_create(CLOCK_MONOTONIC, 0);
	add(ep, t1, EPOLLIN, 1);
	add(ep, t2, EPOLLIN, 2);
	struct itimerspec late = {{0, 0}, {0, 20 * MS}};
	struct itimerspec soon = {{0, 0}, {0, 10 * MS}};
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0); /* before: both expire after */
	timerfd_settime(t1, 0, &late, NULL);
	timerfd_settime(t2, 0, &soon, NULL);
	waited("timers, first", ep, 1, -1);
	uint64_t ticks = 0;
	if (read(t2, &ticks, sizeof(ticks)) < 0)
		printf("read: %s\n", strerror(errno));
	printf("timers, ticks: %llu\n", (unsigned long long)ticks);
	waited("timers, next", ep, 1, -1);
	clock_gettime(CLOCK_MONOTONIC, &t);
	long took =
		(t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec;
	printf("timers, both fired: %d\n", took >= 20 * MS);
	if (exact)
		printf("exact: both fired after %ld ns\n", took);
	close(t1);
	close(t2);
	/* a timeout with nothing ready */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	waited("timeout 30 ms", ep, 8, 30);
	clock_gettime(CLOCK_MONOTONIC, &t);
	took = (t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec;
	printf("waited 30 ms: %d\n", took >= 30 * MS);
	if (exact)
		printf("exact: epoll_wait waited %ld ns\n", took);
	struct timespec ts = {0, 15 * MS};
	struct epoll_event ev[1];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	say("pwait2, 15 ms", syscall(NR_epoll_pwait2, ep, ev, 1, &ts, NULL, 8));
	clock_gettime(CLOCK_MONOTONIC, &t);
	took = (t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec;
	printf("pwait2 waited 15 ms: %d, timespec kept: %ld\n", took >= 15 * MS,
	       ts.tv_nsec);
	if (exact)
		printf("exact: epoll_pwait2 waited %ld ns\n", took);
	close(ep);
}

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

/* A signal ends a wait with EINTR, SA_RESTART or not; epoll_pwait's
 * mask lets one in, and gives events before a pending signal. */
static void signals(void)
{
	int ep = epoll_create1(0);
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 10000}};
	setitimer(ITIMER_REAL, &it, NULL);
	waited("SIGALRM, SA_RESTART", ep, 8, -1);
	printf("handled: %d\n", handled);
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t block, none, now;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	handled = 0;
	struct epoll_event ev[2];
	say("pwait, SIGUSR1 let in",
	    syscall(SYS_epoll_pwait, ep, ev, 2, -1, &none, 8));
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("handled: %d, SIGUSR1 blocked again: %d\n", handled,
	       sigismember(&now, SIGUSR1));
	int efd = eventfd(1, 0);
	add(ep, efd, EPOLLIN, 9);
	raise(SIGUSR1);
	handled = 0;
	say("pwait, ready and SIGUSR1 pending",
	    syscall(SYS_epoll_pwait, ep, ev, 2, -1, &none, 8));
	printf("handled: %d\n", handled);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	printf("handled after unblocking: %d\n", handled);
	close(efd);
	close(ep);
}

struct waiter {
	int ep, ready;
};

static void *thread_wait(void *arg)
{
	struct waiter *w = arg;
	put(w->ready, "w"); /* about to wait */
	waited("thread, woken", w->ep, 8, -1);
	return NULL;
}

/* A thread blocked in epoll_wait, and a child, woken by another. */
static void wakers(void)
{
	int ep = epoll_create1(0), hs[2], p[2];
	int efd = eventfd(0, 0);
	if (pipe(hs) || pipe(p))
		return;
	add(ep, efd, EPOLLIN, 42);
	struct waiter w = {ep, hs[1]};
	pthread_t t;
	pthread_create(&t, NULL, thread_wait, &w);
	take(hs[0], 1);
	bump(efd, 5);
	pthread_join(t, NULL);
	uint64_t v;
	if (read(efd, &v, sizeof(v)) < 0)
		printf("read: %s\n", strerror(errno));
	add(ep, p[0], EPOLLIN | EPOLLET, 43);
	pid_t pid = fork();
	if (pid == 0) {
		put(hs[1], "c");
		waited("child, woken", ep, 8, -1);
		_exit(0);
	}
	take(hs[0], 1);
	put(p[1], "x");
	int status;
	waitpid(pid, &status, 0);
	printf("child exited: %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/* the child's wait took the edge: the set is the parent's too */
	waited("parent, after the child", ep, 8, 0);
	/* a child woken by the close of its socket's peer */
	int s[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s))
		return;
	pid = fork();
	if (pid == 0) {
		close(s[1]);
		int ep2 = epoll_create1(0);
		add(ep2, s[0], EPOLLIN | EPOLLRDHUP, 44);
		put(hs[1], "c");
		waited("child, peer closed", ep2, 8, -1);
		_exit(0);
	}
	take(hs[0], 1);
	sched_yield(); /* the child back asleep, if the read woke it */
	close(s[1]);
	waitpid(pid, &status, 0);
	printf("child exited: %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(s[0]);
	/* a child woken by a timer while its parent waits for it */
	pid = fork();
	if (pid == 0) {
		int ep2 = epoll_create1(0);
		int t = timerfd_create(CLOCK_MONOTONIC, 0);
		struct itimerspec soon = {{0, 0}, {0, 10 * MS}};
		timerfd_settime(t, 0, &soon, NULL);
		add(ep2, t, EPOLLIN, 45);
		waited("child, timer", ep2, 8, -1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	/* a child's wait ended by its parent's signal: blocked until the
	 * wait's own mask lets it in, so it cannot come before */
	sigset_t usr1, none;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_signal};
		sigaction(SIGUSR1, &sa, NULL);
		handled = 0;
		int ep2 = epoll_create1(0);
		put(hs[1], "c");
		struct epoll_event ev[1];
		say("child, pwait and a signal",
		    syscall(SYS_epoll_pwait, ep2, ev, 1, -1, &none, 8));
		printf("child, handled: %d\n", handled);
		_exit(0);
	}
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	take(hs[0], 1);
	kill(pid, SIGUSR1);
	waitpid(pid, &status, 0);
	printf("child exited: %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(ep);
	close(efd);
	for (int i = 0; i < 2; i++) {
		close(hs[i]);
		close(p[i]);
	}
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* /proc/self/fd and fdinfo: the lines that do not depend on the host's
 * inode numbers and mounts (those checked against fstat). */
static void proc(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), p[2];
	if (pipe(p))
		return;
	add(ep, p[0], EPOLLIN | EPOLLET, 0x1234abcd5678ULL);
	add(ep, p[1], EPOLLOUT | EPOLLONESHOT, 7);
	waited("proc, the write end", ep, 8, 0);
	char path[64], link[64] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ep);
	if (readlink(path, link, sizeof(link) - 1) < 0)
		strcpy(link, strerror(errno));
	printf("link: %s\n", link);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ep);
	char buf[2048] = "";
	int in = open(path, O_RDONLY);
	ssize_t n = read(in, buf, sizeof(buf) - 1);
	close(in);
	buf[n > 0 ? n : 0] = '\0';
	/* the file's own lines, but its mount and inode */
	for (char *l = buf; *l;) {
		char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		if (strncmp(l, "tfd:", 4) && strncmp(l, "mnt_id:", 7) &&
		    strncmp(l, "ino:", 4))
			printf("fdinfo: %.*s\n", (int)len, l);
		if (exact &&
		    (!strncmp(l, "mnt_id:", 7) || !strncmp(l, "ino:", 4)))
			printf("exact: %.*s\n", (int)len, l);
		l += len + (end != NULL);
	}
	struct stat st;
	fstat(p[0], &st);
	/* Linux lists the items by the address of their files: sorted */
	char *items[8];
	int nitems = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		if (!strncmp(l, "tfd:", 4) && nitems < 8)
			items[nitems++] = l;
	qsort(items, (size_t)nitems, sizeof(items[0]), by_text);
	for (int k = 0; k < nitems; k++) {
		char *l = items[k], *line = l;
		char *ino = strstr(l, "ino:"), *events = strstr(l, "events:");
		if (ino && events) {
			/* which descriptor: a native run may start with
			 * more open */
			int tfd = atoi(l + strlen("tfd:"));
			printf("fdinfo: tfd: %s ", tfd == p[0]	 ? "p[0]"
						   : tfd == p[1] ? "p[1]"
								 : "other");
			l = events;
			unsigned long long i = 0, dev = 0;
			sscanf(ino, "ino:%llx sdev:%llx", &i, &dev);
			printf("%.*s [ino %s, sdev %s]\n", (int)(ino - l), l,
			       i == (unsigned long long)st.st_ino ? "fstat's"
								  : "other",
			       dev == ((unsigned long long)major(st.st_dev)
					       << 20 |
				       minor(st.st_dev))
				       ? "fstat's"
				       : "other");
		}
		if (exact)
			printf("exact: %s\n", line);
	}
	close(ep);
	close(p[0]);
	close(p[1]);
}

static pthread_mutex_t race_lock = PTHREAD_MUTEX_INITIALIZER;
static int race_next, race_seq[3];

struct racer {
	int id, fd;
};

static void *race_write(void *arg)
{
	struct racer *r = arg;
	for (volatile int i = 0; i < 20000 * r->id; i++)
		;
	pthread_mutex_lock(&race_lock);
	put(r->fd, "r");
	race_seq[race_next++] = r->id;
	pthread_mutex_unlock(&race_lock);
	return NULL;
}

/* Three threads write, each to its pipe; the ready list holds them in
 * the order they wrote. */
static void race(void)
{
	int ep = epoll_create1(0), p[3][2];
	struct racer r[3];
	pthread_t t[3];
	for (int i = 0; i < 3; i++) {
		if (pipe(p[i]))
			return;
		add(ep, p[i][0], EPOLLIN, (uint64_t)i + 1);
		r[i] = (struct racer){i + 1, p[i][1]};
	}
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, race_write, &r[i]);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	struct epoll_event ev[3];
	int n = epoll_wait(ep, ev, 3, 0);
	int same = n == 3;
	for (int i = 0; i < n; i++)
		same &= ev[i].data.u64 == (uint64_t)race_seq[i];
	printf("race: written %d %d %d, reported in that order: %d\n",
	       race_seq[0], race_seq[1], race_seq[2], same);
}

int main(int argc, char **argv)
{
	exact = argc > 1 && !strcmp(argv[1], "exact");
	if (argc > 1 && !strcmp(argv[1], "race")) {
		race();
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	errors();
	order();
	edge();
	oneshot();
	hangups();
	closing();
	nested();
	depths();
	timers();
	signals();
	wakers();
	proc();
	return 0;
}
