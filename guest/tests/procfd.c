/* /proc/PID/fd, fdinfo, cwd, root and limits (docs/processes.md,
 * "/proc"), natively and under memu (tests/procfd_test.c).
 *
 * The program opens a file, a pipe, a memfd, /dev/null, a socket pair,
 * a file it then unlinks, a directory, /proc/self/status and an
 * eventfd, dup2s one to 50 with FD_CLOEXEC, and prints what /proc shows
 * of them: the fd/ listing, each link and its lstat, each fdinfo, what
 * open(2) through a link does, the eventfd's count, cwd and root after
 * chdir (and through task/PID/), a child's fd/ and cwd (live, a
 * zombie, reaped) and, last, limits after setrlimit ("limits": only
 * limits, as the program starts).  With no argument the inode numbers,
 * mount ids, eventfd ids and the pids (in the directory's name too) are
 * masked, to compare with the host; with "raw" nothing is.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int raw;
static char dir[64], proc[32], kid[32];

/* Print a line, masked unless raw: the directory's name, the pid in
 * "/proc/PID/" and its child's in "/proc/CHILD/", "[INO]" for a
 * pipe's or socket's inode, the numbers of fdinfo's ino, mnt_id and
 * eventfd-id. */
static void say(const char *fmt, ...)
{
	char in[4096], out[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(in, sizeof(in), fmt, ap);
	va_end(ap);
	size_t o = 0, dl = strlen(dir), pl = strlen(proc), kl = strlen(kid);
	for (const char *p = in; *p && o < sizeof(out) - 16;) {
		if (!raw && dl && !strncmp(p, dir, dl)) {
			o += (size_t)sprintf(out + o, "$DIR");
			p += dl;
		} else if (!raw && kl && !strncmp(p, kid, kl)) {
			o += (size_t)sprintf(out + o, "/proc/CHILD/");
			p += kl;
		} else if (!raw && pl && !strncmp(p, proc, pl)) {
			o += (size_t)sprintf(out + o, "/proc/PID/");
			p += pl;
		} else if (!raw && *p == '[' && p[1] >= '0' && p[1] <= '9') {
			o += (size_t)sprintf(out + o, "[INO");
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		} else if (!raw && (!strncmp(p, "ino:\t", 5) ||
				    !strncmp(p, "mnt_id:\t", 8) ||
				    !strncmp(p, "eventfd-id: ", 12))) {
			size_t n = (size_t)(strpbrk(p, "\t ") - p) + 1;
			memcpy(out + o, p, n);
			o += n;
			o += (size_t)sprintf(out + o, "N");
			for (p += n; *p >= '0' && *p <= '9'; p++)
				;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	fputs(out, stdout);
	fflush(stdout);
}

/* "-1 errno E" or the value. */
static void result(const char *what, long r)
{
	if (r < 0)
		say("%s: -1 errno %d\n", what, errno);
	else
		say("%s: %ld\n", what, r);
}

/* The names in /proc/PID/fd (or fdinfo): ".", "..", and those >= 3
 * (0-2 are the streams the runner gave), with each's type. */
static void list(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		say("%s: opendir errno %d\n", path, errno);
		return;
	}
	char line[1024] = "";
	struct dirent *e;
	while ((e = readdir(d))) {
		if (atoi(e->d_name) < 3 && e->d_name[0] != '.')
			continue;
		char one[300];
		snprintf(one, sizeof(one), " %s/%d", e->d_name, e->d_type);
		strncat(line, one, sizeof(line) - strlen(line) - 1);
	}
	closedir(d);
	say("%s:%s\n", path, line);
}

static void link_of(const char *path)
{
	char buf[512];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0) {
		say("readlink %s: errno %d\n", path, errno);
		return;
	}
	buf[n] = '\0';
	say("readlink %s: %s\n", path, buf);
}

static void show_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		say("%s: open errno %d\n", path, errno);
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		say("%s: read errno %d\n", path, errno);
	} else {
		buf[n] = '\0';
		say("%s:\n%s", path, buf);
	}
	close(fd);
}

static void one_fd(int fd)
{
	char path[64];
	struct stat l, s, f;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	link_of(path);
	lstat(path, &l);
	int sr = stat(path, &s);
	fstat(fd, &f);
	say("fd %d: lstat mode %o size %ld; stat %s fstat (mode %o)\n", fd,
	    (unsigned)l.st_mode, (long)l.st_size,
	    !sr && s.st_ino == f.st_ino && s.st_dev == f.st_dev &&
			    s.st_mode == f.st_mode
		    ? "is"
		    : "is not",
	    (unsigned)s.st_mode);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	show_file(path);
}

static void read_back(const char *what, int fd)
{
	char buf[64] = "";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	say("%s: read %ld '%s'\n", what, (long)n, n > 0 ? buf : "");
}

/* open, say what it gave, close */
static void try_open(const char *what, const char *path, int flags)
{
	int fd = open(path, flags);
	result(what, fd);
	if (fd >= 0)
		close(fd);
}

static void reopen(void)
{
	/* the file: a new open file description, its own offset */
	int a = open("/proc/self/fd/3", O_RDONLY);
	char buf[8] = "";
	ssize_t n = read(a, buf, 5);
	say("reopen file: fd %d read %ld '%s', old pos %ld new pos %ld\n", a,
	    (long)n, buf, (long)lseek(3, 0, SEEK_CUR),
	    (long)lseek(a, 0, SEEK_CUR));
	show_file("/proc/self/fdinfo/14");
	close(a);
	/* the pipe's write end opened for reading is its read end */
	a = open("/proc/self/fd/5", O_RDONLY);
	result("reopen pipe write end O_RDONLY", a);
	result("write to the old write end", write(5, "x", 1));
	read_back("read from the new read end", a);
	close(a);
	a = open("/proc/self/fd/4", O_WRONLY);
	result("reopen pipe read end O_WRONLY", a);
	result("write to the new write end", write(a, "yz", 2));
	read_back("read from the old read end", 4);
	show_file("/proc/self/fdinfo/14");
	close(a);
	a = open("/proc/self/fd/4", O_RDWR | O_NONBLOCK);
	result("reopen pipe O_RDWR", a);
	result("write to it", write(a, "w", 1));
	read_back("read from it", a);
	close(a);
	/* the memfd: its data from offset 0 */
	a = open("/proc/self/fd/6", O_RDWR);
	result("reopen memfd", a);
	read_back("read memfd", a);
	show_file("/proc/self/fdinfo/14");
	close(a);
	/* the unlinked file is still there to open */
	a = open("/proc/self/fd/10", O_RDONLY);
	result("reopen deleted", a);
	read_back("read deleted", a);
	close(a);
	a = open("/proc/self/fd/7", O_WRONLY);
	result("reopen /dev/null O_WRONLY", a);
	show_file("/proc/self/fdinfo/14");
	close(a);
	try_open("reopen socket", "/proc/self/fd/8", O_RDWR);
	try_open("reopen closed fd", "/proc/self/fd/40", O_RDONLY);
	try_open("reopen fd/03", "/proc/self/fd/03", O_RDONLY);
	try_open("file link O_DIRECTORY", "/proc/self/fd/3",
		 O_RDONLY | O_DIRECTORY);
	try_open("file link/x", "/proc/self/fd/3/x", O_RDONLY);
	try_open("pipe link/", "/proc/self/fd/4/", O_RDONLY);
	try_open("dir link/file", "/proc/self/fd/11/file", O_RDONLY);
	try_open("file link O_NOFOLLOW", "/proc/self/fd/3",
		 O_RDONLY | O_NOFOLLOW);
	try_open("reopen fd dir", "/proc/self/fd/../fd", O_RDONLY);
	char small[4];
	result("readlink 4 bytes", readlink("/proc/self/fd/3", small, 4));
	result("readlink closed", readlink("/proc/self/fd/40", small, 4));
	result("readlink fdinfo", readlink("/proc/self/fdinfo/3", small, 4));
	result("access pipe link R_OK", access("/proc/self/fd/4", R_OK));
	result("access pipe link X_OK", access("/proc/self/fd/4", X_OK));
	result("access memfd link X_OK", access("/proc/self/fd/6", X_OK));
	result("access file link X_OK", access("/proc/self/fd/3", X_OK));
	result("access closed", access("/proc/self/fd/40", F_OK));
	/* an O_PATH descriptor: a link with no permissions */
	int o = open("/proc/self/fd/3", O_PATH);
	struct stat st;
	lstat("/proc/self/fd/14", &st);
	say("O_PATH fd %d: link mode %o, F_GETFL %o\n", o, (unsigned)st.st_mode,
	    (unsigned)fcntl(o, F_GETFL));
	show_file("/proc/self/fdinfo/14");
	link_of("/proc/self/fd/14");
	close(o);
}

static void event_fd(void)
{
	uint64_t v = 5;
	result("eventfd write 5", write(13, &v, 8));
	show_file("/proc/self/fdinfo/13");
	result("eventfd read", read(13, &v, 8));
	say("value %llu\n", (unsigned long long)v);
	result("eventfd read at 0", read(13, &v, 8));
	result("eventfd read of 4 bytes", read(13, &v, 4));
	v = ~0ULL;
	result("eventfd write ULLONG_MAX", write(13, &v, 8));
	v = ~0ULL - 1;
	result("eventfd write ULLONG_MAX - 1", write(13, &v, 8));
	v = 1;
	result("eventfd write 1 more", write(13, &v, 8));
	show_file("/proc/self/fdinfo/13");
	int sem = eventfd(2, EFD_SEMAPHORE | EFD_CLOEXEC);
	result("semaphore read", read(sem, &v, 8));
	say("value %llu\n", (unsigned long long)v);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", sem);
	show_file(path);
	close(sem);
	/* a read at 0 waits until another process writes */
	int b = eventfd(0, 0);
	pid_t k = fork();
	if (k == 0) {
		v = 7;
		_exit(write(b, &v, 8) == 8 ? 0 : 1);
	}
	v = 0;
	result("blocking eventfd read", read(b, &v, 8));
	int status = -1;
	waitpid(k, &status, 0);
	say("value %llu, writer's status %d\n", (unsigned long long)v, status);
	close(b);
	result("eventfd2 bad flags", eventfd(0, 4));
	try_open("reopen eventfd", "/proc/self/fd/13", O_RDWR);
}

static void fs_links(void)
{
	struct stat a, b;
	if (chdir(dir))
		say("chdir errno %d\n", errno);
	link_of("/proc/self/cwd");
	link_of("/proc/self/root");
	stat("/proc/self/cwd", &a);
	stat(dir, &b);
	say("stat cwd is the dir: %d\n", a.st_ino == b.st_ino);
	lstat("/proc/self/cwd", &a);
	say("lstat cwd mode %o\n", (unsigned)a.st_mode);
	int fd = open("/proc/self/cwd/file", O_RDONLY);
	read_back("cwd/file", fd);
	close(fd);
	list("/proc/self/root/proc/self/fd");
	/* the same through the thread's directory */
	char path[96], buf[256];
	snprintf(path, sizeof(path), "/proc/self/task/%d/fd/3", (int)getpid());
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	say("task/PID/fd/3: %s\n", buf);
	snprintf(path, sizeof(path), "/proc/self/task/%d/cwd", (int)getpid());
	n = readlink(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	say("task/PID/cwd: %s\n", buf);
	snprintf(path, sizeof(path), "/proc/self/task/%d/limits",
		 (int)getpid());
	int lim = open(path, O_RDONLY);
	n = read(lim, buf, 26);
	buf[n > 0 ? n : 0] = '\0';
	say("task/PID/limits: '%s'\n", buf);
	close(lim);
}

static void child(void)
{
	int go[2], done[2];
	if (pipe(go) || pipe(done))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(3);
		close(50);
		char path[96];
		snprintf(path, sizeof(path), "%s/child", dir);
		int fd = open(path, O_WRONLY | O_CREAT, 0600);
		if (chdir("/tmp"))
			_exit(1);
		char c = fd == 3 ? 'k' : '?';
		if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(go[1]);
	close(done[0]);
	snprintf(kid, sizeof(kid), "/proc/%d/", (int)pid);
	char c = 0, path[64];
	if (read(go[0], &c, 1) != 1)
		say("child sync failed\n");
	/* the listing has the pid in it: print only what is under it */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	int n = 0, three = 0, fifty = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		n += atoi(e->d_name) >= 3 || e->d_name[0] == '.';
		three |= !strcmp(e->d_name, "3");
		fifty |= !strcmp(e->d_name, "50");
	}
	if (d)
		closedir(d);
	say("child %c: fd/ has %d names (., .., 3 and up), 3 %d, 50 %d\n", c, n,
	    three, fifty);
	snprintf(path, sizeof(path), "/proc/%d/fd/3", (int)pid);
	link_of(path);
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	link_of(path);
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/3", (int)pid);
	int info = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	int lim = open(path, O_RDONLY);
	if (write(done[1], "x", 1) != 1)
		say("child release failed\n");
	siginfo_t si;
	waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	n = 0;
	while (d && (e = readdir(d)))
		n++;
	if (d)
		closedir(d);
	say("zombie: fd/ has %d names\n", n);
	char got[16];
	result("zombie fdinfo/3, read of the file opened live",
	       pread(info, got, 10, 0));
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	link_of(path);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	link_of(path);
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/0", (int)pid);
	result("zombie fdinfo/0", open(path, O_RDONLY));
	char buf[64] = "";
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	int zl = open(path, O_RDONLY);
	ssize_t k = read(zl, buf, 26);
	say("zombie limits: %ld '%s'\n", (long)k, k > 0 ? buf : "");
	close(zl);
	int status;
	waitpid(pid, &status, 0);
	say("reaped, status %d\n", status);
	result("reaped limits, read of the open file", read(lim, buf, 10));
	result("reaped fdinfo/3, read of the open file", read(info, buf, 10));
	close(info);
	close(lim);
	result("reaped limits, open", open(path, O_RDONLY));
	close(go[0]);
	close(done[1]);
}

static void limits(void)
{
	static const struct {
		int res;
		rlim_t cur, max;
	} set[] = {
		{RLIMIT_CPU, 1000, 2000},
		{RLIMIT_FSIZE, 1 << 30, 1 << 30},
		{RLIMIT_DATA, 1ULL << 40, 1ULL << 40},
		{RLIMIT_STACK, 8 << 20, 16 << 20},
		{RLIMIT_CORE, 0, 0},
		{RLIMIT_RSS, 1ULL << 40, 1ULL << 40},
		{RLIMIT_NPROC, 100, 100},
		{RLIMIT_NOFILE, 64, 64},
		{RLIMIT_MEMLOCK, 65536, 65536},
		{RLIMIT_AS, 1ULL << 44, 1ULL << 44},
		{RLIMIT_LOCKS, 100, 200},
		{RLIMIT_SIGPENDING, 100, 100},
		{RLIMIT_MSGQUEUE, 8192, 8192},
		{RLIMIT_NICE, 0, 0},
		{RLIMIT_RTPRIO, 0, 0},
		{RLIMIT_RTTIME, 1000000, 1000000},
	};
	int failed = 0;
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		struct rlimit r = {set[i].cur, set[i].max};
		if (setrlimit(set[i].res, &r)) {
			say("setrlimit %d: errno %d\n", set[i].res, errno);
			failed = 1;
		}
	}
	say("setrlimit: %s\n", failed ? "failed" : "all set");
	show_file("/proc/self/limits");
}

int main(int argc, char **argv)
{
	raw = argc > 1 && !strcmp(argv[1], "raw");
	if (argc > 1 && !strcmp(argv[1], "limits")) {
		show_file("/proc/self/limits"); /* as the machine starts */
		return 0;
	}
	for (int fd = 3; fd < 1024; fd++)
		close(fd); /* what the runner left open */
	snprintf(dir, sizeof(dir), "/tmp/procfd.%d", (int)getpid());
	snprintf(proc, sizeof(proc), "/proc/%d/", (int)getpid());
	if (mkdir(dir, 0700)) {
		say("mkdir %s: errno %d\n", dir, errno);
		return 1;
	}
	char path[96], gone[96];
	snprintf(path, sizeof(path), "%s/file", dir);
	snprintf(gone, sizeof(gone), "%s/gone", dir);
	int p[2], s[2];
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd != 3 || write(fd, "hello world", 11) != 11 || pipe(p) ||
	    memfd_create("procfd", 0) != 6 ||
	    open("/dev/null", O_RDONLY | O_CLOEXEC) != 7 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, s) ||
	    open(gone, O_WRONLY | O_CREAT | O_APPEND, 0600) != 10 ||
	    write(10, "gone", 4) != 4 || unlink(gone) ||
	    open(dir, O_RDONLY | O_DIRECTORY) != 11 ||
	    open("/proc/self/status", O_RDONLY) != 12 ||
	    eventfd(3, EFD_NONBLOCK) != 13 || dup2(3, 50) != 50 ||
	    fcntl(50, F_SETFD, FD_CLOEXEC) || write(6, "memfd", 5) != 5 ||
	    write(5, "in pipe", 7) != 7) {
		say("setting up failed: errno %d\n", errno);
		return 1;
	}
	lseek(6, 2, SEEK_SET);
	list("/proc/self/fd");
	list("/proc/self/fdinfo");
	struct stat st;
	lstat("/proc/self/fd", &st);
	say("fd/ mode %o\n", (unsigned)st.st_mode);
	lstat("/proc/self/fdinfo", &st);
	say("fdinfo/ mode %o\n", (unsigned)st.st_mode);
	struct stat a, b;
	stat("/proc/self/status", &a);
	fstat(12, &b);
	say("/proc/self/status: stat is fstat %d\n",
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
		    a.st_mode == b.st_mode);
	static const int fds[] = {3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 50};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		one_fd(fds[i]);
	reopen();
	event_fd();
	fs_links();
	child();
	limits();
	snprintf(path, sizeof(path), "%s/child", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	if (chdir("/") || rmdir(dir))
		say("cleaning up: errno %d\n", errno);
	return 0;
}
