#define _GNU_SOURCE
/* timerfd as Linux 6.1 has it (docs/files.md, "timerfd"): the errnos,
 * one-shot and periodic timers read blocking and not, the periods a
 * late read counts, settime's old value, a setting that resets the
 * ticks, poll and select woken by the expiry, a child blocked on a
 * timer, the realtime clock, lseek, and the /proc/self/fd link and
 * fdinfo lines.  Everything printed is the same on Linux on every run;
 * "exact" adds the times themselves, memu's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000L

static int exact;

static void say_errno(const char *what, long r)
{
	printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static struct itimerspec spec(long value_ns, long interval_ns)
{
	struct itimerspec s = {
		{interval_ns / 1000000000L, interval_ns % 1000000000L},
		{value_ns / 1000000000L, value_ns % 1000000000L}};
	return s;
}

static long ns(struct timespec t)
{
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

static long read_ticks(int fd)
{
	uint64_t v = 0;
	ssize_t r = read(fd, &v, sizeof(v));
	return r == sizeof(v) ? (long)v : -errno;
}

static void errors(void)
{
	say_errno("create CLOCK_PROCESS_CPUTIME_ID",
		  timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
	say_errno("create with flag 1", timerfd_create(CLOCK_MONOTONIC, 1));
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	printf("flags: %#x, FD_CLOEXEC %d\n", fcntl(fd, F_GETFL),
	       fcntl(fd, F_GETFD));
	struct itimerspec s = spec(0, 0), old;
	say_errno("gettime of a new timer", timerfd_gettime(fd, &old));
	printf("  %ld %ld\n", ns(old.it_value), ns(old.it_interval));
	say_errno("settime flag 4", timerfd_settime(fd, 4, &s, NULL));
	s.it_value.tv_nsec = 1000000000L;
	say_errno("settime nsec 10^9", timerfd_settime(fd, 0, &s, NULL));
	s.it_value.tv_nsec = 0;
	s.it_interval.tv_sec = -1;
	say_errno("settime interval -1 s", timerfd_settime(fd, 0, &s, NULL));
	say_errno("settime of a bad address",
		  timerfd_settime(fd, 0, (struct itimerspec *)8, NULL));
	int p[2];
	if (pipe(p))
		exit(1);
	s = spec(MS, 0);
	say_errno("settime of a pipe", timerfd_settime(p[0], 0, &s, NULL));
	say_errno("gettime of a pipe", timerfd_gettime(p[0], &old));
	say_errno("settime of fd 40", timerfd_settime(40, 0, &s, NULL));
	close(p[0]);
	close(p[1]);
	printf("read, not due, non-blocking: %ld\n", read_ticks(fd));
	char small[8] = "";
	say_errno("read of 4 bytes", read(fd, small, 4));
	say_errno("write", write(fd, small, 8));
	say_errno("lseek", lseek(fd, 100, SEEK_SET));
	say_errno("pread", pread(fd, small, 8, 0));
	close(fd);
}

static void reads(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec s = spec(20 * MS, 0), old, cur;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	timerfd_settime(fd, 0, &s, NULL);
	long ticks = read_ticks(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("one-shot 20 ms, blocking read: %ld, waited 20 ms: %d\n", ticks,
	       ns(t1) - ns(t0) >= 20 * MS);
	if (exact)
		printf("exact: waited %ld ns\n", ns(t1) - ns(t0));
	timerfd_gettime(fd, &cur);
	printf("after it: value %ld interval %ld\n", ns(cur.it_value),
	       ns(cur.it_interval));
	struct pollfd pf = {fd, POLLIN, 0};
	printf("poll, nothing due: %d\n", poll(&pf, 1, 0));

	/* an absolute start 2.5 s ago, every second: 3 periods so far (on
	 * the realtime clock: memu's monotonic one starts at the guest's
	 * start, Linux's at boot) */
	close(fd);
	fd = timerfd_create(CLOCK_REALTIME, 0);
	pf.fd = fd;
	clock_gettime(CLOCK_REALTIME, &t0);
	s = spec(ns(t0) - 2500 * MS, 1000 * MS);
	say_errno("settime, absolute",
		  timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, &old));
	printf("settime's old value: %ld %ld\n", ns(old.it_value),
	       ns(old.it_interval));
	printf("started 2.5 s ago, every second: read %ld\n", read_ticks(fd));
	timerfd_gettime(fd, &cur);
	printf("then: interval %ld, value in (0, 0.5 s]: %d\n",
	       ns(cur.it_interval),
	       ns(cur.it_value) > 0 && ns(cur.it_value) <= 500 * MS);
	if (exact)
		printf("exact: value %ld\n", ns(cur.it_value));
	/* a tick pending, set again: the ticks start over */
	s = spec(1, 0);
	timerfd_settime(fd, 0, &s, NULL);
	while (poll(&pf, 1, -1) != 1)
		;
	s = spec(1000 * MS, 0);
	timerfd_settime(fd, 0, &s, &old);
	printf("old value of a one-shot that fired: %ld\n", ns(old.it_value));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	printf("set again with a tick pending, read: %ld\n", read_ticks(fd));
	timerfd_settime(fd, 0, &s, NULL);
	s = spec(0, 0);
	timerfd_settime(fd, 0, &s, &old);
	printf("disarmed: old value in (0.9 s, 1 s]: %d\n",
	       ns(old.it_value) > 900 * MS && ns(old.it_value) <= 1000 * MS);
	timerfd_gettime(fd, &cur);
	printf("disarmed: value %ld\n", ns(cur.it_value));
	close(fd);
}

static void waits(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec s = spec(20 * MS, 0);
	timerfd_settime(fd, 0, &s, NULL);
	struct pollfd pf = {fd, POLLIN, 0};
	int r = poll(&pf, 1, -1);
	printf("poll, endless, a 20 ms timer: %d %#x, read %ld\n", r,
	       (unsigned)pf.revents, read_ticks(fd));
	timerfd_settime(fd, 0, &s, NULL);
	fd_set in;
	FD_ZERO(&in);
	FD_SET(fd, &in);
	struct timeval tv = {10, 0};
	r = select(fd + 1, &in, NULL, NULL, &tv);
	printf("select, 10 s, a 20 ms timer: %d, set %d\n", r,
	       FD_ISSET(fd, &in));
	read_ticks(fd);
	/* a 100 ms poll with a 20 ms timer that is not asked for POLLIN */
	timerfd_settime(fd, 0, &s, NULL);
	pf.events = POLLOUT;
	pf.revents = 0;
	r = poll(&pf, 1, 100);
	printf("poll for POLLOUT only: %d %#x\n", r, (unsigned)pf.revents);
	/* a child blocks on the timer the parent set */
	s = spec(30 * MS, 0);
	timerfd_settime(fd, 0, &s, NULL);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit((int)read_ticks(fd));
	int status;
	waitpid(pid, &status, 0);
	printf("a child's blocking read: exit %d\n", WEXITSTATUS(status));
	close(fd);
	/* the realtime clock, absolute */
	fd = timerfd_create(CLOCK_REALTIME, 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long at = ns(now) + 20 * MS;
	s = spec(at, 0);
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, NULL);
	long ticks = read_ticks(fd);
	clock_gettime(CLOCK_REALTIME, &now);
	printf("CLOCK_REALTIME, absolute: %ld, on time: %d\n", ticks,
	       ns(now) >= at);
	close(fd);
}

static void proc(void)
{
	int fd = timerfd_create(CLOCK_BOOTTIME, 0);
	struct itimerspec s = spec(1000 * MS, 250 * MS);
	timerfd_settime(fd, TFD_TIMER_CANCEL_ON_SET, &s, NULL);
	char path[64], link[64] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (readlink(path, link, sizeof(link) - 1) < 0)
		strcpy(link, strerror(errno));
	printf("link: %s\n", link);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	char buf[512] = "";
	int in = open(path, O_RDONLY);
	ssize_t n = read(in, buf, sizeof(buf) - 1);
	close(in);
	buf[n > 0 ? n : 0] = '\0';
	/* the lines that do not depend on when it runs */
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		if (exact ||
		    (strncmp(l, "pos:", 4) && strncmp(l, "mnt_id:", 7) &&
		     strncmp(l, "ino:", 4) && strncmp(l, "it_value:", 9)))
			printf("fdinfo: %s\n", l);
	close(fd);
}

int main(int argc, char **argv)
{
	exact = argc > 1 && !strcmp(argv[1], "exact");
	setvbuf(stdout, NULL, _IONBF, 0);
	errors();
	reads();
	waits();
	proc();
	return 0;
}
