#define _GNU_SOURCE
/* poll, ppoll, select and pselect6 (docs/files.md, "poll and select"):
 * what pipes, socket pairs, eventfds, files and devices are ready for,
 * the errors, the timeouts written back, the signal masks of ppoll and
 * pselect6, a signal ending a wait, and waits a child ends by writing
 * or exiting.  Everything printed is the same on Linux on every run;
 * "exact" adds the virtual clock's times, memu's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ALL                                                                    \
	(POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND | POLLWRNORM |   \
	 POLLWRBAND | POLLRDHUP)

static int exact;

static long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* poll one fd for every event, at once: "name: ret revents" */
static void show(const char *name, int fd)
{
	struct pollfd p = {fd, ALL, 0x7777};
	int r = poll(&p, 1, 0);
	printf("%s: %d %#x\n", name, r, (unsigned)(unsigned short)p.revents);
}

static void pipes(void)
{
	int fds[2];
	if (pipe(fds))
		exit(1);
	show("empty pipe, read end", fds[0]);
	show("empty pipe, write end", fds[1]);
	struct pollfd only = {fds[1], POLLIN, 0};
	printf("write end asked for POLLIN only: %d %#x\n", poll(&only, 1, 0),
	       (unsigned)only.revents);
	if (write(fds[1], "0123456789", 10) != 10)
		exit(1);
	show("10 bytes in, read end", fds[0]);
	/* fill it: 65536 bytes in all */
	char buf[4096];
	memset(buf, 'x', sizeof(buf));
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	long n = 10;
	ssize_t w;
	while ((w = write(fds[1], buf, sizeof(buf))) > 0)
		n += w;
	while ((w = write(fds[1], buf, 1)) > 0)
		n += w;
	printf("filled with %ld bytes\n", n);
	show("full pipe, write end", fds[1]);
	if (read(fds[0], buf, 4095) != 4095)
		exit(1);
	show("4095 bytes read, write end", fds[1]);
	if (read(fds[0], buf, 1) != 1)
		exit(1);
	show("4096 bytes read, write end", fds[1]);
	close(fds[1]);
	show("writer closed, bytes left", fds[0]);
	while (read(fds[0], buf, sizeof(buf)) > 0)
		;
	show("writer closed, drained", fds[0]);
	close(fds[0]);
	if (pipe(fds))
		exit(1);
	close(fds[0]);
	show("reader closed, write end", fds[1]);
	/* null writes and reads succeed, reader or not (no SIGPIPE) */
	signal(SIGPIPE, SIG_IGN);
	printf("null write with no reader: %zd\n", write(fds[1], buf, 0));
	w = write(fds[1], buf, 1);
	printf("write with no reader: %zd %s\n", w, strerror(errno));
	signal(SIGPIPE, SIG_DFL);
	close(fds[1]);
	if (pipe(fds))
		exit(1);
	printf("null read of an empty pipe: %zd\n", read(fds[0], buf, 0));
	/* a write's part short of a page joins the last buffer */
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	n = 0;
	while ((w = write(fds[1], buf, 100)) > 0)
		n += w;
	printf("100-byte writes: %ld bytes\n", n);
	if (read(fds[0], buf, 100) != 100)
		exit(1);
	printf("100 bytes read, write of 100: %zd, of 4096: %zd\n",
	       write(fds[1], buf, 100), write(fds[1], buf, 4096));
	close(fds[0]);
	close(fds[1]);
}

static void others(void)
{
	char name[] = "/tmp/pollingXXXXXX";
	int fd = mkstemp(name);
	unlink(name);
	show("regular file", fd);
	close(fd);
	fd = open("/dev/null", O_RDWR);
	show("/dev/null", fd);
	close(fd);
	fd = eventfd(0, 0);
	show("eventfd 0", fd);
	uint64_t v = 5;
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		exit(1);
	show("eventfd 5", fd);
	v = 0xfffffffffffffffeULL - 5;
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		exit(1);
	show("eventfd at its most", fd);
	close(fd);
	static const int types[] = {SOCK_STREAM, SOCK_SEQPACKET};
	for (int t = 0; t < 2; t++) {
		const char *kind = t ? "seqpacket" : "stream";
		int sv[2];
		if (socketpair(AF_UNIX, types[t], 0, sv))
			exit(1);
		printf("%s:\n", kind);
		show("  empty", sv[0]);
		if (write(sv[1], "hi", 2) != 2)
			exit(1);
		show("  2 bytes sent to it", sv[0]);
		char b[4];
		if (read(sv[0], b, sizeof(b)) != 2)
			exit(1);
		close(sv[1]);
		show("  peer closed", sv[0]);
		printf("  read: %zd\n", read(sv[0], b, sizeof(b)));
		close(sv[0]);
		/* the peer closes with bytes it has not read: ECONNRESET */
		if (socketpair(AF_UNIX, types[t], 0, sv))
			exit(1);
		if (write(sv[1], "ab", 2) != 2 || write(sv[0], "cd", 2) != 2)
			exit(1);
		close(sv[1]);
		show("  peer closed unread", sv[0]);
		for (int k = 0; k < 3; k++) {
			ssize_t r = read(sv[0], b, sizeof(b));
			printf("  read: %zd %s\n", r,
			       r < 0 ? strerror(errno) : "");
		}
		show("  then", sv[0]);
		close(sv[0]);
		if (socketpair(AF_UNIX, types[t], 0, sv))
			exit(1);
		if (write(sv[0], "cd", 2) != 2)
			exit(1);
		close(sv[1]);
		signal(SIGPIPE, SIG_IGN);
		for (int k = 0; k < 2; k++) {
			ssize_t r = write(sv[0], "x", 1);
			printf("  write: %zd %s\n", r,
			       r < 0 ? strerror(errno) : "");
		}
		signal(SIGPIPE, SIG_DFL);
		close(sv[0]);
	}
}

static void errors(void)
{
	int fds[2];
	if (pipe(fds))
		exit(1);
	struct pollfd p[3] = {
		{-1, POLLIN, 0x55}, {40, POLLIN, 0}, {fds[1], 0, 0}};
	int r = poll(p, 3, 0);
	printf("fd -1, closed fd 40, no events asked: %d %#x %#x %#x\n", r,
	       (unsigned)p[0].revents, (unsigned)p[1].revents,
	       (unsigned)p[2].revents);
	struct pollfd *volatile bad = (struct pollfd *)8;
	r = poll(bad, 1, 0);
	printf("poll of a bad address: %d %s\n", r, strerror(errno));
	struct rlimit rl = {64, 64};
	setrlimit(RLIMIT_NOFILE, &rl);
	static struct pollfd many[65];
	for (int i = 0; i < 65; i++)
		many[i].fd = -1;
	r = poll(many, 64, 0);
	printf("64 entries: %d\n", r);
	r = poll(many, 65, 0);
	printf("65 entries, over RLIMIT_NOFILE: %d %s\n", r, strerror(errno));
	fd_set in;
	FD_ZERO(&in);
	FD_SET(40, &in);
	struct timeval tv = {0, 0};
	r = select(41, &in, NULL, NULL, &tv);
	printf("select of a closed fd: %d %s\n", r, strerror(errno));
	r = select(-1, NULL, NULL, NULL, &tv);
	printf("select of -1 fds: %d %s\n", r, strerror(errno));
	tv.tv_usec = -1;
	r = select(0, NULL, NULL, NULL, &tv);
	printf("select with usec -1: %d %s\n", r, strerror(errno));
	struct timespec ts = {0, 1000000000};
	r = ppoll(NULL, 0, &ts, NULL);
	printf("ppoll with nsec 1000000000: %d %s\n", r, strerror(errno));
	r = (int)syscall(SYS_ppoll, NULL, 0, NULL, (sigset_t *)&rl, 4);
	printf("ppoll with a 4-byte mask: %d %s\n", r, strerror(errno));
	close(fds[0]);
	close(fds[1]);
}

static void selects(void)
{
	int a[2], b[2];
	if (pipe(a) || pipe(b))
		exit(1);
	if (write(b[1], "x", 1) != 1)
		exit(1);
	fd_set in, out, ex;
	FD_ZERO(&in);
	FD_ZERO(&out);
	FD_ZERO(&ex);
	FD_SET(a[0], &in);
	FD_SET(b[0], &in);
	FD_SET(a[1], &out);
	FD_SET(a[0], &ex);
	struct timeval tv = {5, 0};
	int r = select(b[1] + 1, &in, &out, &ex, &tv);
	printf("select: %d, a readable %d, b readable %d, a writable %d, a "
	       "exceptional %d, time left in (4 s, 5 s]: %d\n",
	       r, FD_ISSET(a[0], &in), FD_ISSET(b[0], &in),
	       FD_ISSET(a[1], &out), FD_ISSET(a[0], &ex),
	       tv.tv_sec * 1000000L + tv.tv_usec > 4000000 &&
		       tv.tv_sec * 1000000L + tv.tv_usec <= 5000000);
	/* usec past a second carries, not EINVAL */
	FD_ZERO(&in);
	FD_SET(b[0], &in);
	tv.tv_sec = 0;
	tv.tv_usec = 1000000;
	r = select(b[0] + 1, &in, NULL, NULL, &tv);
	printf("select with usec 1000000: %d\n", r);
	/* nothing ready: the time runs out, and none is left */
	FD_ZERO(&in);
	FD_SET(a[0], &in);
	tv.tv_sec = 0;
	tv.tv_usec = 20000;
	long t0 = now_us();
	r = select(a[0] + 1, &in, NULL, NULL, &tv);
	long spent = now_us() - t0;
	printf("select, 20 ms, nothing ready: %d, set %d, left %ld.%06ld, "
	       "waited 20 ms: %d\n",
	       r, FD_ISSET(a[0], &in), (long)tv.tv_sec, (long)tv.tv_usec,
	       spent >= 20000);
	if (exact)
		printf("exact: select waited %ld us\n", spent);
	struct timespec ts = {0, 30000000};
	struct pollfd p = {a[0], POLLIN, 0};
	t0 = now_us();
	r = ppoll(&p, 1, &ts, NULL);
	spent = now_us() - t0;
	printf("ppoll, 30 ms, nothing ready: %d, left %ld.%09ld, waited 30 "
	       "ms: %d\n",
	       r, (long)ts.tv_sec, ts.tv_nsec, spent >= 30000);
	t0 = now_us();
	r = poll(NULL, 0, 40);
	spent = now_us() - t0;
	printf("poll(NULL, 0, 40): %d, waited 40 ms: %d\n", r, spent >= 40000);
	if (exact)
		printf("exact: poll waited %ld us\n", spent);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	handled = sig;
}

static int blocked(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig);
}

static void masks(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigset_t usr, none;
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigaddset(&usr, SIGUSR2);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &usr, NULL);
	int fds[2];
	if (pipe(fds))
		exit(1);
	raise(SIGUSR1);
	fd_set in;
	FD_ZERO(&in);
	FD_SET(fds[0], &in);
	int r = pselect(fds[0] + 1, &in, NULL, NULL, NULL, &none);
	printf("pselect, SIGUSR1 pending, unblocked by its mask: %d %s, "
	       "handled %d, blocked after %d\n",
	       r, strerror(errno), handled, blocked(SIGUSR1));
	handled = 0;
	raise(SIGUSR2);
	struct pollfd p = {fds[0], POLLIN, 0};
	r = ppoll(&p, 1, NULL, &none);
	printf("ppoll, SIGUSR2 pending, unblocked by its mask: %d %s, handled "
	       "%d, blocked after %d\n",
	       r, strerror(errno), handled, blocked(SIGUSR2));
	handled = 0;
	/* a pending signal its mask keeps blocked: the call goes on */
	raise(SIGUSR1);
	struct timespec ts = {0, 0};
	r = ppoll(&p, 1, &ts, &usr);
	printf("ppoll, its mask blocking SIGUSR1: %d, handled %d\n", r,
	       handled);
	sigprocmask(SIG_UNBLOCK, &usr, NULL);
	printf("unblocked: handled %d\n", handled);
	handled = 0;
	/* a timer ends an endless poll: EINTR even with SA_RESTART */
	struct itimerval it = {{0, 0}, {0, 10000}};
	setitimer(ITIMER_REAL, &it, NULL);
	r = poll(&p, 1, -1);
	printf("poll, endless, SIGALRM: %d %s, handled %d\n", r,
	       strerror(errno), handled);
	handled = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	FD_ZERO(&in);
	FD_SET(fds[0], &in);
	r = select(fds[0] + 1, &in, NULL, NULL, NULL);
	printf("select, endless, SIGALRM: %d %s, handled %d\n", r,
	       strerror(errno), handled);
	close(fds[0]);
	close(fds[1]);
}

/* Waits another process ends: a child writes to one of two pipes after
 * a sleep, then - once the parent has seen that (pipe go: not a second
 * sleep, which a busy host may outlast) - exits and so closes its write
 * end of the other. */
static void children(void)
{
	int a[2], b[2], go[2];
	if (pipe(a) || pipe(b) || pipe(go))
		exit(1);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(a[0]);
		close(b[0]);
		close(go[1]);
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
		char g;
		if (write(b[1], "x", 1) != 1 || read(go[0], &g, 1) != 1)
			_exit(1);
		nanosleep(&ts, NULL);
		_exit(0);
	}
	close(a[1]);
	close(b[1]);
	close(go[0]);
	struct pollfd p[2] = {{a[0], POLLIN, 0}, {b[0], POLLIN, 0}};
	int r = poll(p, 2, -1);
	printf("poll until the child writes: %d, a %#x, b %#x\n", r,
	       (unsigned)p[0].revents, (unsigned)p[1].revents);
	char c;
	if (read(b[0], &c, 1) != 1 || write(go[1], "g", 1) != 1)
		exit(1);
	close(go[1]);
	fd_set in;
	FD_ZERO(&in);
	FD_SET(a[0], &in);
	struct timeval tv = {10, 0};
	r = select(a[0] + 1, &in, NULL, NULL, &tv);
	printf("select until the child exits: %d, a readable %d\n", r,
	       FD_ISSET(a[0], &in));
	p[0].revents = 0;
	r = poll(p, 1, 0);
	printf("then a: %d %#x, read %zd\n", r, (unsigned)p[0].revents,
	       read(a[0], &c, 1));
	int status;
	waitpid(pid, &status, 0);
	printf("child exit %d\n", WEXITSTATUS(status));
	close(a[0]);
	close(b[0]);
}

int main(int argc, char **argv)
{
	exact = argc > 1 && !strcmp(argv[1], "exact");
	setvbuf(stdout, NULL, _IONBF, 0);
	pipes();
	others();
	errors();
	selects();
	masks();
	children();
	return 0;
}
