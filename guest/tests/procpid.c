/* /proc/PID of other processes and threads (docs/processes.md, "/proc").
 *
 *   procpid          a child's status, stat, maps, cmdline, comm and
 *                    pagemap read by its parent; the parent's own task/
 *                    directory with a second thread; a zombie's files,
 *                    then the same files read after it is reaped.  Every
 *                    line is one Linux prints the same (pids are shown
 *                    as who they are: "child", "self", "tid"), for
 *                    tests/procpid_test.c to compare with the host's.
 *   procpid leader   main leaves with pthread_exit: its other thread
 *                    reads the zombie leader's status, stat and maps
 *                    through /proc/self, and its own through
 *                    /proc/thread-self (compared with the host's).
 *   procpid list     memu only: the names /proc lists, with a child
 *                    alive, a zombie, and once reaped.
 *   procpid pagemap  memu only: the frame the child's page is in, by
 *                    /proc/CHILD/pagemap, before a probe (tag 1) at which
 *                    the test asks memu_rmap whose it is.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memu_guest.h"

#define CHILD_PAGE 0x10000000UL /* the child's two pages, at a fixed place */

static pid_t self, child, tid;

/* A number as who it is. */
static const char *who(long n)
{
	static char buf[4][32];
	static int k;
	char *b = buf[k++ % 4];
	if (n == self)
		return "self";
	if (child && n == child)
		return "child";
	if (tid && n == tid)
		return "tid";
	if (n == getppid())
		return "parent";
	snprintf(b, 32, "%ld", n);
	return b;
}

/* The whole of a file, NUL-ended (static); its length, or -errno. */
static long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	long len = 0, n;
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	int e = errno;
	close(fd);
	buf[len] = '\0';
	return n < 0 ? -e : len;
}

static const char *field(const char *text, const char *name)
{
	static char v[256];
	size_t n = strlen(name);
	for (const char *l = text; l && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, name, n) && l[n] == ':') {
			const char *s = l + n + 1;
			while (*s == '\t' || *s == ' ')
				s++;
			size_t k = strcspn(s, "\n");
			snprintf(v, sizeof(v), "%.*s", (int)k, s);
			return v;
		}
	return NULL;
}

/* status: the fields every Linux shows alike for this task. */
static void show_status(const char *label, const char *path)
{
	static char buf[8192];
	long n = slurp(path, buf, sizeof(buf));
	if (n < 0) {
		printf("%s status: errno %ld\n", label, -n);
		return;
	}
	const char *name = field(buf, "Name");
	printf("%s status: Name %s", label, name ? name : "-");
	const char *state = field(buf, "State");
	printf(", State %s", state ? state : "-");
	static const char *const ids[] = {"Tgid", "Pid", "PPid"};
	for (int i = 0; i < 3; i++) {
		const char *v = field(buf, ids[i]);
		printf(", %s %s", ids[i], v ? who(atol(v)) : "-");
	}
	const char *thr = field(buf, "Threads");
	printf(", Threads %s", thr ? thr : "-");
	const char *fds = field(buf, "FDSize");
	printf(", FDSize %s", fds ? (atol(fds) ? "some" : "0") : "-");
	printf(", Umask %s, VmRSS %s, SigQ %s\n",
	       field(buf, "Umask") ? "yes" : "no",
	       field(buf, "VmRSS") ? "yes" : "no",
	       field(buf, "SigQ") ? "yes" : "no");
}

/* stat: pid, comm, state, ppid, num_threads, vsize > 0, startcode > 0,
 * exit_code. */
static void show_stat(const char *label, const char *path)
{
	static char buf[4096];
	long n = slurp(path, buf, sizeof(buf));
	if (n < 0) {
		printf("%s stat: errno %ld\n", label, -n);
		return;
	}
	char *open_ = strchr(buf, '('), *close_ = strrchr(buf, ')');
	if (!open_ || !close_) {
		printf("%s stat: bad\n", label);
		return;
	}
	*close_ = '\0';
	long pid = atol(buf);
	unsigned long long f[64] = {0};
	int nf = 3; /* f[3] is field 3, the state's index */
	char state = close_[2];
	char *s = close_ + 3;
	while (*s && nf < 63) {
		while (*s == ' ')
			s++;
		if (!*s || *s == '\n')
			break;
		f[++nf] = strtoull(s, &s, 10);
	}
	printf("%s stat: %s (%s) %c ppid %s threads %llu vsize %s startcode "
	       "%s exit_code %llu fields %d\n",
	       label, who(pid), open_ + 1, state, who((long)f[4]), f[20],
	       f[23] ? "set" : "0", f[26] ? "set" : "0", f[52], nf);
}

/* The maps line of the child's pages, and how many lines there are. */
static void show_maps(const char *label, const char *path)
{
	static char buf[65536];
	long n = slurp(path, buf, sizeof(buf));
	if (n < 0) {
		printf("%s maps: errno %ld\n", label, -n);
		return;
	}
	int lines = 0;
	const char *found = NULL;
	for (const char *l = buf; *l; l = strchr(l, '\n') + 1) {
		lines++;
		if (!strncmp(l, "10000000-", 9))
			found = l;
		if (!strchr(l, '\n'))
			break;
	}
	printf("%s maps: %s, %s", label, lines ? "lines" : "empty",
	       found ? "" : "no child page\n");
	if (found)
		printf("%.*s\n", (int)strcspn(found, "\n"), found);
}

static void show_bytes(const char *label, const char *path)
{
	static char buf[8192];
	long n = slurp(path, buf, sizeof(buf));
	if (n < 0) {
		printf("%s: errno %ld\n", label, -n);
		return;
	}
	for (long i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	printf("%s: %ld bytes%s%.*s\n", label, n, n ? ": " : "",
	       (int)strcspn(buf, "\n"), buf);
}

/* The pagemap entry of va in pid's address space. */
static uint64_t pagemap_entry(pid_t pid, uint64_t va, long *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	int fd = open(path, O_RDONLY);
	uint64_t e = 0;
	*err = 0;
	if (fd < 0) {
		*err = errno;
		return 0;
	}
	long n = pread(fd, &e, 8, (off_t)(va / 4096 * 8));
	if (n != 8)
		*err = n < 0 ? errno : -1 - n; /* -1: nothing read */
	close(fd);
	return e;
}

static int sync_pipe[2], hold_pipe[2];
static int child_code; /* the child's exit status */

/* The child: names itself, writes its pages, says so, and waits. */
static void child_main(void)
{
	prctl(PR_SET_NAME, "kid");
	char *p = mmap((void *)CHILD_PAGE, 2 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		_exit(9);
	p[0] = 1;
	char c = 'r';
	if (write(sync_pipe[1], &c, 1) != 1)
		_exit(8);
	/* blocked until the parent closes its end: sleeping */
	while (read(hold_pipe[0], &c, 1) > 0)
		;
	_exit(child_code);
}

static pid_t fork_child(void)
{
	if (pipe(sync_pipe) || pipe(hold_pipe))
		exit(2);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		exit(3);
	if (pid == 0) {
		close(hold_pipe[1]);
		child_main();
	}
	close(hold_pipe[0]);
	char c;
	if (read(sync_pipe[0], &c, 1) != 1)
		exit(4);
	return pid;
}

/* The state of pid, as stat has it. */
static char state_of(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (slurp(path, buf, sizeof(buf)) <= 0 || !strrchr(buf, ')'))
		return '?';
	return strrchr(buf, ')')[2];
}

/* Until pid's state is want (a native task may not be asleep yet). */
static void await_state(pid_t pid, char want)
{
	for (int i = 0; i < 10000 && state_of(pid) != want; i++) {
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
}

static int thread_pipe[2], thread_ready[2];

static void *thread_main(void *arg)
{
	(void)arg;
	pid_t me = (pid_t)syscall(SYS_gettid);
	if (write(thread_ready[1], &me, sizeof(me)) != sizeof(me))
		return NULL;
	static char buf[8192];
	/* its own view through /proc/thread-self */
	long n = slurp("/proc/thread-self/status", buf, sizeof(buf));
	const char *pid = n > 0 ? field(buf, "Pid") : NULL;
	int mine = pid && atol(pid) == me;
	/* and through /proc/self: its process's directory, the leader's */
	n = slurp("/proc/self/status", buf, sizeof(buf));
	pid = n > 0 ? field(buf, "Pid") : NULL;
	mine |= (pid && atol(pid) == getpid()) << 1;
	if (write(thread_ready[1], &mine, sizeof(mine)) != sizeof(mine))
		return NULL;
	char c;
	while (read(thread_pipe[0], &c, 1) > 0)
		;
	return NULL;
}

static int by_number(const void *a, const void *b)
{
	return *(const long *)a < *(const long *)b   ? -1
	       : *(const long *)a > *(const long *)b ? 1
						     : 0;
}

/* The parent's task/ directory with its second thread. */
static void threads(void)
{
	pthread_t th;
	if (pipe(thread_pipe) || pipe(thread_ready) ||
	    pthread_create(&th, NULL, thread_main, NULL))
		exit(5);
	int mine = 0;
	if (read(thread_ready[0], &tid, sizeof(tid)) != sizeof(tid) ||
	    read(thread_ready[0], &mine, sizeof(mine)) != sizeof(mine))
		exit(6);
	printf("thread-self status of the thread: Pid is its tid: %d\n",
	       mine & 1);
	printf("self status of the thread: Pid is the tgid: %d\n", mine >> 1);
	char path[128];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", self, tid);
	await_state(tid, 'S');
	long names[8];
	int n = 0;
	DIR *d = opendir("/proc/self/task");
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.' && n < 8)
			names[n++] = atol(e->d_name);
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_number);
	printf("task/:");
	for (int i = 0; i < n; i++)
		printf(" %s", who(names[i]));
	printf("\n");
	show_status("self", "/proc/self/status");
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", self);
	show_status("task/self", path);
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	show_status("task/tid", path);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	show_stat("task/tid", path);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", self, tid);
	show_status("pid/task/tid", path);
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	show_bytes("task/tid comm", path);
	/* /proc/TID: there to open, not listed */
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	show_status("/proc/tid", path);
	int listed = 0;
	d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));)
		listed |= atol(e->d_name) == tid;
	if (d)
		closedir(d);
	printf("/proc lists tid: %d\n", listed);
	close(thread_pipe[1]);
	pthread_join(th, NULL);
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	/* Linux wakes the joiner (CLONE_CHILD_CLEARTID) before it releases
	 * the task: for a moment its directory is still there, state X.
	 * Wait that moment out, so the native run is not a race; memu
	 * releases the task before the wake. */
	for (int i = 0; i < 2000 && access(path, F_OK) == 0; i++)
		usleep(1000);
	show_status("joined tid", path);
	show_status("self after join", "/proc/self/status");
	tid = 0;
}

/* A /proc/self file opened before fork shows the parent to the child. */
static void inherited(void)
{
	int fd = open("/proc/self/stat", O_RDONLY);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char buf[512];
		long n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		printf("inherited /proc/self/stat in the child shows: %s\n",
		       atol(buf) == self ? "the parent" : "another");
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	close(fd);
}

static void live_child(void)
{
	child = fork_child();
	await_state(child, 'S');
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	show_status("child", path);
	snprintf(path, sizeof(path), "/proc/%d/stat", child);
	show_stat("child", path);
	snprintf(path, sizeof(path), "/proc/%d/maps", child);
	show_maps("child", path);
	show_maps("self", "/proc/self/maps");
	snprintf(path, sizeof(path), "/proc/%d/comm", child);
	show_bytes("child comm", path);
	static char mine[4096], theirs[4096];
	long a = slurp("/proc/self/cmdline", mine, sizeof(mine));
	snprintf(path, sizeof(path), "/proc/%d/cmdline", child);
	long b = slurp(path, theirs, sizeof(theirs));
	printf("child cmdline is the parent's: %d\n",
	       a > 0 && a == b && !memcmp(mine, theirs, (size_t)a));
	snprintf(path, sizeof(path), "/proc/%d/task", child);
	DIR *d = opendir(path);
	printf("child task/:");
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.')
			printf(" %s", who(atol(e->d_name)));
	printf("\n");
	if (d)
		closedir(d);
	long err;
	uint64_t e = pagemap_entry(child, CHILD_PAGE, &err);
	printf("child pagemap: err %ld present %d exclusive %d, next page "
	       "present %d\n",
	       err, (int)(e >> 63), (int)(e >> 56 & 1),
	       (int)(pagemap_entry(child, CHILD_PAGE + 4096, &err) >> 63));
	e = pagemap_entry(self, CHILD_PAGE, &err);
	printf("self pagemap there: present %d\n", (int)(e >> 63));
	/* comm of another process: EINVAL to write */
	snprintf(path, sizeof(path), "/proc/%d/comm", child);
	int fd = open(path, O_WRONLY);
	long w = fd < 0 ? -errno : write(fd, "x", 1);
	printf("write child comm: %ld errno %d\n", w, w < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);
	close(hold_pipe[1]);
	int status;
	waitpid(child, &status, 0);
	printf("child exit %d\n", WEXITSTATUS(status));
}

/* A zombie's files, and what files opened then read once it is reaped. */
static void zombie(void)
{
	child_code = 3;
	child = fork_child();
	close(hold_pipe[1]); /* the child reads EOF and exits */
	siginfo_t si;
	if (waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT))
		exit(7);
	static const char *const names[] = {
		"status",  "stat",    "statm", "maps",	    "smaps_rollup",
		"cmdline", "environ", "comm",  "mountinfo", "auxv",
	};
	enum { N = sizeof(names) / sizeof(names[0]) };
	char path[64], label[64];
	int fds[N];
	static char buf[8192];
	for (unsigned i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", child, names[i]);
		fds[i] = open(path, O_RDONLY);
		if (fds[i] < 0)
			printf("zombie open %s: errno %d\n", names[i], errno);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	show_status("zombie", path);
	snprintf(path, sizeof(path), "/proc/%d/stat", child);
	show_stat("zombie", path);
	snprintf(path, sizeof(path), "/proc/%d/maps", child);
	show_maps("zombie", path);
	static const char *const bytes[] = {"statm",	   "cmdline", "environ",
					    "comm",	   "auxv",    "smaps",
					    "smaps_rollup"};
	for (unsigned i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", child, bytes[i]);
		snprintf(label, sizeof(label), "zombie %s", bytes[i]);
		show_bytes(label, path);
	}
	char link[256];
	snprintf(path, sizeof(path), "/proc/%d/exe", child);
	long k = readlink(path, link, sizeof(link));
	printf("zombie exe: %ld errno %d\n", k, k < 0 ? errno : 0);
	long err;
	pagemap_entry(child, CHILD_PAGE, &err);
	printf("zombie pagemap: err %ld\n", err);
	snprintf(path, sizeof(path), "/proc/%d", child);
	int dfd = open(path, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || chdir(path))
		printf("zombie dir: errno %d\n", errno);
	int status;
	waitpid(child, &status, 0);
	printf("reaped, exit %d\n", WEXITSTATUS(status));
	/* its directory, held open and as the cwd */
	int r = openat(dfd, "status", O_RDONLY);
	printf("reaped dir, openat status: %d errno %d\n", r < 0 ? -1 : 0,
	       r < 0 ? errno : 0);
	long got = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
	printf("reaped dir, getdents: %ld errno %d\n", got,
	       got < 0 ? errno : 0);
	r = open("stat", O_RDONLY);
	printf("reaped cwd, open stat: %d errno %d\n", r < 0 ? -1 : 0,
	       r < 0 ? errno : 0);
	char *cwd = getcwd(buf, sizeof(buf));
	printf("reaped cwd, getcwd: %s errno %d\n", cwd ? "ok" : "failed",
	       cwd ? 0 : errno);
	if (chdir("/"))
		printf("chdir /: errno %d\n", errno);
	close(dfd);
	for (unsigned i = 0; i < N; i++) {
		if (fds[i] < 0)
			continue;
		long n = pread(fds[i], buf, sizeof(buf), 0);
		printf("reaped %s: %ld errno %d\n", names[i], n,
		       n < 0 ? errno : 0);
		close(fds[i]);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	int fd = open(path, O_RDONLY);
	printf("open reaped status: %d errno %d\n", fd < 0 ? -1 : 0,
	       fd < 0 ? errno : 0);
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d", child);
	r = stat(path, &st);
	printf("stat reaped dir: %d errno %d\n", r, r ? errno : 0);
}

/* Whether /proc lists self, and how its pid directories are made. */
static void listing(void)
{
	int has_self = 0, has_link = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (atol(e->d_name) == self && e->d_type == DT_DIR)
			has_self = 1;
		if (!strcmp(e->d_name, "self") && e->d_type == DT_LNK)
			has_link = 1;
	}
	if (d)
		closedir(d);
	char link[64], want[64];
	long n = readlink("/proc/self", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "%d", self);
	printf("/proc lists self: %d, self link: %d, reads self: %d\n",
	       has_self, has_link, !strcmp(link, want));
	n = readlink("/proc/thread-self", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "%d/task/%d", self, self);
	printf("thread-self reads self/task/self: %d\n", !strcmp(link, want));
	struct stat st;
	int r = stat("/proc/self", &st);
	printf("stat /proc/self: dir %d mode %o\n", !r && S_ISDIR(st.st_mode),
	       r ? 0 : st.st_mode & 07777);
}

/* memu only: every name /proc lists that is a number, in order. */
static void list_pids(const char *when)
{
	DIR *d = opendir("/proc");
	long names[64];
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && n < 64)
			names[n++] = atol(e->d_name);
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_number);
	printf("%s:", when);
	for (int i = 0; i < n; i++)
		printf(" %ld", names[i]);
	printf("\n");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* memu only: what /proc/PID lists, in order of name. */
static void list_dir(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", pid);
	DIR *d = opendir(path);
	char *names[64];
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		if (n < 64)
			names[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	printf("/proc/child:");
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

/* The leader has left with pthread_exit: the other thread reads the
 * process's files, which show the leader, a zombie, and its own. */
static void *after_leader(void *arg)
{
	(void)arg;
	tid = (pid_t)syscall(SYS_gettid);
	await_state(self, 'Z');
	show_status("leader", "/proc/self/status");
	show_stat("leader", "/proc/self/stat");
	show_maps("leader", "/proc/self/maps");
	show_status("thread", "/proc/thread-self/status");
	show_maps("thread", "/proc/thread-self/maps");
	exit(0);
}

int main(int argc, char **argv)
{
	self = getpid();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "list")) {
		list_pids("alone");
		child = fork_child();
		list_pids("child");
		list_dir(child);
		close(hold_pipe[1]);
		siginfo_t si;
		waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT);
		list_pids("zombie");
		waitpid(child, NULL, 0);
		list_pids("reaped");
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/status", child);
		int fd = open(path, O_RDONLY);
		printf("open reaped status: %d errno %d\n", fd < 0 ? -1 : 0,
		       fd < 0 ? errno : 0);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "leader")) {
		pthread_t th;
		if (pthread_create(&th, NULL, after_leader, NULL))
			return 5;
		pthread_exit(NULL);
	}
	if (argc > 1 && !strcmp(argv[1], "pagemap")) {
		child = fork_child();
		long err;
		uint64_t e = pagemap_entry(child, CHILD_PAGE, &err);
		printf("child %d pfn %#llx err %ld\n", child,
		       (unsigned long long)(e & ((1ULL << 55) - 1)), err);
		memu_probe(1);
		close(hold_pipe[1]);
		waitpid(child, NULL, 0);
		return 0;
	}
	listing();
	threads();
	inherited();
	live_child();
	zombie();
	return 0;
}
