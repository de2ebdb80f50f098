#define _GNU_SOURCE
/* getrusage per process and thread, wait4's rusage and /proc/self/stat's
 * fault and time fields (docs/processes.md, "Resource usage").  With no
 * argument it prints what holds on Linux too (relations between the
 * counts); "exact" prints the counts themselves, which memu makes the
 * same on every run.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static int exact;

static void touch(size_t pages)
{
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(98);
	for (size_t i = 0; i < pages; i++)
		p[i * PAGE] = 1;
}

static long usec(struct timeval tv)
{
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

static struct rusage ru(int who)
{
	struct rusage r;
	memset(&r, 0xff, sizeof(r));
	if (getrusage(who, &r))
		printf("getrusage(%d): %s\n", who, strerror(errno));
	return r;
}

/* /proc/self/stat's fields 10 to 17: minflt cminflt majflt cmajflt
 * utime stime cutime cstime. */
static void stat_fields_of(const char *path, long f[8])
{
	char buf[1024] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	char *s = n > 0 ? strrchr(buf, ')') : NULL;
	for (int i = 0; i < 8; i++)
		f[i] = -1;
	if (!s)
		return;
	/* ") S ppid pgrp session tty tpgid flags minflt ..." */
	s += 2;
	for (int field = 3; field < 10 && s; field++)
		s = strchr(s, ' ') ? strchr(s, ' ') + 1 : NULL;
	for (int i = 0; i < 8 && s; i++) {
		f[i] = strtol(s, &s, 10);
		s++;
	}
}

static void stat_fields(long f[8])
{
	stat_fields_of("/proc/self/stat", f);
}

/* A child that writes pages pages (and, with grand, has a child of its
 * own write grand pages, reaped): its RUSAGE_SELF as it exits. */
static pid_t spawn(size_t pages, size_t grand, int fd)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid)
		return pid;
	if (grand) {
		pid_t g = fork();
		if (g == 0) {
			touch(grand);
			_exit(0);
		}
		waitpid(g, NULL, 0);
	}
	touch(pages);
	/* No page touched for the first time after the count: the same
	 * calls once before it. */
	static struct rusage r[2];
	getrusage(RUSAGE_CHILDREN, &r[1]);
	getrusage(RUSAGE_SELF, &r[0]);
	getrusage(RUSAGE_CHILDREN, &r[1]);
	if (write(fd, r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

static void children(void)
{
	int fds[2];
	if (pipe(fds))
		exit(1);
	struct rusage before = ru(RUSAGE_CHILDREN);
	pid_t pid = spawn(100, 0, fds[1]);
	struct rusage self[2], waited;
	int status;
	if (read(fds[0], self, sizeof(self)) != sizeof(self) ||
	    wait4(pid, &status, 0, &waited) != pid)
		exit(1);
	struct rusage after = ru(RUSAGE_CHILDREN);
	long grew = after.ru_minflt - before.ru_minflt;
	printf("child wrote 100 pages: minflt >= 100 %d\n",
	       self[0].ru_minflt >= 100);
	printf("RUSAGE_CHILDREN minflt grew by the child's own: %d\n",
	       grew == self[0].ru_minflt);
	printf("wait4's rusage minflt is the child's: %d, majflt %ld\n",
	       waited.ru_minflt == self[0].ru_minflt, waited.ru_majflt);
	printf("RUSAGE_CHILDREN utime grew at least by the child's: %d\n",
	       usec(after.ru_utime) - usec(before.ru_utime) >=
		       usec(self[0].ru_utime));
	printf("the child's time is not nothing: %d\n",
	       usec(self[0].ru_utime) + usec(self[0].ru_stime) > 0);
	if (exact)
		printf("exact: child minflt %ld utime %ld us stime %ld us "
		       "maxrss %ld; children minflt %ld utime %ld us stime "
		       "%ld us maxrss %ld\n",
		       self[0].ru_minflt, usec(self[0].ru_utime),
		       usec(self[0].ru_stime), self[0].ru_maxrss,
		       after.ru_minflt, usec(after.ru_utime),
		       usec(after.ru_stime), after.ru_maxrss);

	/* A grandchild reaped by the child counts for the child's
	 * children, and both for ours once we reap the child. */
	before = after;
	pid = spawn(50, 200, fds[1]);
	if (read(fds[0], self, sizeof(self)) != sizeof(self) ||
	    wait4(pid, &status, 0, &waited) != pid)
		exit(1);
	after = ru(RUSAGE_CHILDREN);
	grew = after.ru_minflt - before.ru_minflt;
	printf("grandchild in the child's children: %d\n",
	       self[1].ru_minflt >= 200);
	printf("our children grew by the child's own and its children's: "
	       "%d\n",
	       grew == self[0].ru_minflt + self[1].ru_minflt);
	printf("wait4's rusage is both: %d\n",
	       waited.ru_minflt == self[0].ru_minflt + self[1].ru_minflt);
	if (exact)
		printf("exact: child minflt %ld, its children's %ld; ours "
		       "grew %ld, wait4's %ld\n",
		       self[0].ru_minflt, self[1].ru_minflt, grew,
		       waited.ru_minflt);

	long f[8];
	stat_fields(f);
	printf("/proc/self/stat cminflt is RUSAGE_CHILDREN's: %d, "
	       "cmajflt %ld\n",
	       f[1] == after.ru_minflt, f[3]);
	printf("/proc/self/stat cutime is RUSAGE_CHILDREN's in ticks: %d\n",
	       f[6] == usec(after.ru_utime) / 10000);
	printf("/proc/self/stat cstime is RUSAGE_CHILDREN's in ticks: %d\n",
	       f[7] == usec(after.ru_stime) / 10000);
	if (exact)
		printf("exact: stat minflt %ld cminflt %ld utime %ld stime %ld "
		       "cutime %ld cstime %ld\n",
		       f[0], f[1], f[4], f[5], f[6], f[7]);

	/* waitid with WNOWAIT leaves it unreaped: not counted yet. */
	before = after;
	pid = spawn(30, 0, fds[1]);
	if (read(fds[0], self, sizeof(self)) != sizeof(self))
		exit(1);
	siginfo_t si;
	waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	after = ru(RUSAGE_CHILDREN);
	printf("WNOWAIT: not counted %d\n",
	       after.ru_minflt == before.ru_minflt);
	waitpid(pid, &status, 0);
	after = ru(RUSAGE_CHILDREN);
	printf("reaped: counted %d\n",
	       after.ru_minflt - before.ru_minflt == self[0].ru_minflt);

	/* A child nobody waits for (SIGCHLD ignored): never counted. */
	before = after;
	signal(SIGCHLD, SIG_IGN);
	pid = spawn(30, 0, fds[1]);
	if (read(fds[0], self, sizeof(self)) != sizeof(self))
		exit(1);
	int w = (int)waitpid(pid, &status, 0);
	printf("autoreaped: wait %d %s\n", w, strerror(errno));
	signal(SIGCHLD, SIG_DFL);
	after = ru(RUSAGE_CHILDREN);
	printf("autoreaped: not counted %d\n",
	       after.ru_minflt == before.ru_minflt);
	close(fds[0]);
	close(fds[1]);
}

/* /proc/self/status's voluntary_ctxt_switches and
 * nonvoluntary_ctxt_switches: the main thread's own. */
static void status_switches(long *vol, long *invol)
{
	char buf[4096] = "";
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	*vol = *invol = -1;
	char *v = n > 0 ? strstr(buf, "\nvoluntary_ctxt_switches:") : NULL;
	char *i = n > 0 ? strstr(buf, "\nnonvoluntary_ctxt_switches:") : NULL;
	if (v)
		*vol = atol(strchr(v, ':') + 1);
	if (i)
		*invol = atol(strchr(i, ':') + 1);
}

/* Whether the process pid sleeps (stat's state S). */
static int asleep(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] == 'S';
}

/* Context switches: waiting for a child that sleeps gives the CPU up
 * (voluntary); status shows the main thread's counts, RUSAGE_THREAD's.
 * The child ends once its parent waits (a busy host may hold the parent
 * off longer than any sleep). */
static void switches(void)
{
	struct rusage before = ru(RUSAGE_SELF);
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
		for (int i = 0; i < 100000 && !asleep(getppid()); i++)
			nanosleep(&ts, NULL);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	struct rusage after = ru(RUSAGE_SELF), children = ru(RUSAGE_CHILDREN);
	printf("waiting for a sleeping child: voluntary switch %d\n",
	       after.ru_nvcsw > before.ru_nvcsw);
	printf("the sleeping child's voluntary switches counted: %d\n",
	       children.ru_nvcsw >= 1);
	struct rusage thread = ru(RUSAGE_THREAD);
	long vol, invol;
	status_switches(&vol, &invol);
	printf("status voluntary_ctxt_switches is RUSAGE_THREAD's: %d\n",
	       vol == thread.ru_nvcsw);
	if (exact)
		printf("exact: nvcsw %ld -> %ld nivcsw %ld -> %ld; children "
		       "nvcsw %ld nivcsw %ld; status %ld %ld\n",
		       before.ru_nvcsw, after.ru_nvcsw, before.ru_nivcsw,
		       after.ru_nivcsw, children.ru_nvcsw, children.ru_nivcsw,
		       vol, invol);
}

/* Sleeping alone: the time slept is nobody's, going to sleep is a
 * voluntary switch. */
static void sleeping(void)
{
	struct rusage before = ru(RUSAGE_SELF);
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL);
	struct rusage after = ru(RUSAGE_SELF);
	long t = usec(after.ru_utime) + usec(after.ru_stime) -
		 usec(before.ru_utime) - usec(before.ru_stime);
	printf("sleeping 50 ms: a voluntary switch %d, not 50 ms of time "
	       "%d\n",
	       after.ru_nvcsw > before.ru_nvcsw, t < 25000);
	if (exact)
		printf("exact: sleeping nvcsw %ld time %ld us\n",
		       after.ru_nvcsw - before.ru_nvcsw, t);
}

static volatile unsigned long spun;

static void *spinner(void *arg)
{
	for (unsigned long i = 0; i < (unsigned long)arg; i++)
		spun++;
	return NULL;
}

/* Two threads that never block share the CPU by time slices: each end
 * of a slice preempts one (involuntary) and is user time. */
static void preempted(void)
{
	struct rusage before = ru(RUSAGE_SELF);
	pthread_t t;
	if (pthread_create(&t, NULL, spinner, (void *)2000000UL))
		exit(1);
	spinner((void *)2000000UL);
	pthread_join(t, NULL);
	struct rusage after = ru(RUSAGE_SELF);
	/* Linux splits its time by ticks: the sum grows, not always
	 * its user part. */
	printf("spinning: time grew %d\n",
	       usec(after.ru_utime) + usec(after.ru_stime) >
		       usec(before.ru_utime) + usec(before.ru_stime));
	if (exact)
		printf("exact: spinning nivcsw %ld utime %ld us\n",
		       after.ru_nivcsw - before.ru_nivcsw,
		       usec(after.ru_utime) - usec(before.ru_utime));
}

static struct rusage thread_ru;
static long thread_stat[8];

static void *thread_main(void *arg)
{
	(void)arg;
	touch(64);
	/* task/TID/stat (thread-self) is the thread's own minflt, as
	 * RUSAGE_THREAD; read once first so that its stack is there */
	stat_fields_of("/proc/thread-self/stat", thread_stat);
	thread_ru = ru(RUSAGE_THREAD);
	stat_fields_of("/proc/thread-self/stat", thread_stat);
	return NULL;
}

static void threads(void)
{
	struct rusage self0 = ru(RUSAGE_SELF);
	struct rusage main0 = ru(RUSAGE_THREAD);
	pthread_t t;
	if (pthread_create(&t, NULL, thread_main, NULL) ||
	    pthread_join(t, NULL))
		exit(1);
	struct rusage self1 = ru(RUSAGE_SELF);
	struct rusage main1 = ru(RUSAGE_THREAD);
	printf("the thread's own: minflt >= 64 %d\n",
	       thread_ru.ru_minflt >= 64);
	printf("RUSAGE_SELF counts the thread's: %d\n",
	       self1.ru_minflt - self0.ru_minflt >= thread_ru.ru_minflt);
	printf("the main thread's does not: %d\n",
	       main1.ru_minflt - main0.ru_minflt < 64);
	printf("task/TID/stat minflt is the thread's RUSAGE_THREAD: %d\n",
	       thread_stat[0] == thread_ru.ru_minflt);
	/* the main thread's task/TID/stat: its own, not the process's */
	char path[64];
	long f[8], g[8];
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", getpid());
	stat_fields_of(path, f);
	stat_fields(g);
	main1 = ru(RUSAGE_THREAD);
	self1 = ru(RUSAGE_SELF);
	stat_fields_of(path, f);
	stat_fields(g);
	printf("the main thread's task/TID/stat is its RUSAGE_THREAD: %d, "
	       "/proc/self/stat RUSAGE_SELF's: %d\n",
	       f[0] == main1.ru_minflt, g[0] == self1.ru_minflt);
	if (exact)
		printf("exact: thread minflt %ld; self grew %ld, main "
		       "thread's %ld; task/TID/stat %ld, main's %ld, "
		       "stat %ld\n",
		       thread_ru.ru_minflt, self1.ru_minflt - self0.ru_minflt,
		       main1.ru_minflt - main0.ru_minflt, thread_stat[0], f[0],
		       g[0]);
	printf("RUSAGE_BOTH (-2): %s\n",
	       getrusage(-2, &self1) ? strerror(errno) : "ok");
	printf("who 5: %s\n", getrusage(5, &self1) ? strerror(errno) : "ok");
}

int main(int argc, char **argv)
{
	exact = argc > 1 && !strcmp(argv[1], "exact");
	setvbuf(stdout, NULL, _IONBF, 0);
	children();
	threads();
	switches();
	sleeping();
	preempted();
	return 0;
}
