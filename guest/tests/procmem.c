/* /proc/self/mem and /proc/PID/mem against Linux: one line per fact.
 * Its own data and stack read, a string written with pwrite and seen in
 * memory, a PROT_NONE page read (FOLL_FORCE), an unmapped address (EIO),
 * a read running into an unmapped page (short), its own read-only text
 * written (copy-on-write; never run), a read-only private mapping of a
 * memfd written (the mapping changes, the file does not), a child's
 * memory after fork (its own copy), a file kept after the child is
 * reaped (0 bytes; "exec": after it has exec'd), the errnos of bad buffers and
 * lseek's positions. tests/procmem_test.c compares the output with the host's.
 * Between two probes (nothing on Linux) it only calls pread and pwrite: an
 * untouched page read and written twice, and a read-only private memfd
 * page written twice; the test counts memu's faults there. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault_catch.h"
#include "memu_guest.h"

static char data[64] = "data: hello";
static volatile int value = 1;

__attribute__((noinline)) int target(int x)
{
	return x * 3 + 1;
}

static int fd;
static void *volatile bad = (void *)8; /* never mapped */

static const char *errname(int e)
{
	switch (e) {
	case EIO:
		return "EIO";
	case EFAULT:
		return "EFAULT";
	case EINVAL:
		return "EINVAL";
	case ESRCH:
		return "ESRCH";
	case ENOENT:
		return "ENOENT";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	default:
		return "other";
	}
}

/* open(/proc/PID/mem, flags) */
static int open_mem(pid_t pid, int flags)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	return open(path, flags);
}

static void result(const char *what, long n)
{
	if (n < 0)
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %ld\n", what, n);
}

static long rd(void *buf, size_t n, uintptr_t at)
{
	return pread(fd, buf, n, (off_t)at);
}

static void own_memory(void)
{
	char buf[32] = {0};
	result("read data", rd(buf, 11, (uintptr_t)data));
	printf("data bytes: %s\n", buf);
	volatile char stack[16] = "stack-bytes";
	memset(buf, 0, sizeof(buf));
	result("read stack", rd(buf, 11, (uintptr_t)stack));
	printf("stack bytes: %s\n", buf);
	result("pwrite data", pwrite(fd, "poked", 5, (off_t)(uintptr_t)data));
	printf("data now: %s\n", data);
	lseek(fd, (off_t)(uintptr_t)data, SEEK_SET);
	result("read at position", read(fd, buf, 4));
	printf("position moved: %ld\n",
	       (long)(lseek(fd, 0, SEEK_CUR) - (off_t)(uintptr_t)data));
}

static void mappings(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(1);
	munmap(p + 2 * PAGE, PAGE);
	char buf[3 * PAGE];
	memset(buf, 'x', sizeof(buf));
	result("read untouched", rd(buf, 4, (uintptr_t)p + PAGE));
	printf("untouched bytes: %d %d %d %d\n", buf[0], buf[1], buf[2],
	       buf[3]);
	result("read into hole", rd(buf, 8, (uintptr_t)p + 2 * PAGE - 4));
	result("read three pages", rd(buf, sizeof(buf), (uintptr_t)p));
	result("read hole", rd(buf, 8, (uintptr_t)p + 2 * PAGE));
	result("write into hole",
	       pwrite(fd, "12345678", 8, (off_t)(uintptr_t)p + 2 * PAGE - 4));
	printf("written before hole: %.4s\n", p + 2 * PAGE - 4);
	result("read top page", rd(buf, 2 * PAGE, 0x7ffffffff000UL));
	result("read null", rd(buf, 1, 0));

	p[0] = 'Q';
	mprotect(p, 2 * PAGE, PROT_NONE);
	memset(buf, 'x', sizeof(buf));
	result("read PROT_NONE", rd(buf, 1, (uintptr_t)p));
	printf("PROT_NONE byte: %c\n", buf[0]);
	result("read PROT_NONE untouched", rd(buf, 2, (uintptr_t)p + PAGE));
	printf("PROT_NONE untouched bytes: %d %d\n", buf[0], buf[1]);
	munmap(p, 2 * PAGE);

	result("read bad buffer", rd(bad, 4, (uintptr_t)data));
	result("write bad buffer", pwrite(fd, bad, 4, (off_t)(uintptr_t)data));
}

static void text(void)
{
	unsigned char before = 0, now = 0;
	uintptr_t at = (uintptr_t)target;
	result("read text", rd(&before, 1, at));
	printf("text byte as read: %s\n",
	       before == *(volatile unsigned char *)at ? "same" : "differs");
	unsigned char poke = (unsigned char)(before ^ 0xff);
	result("write text", pwrite(fd, &poke, 1, (off_t)at));
	now = *(volatile unsigned char *)at;
	printf("text byte changed: %s\n", now == poke ? "yes" : "no");
	poke = before;
	result("restore text", pwrite(fd, &poke, 1, (off_t)at));
	int (*volatile call)(int) = target;
	printf("target(4): %d\n", call(4));
}

static void file_mapping(void)
{
	int m = memfd_create("procmem", 0);
	if (m < 0 || write(m, "file-data", 9) != 9)
		exit(1);
	char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, m, 0);
	if (p == MAP_FAILED)
		exit(1);
	printf("mapping before: %.9s\n", p);
	result("write mapping", pwrite(fd, "MEM", 3, (off_t)(uintptr_t)p));
	printf("mapping after: %.9s\n", p);
	char buf[16] = {0};
	result("file read", pread(m, buf, 9, 0));
	printf("file after: %s\n", buf);
	char *s = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, m, 0);
	if (s == MAP_FAILED)
		exit(1);
	result("write shared read-only",
	       pwrite(fd, "X", 1, (off_t)(uintptr_t)s));
	munmap(s, PAGE);
	munmap(p, PAGE);
	close(m);
}

/* The probed section: no other access between the probes. */
static void probed(void)
{
	char *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int m = memfd_create("probed", 0);
	if (anon == MAP_FAILED || m < 0 || write(m, "abc", 3) != 3)
		exit(1);
	char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, m, 0);
	if (ro == MAP_FAILED)
		exit(1);
	char c = 0;
	long n[5];
	memu_probe((long)(uintptr_t)anon);
	n[0] = rd(&c, 1, (uintptr_t)anon);
	n[1] = pwrite(fd, "A", 1, (off_t)(uintptr_t)anon);
	n[2] = pwrite(fd, "B", 1, (off_t)(uintptr_t)anon + 1);
	n[3] = pwrite(fd, "X", 1, (off_t)(uintptr_t)ro);
	n[4] = pwrite(fd, "Y", 1, (off_t)(uintptr_t)ro + 1);
	memu_probe((long)(uintptr_t)ro);
	printf("probed: %ld %ld %ld %ld %ld %.2s %.3s\n", n[0], n[1], n[2],
	       n[3], n[4], anon, ro);
	/* The copy the write made stays read-only to the program. */
	catch_faults(SIGSEGV, 0);
	sig = 0;
	if (!sigsetjmp(env, 1))
		*(volatile char *)ro = 'Z';
	printf("store to read-only copy: signal %d code %d %s\n", sig, code,
	       addr == ro ? "at it" : "elsewhere");
	signal(SIGSEGV, SIG_DFL);
	munmap(ro, PAGE);
	munmap(anon, PAGE);
	close(m);
}

static void child(void)
{
	int up[2], down[2];
	if (pipe(up) || pipe(down))
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		value = 42;
		char c = 1;
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		int v = value;
		if (write(up[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	char c;
	if (read(up[0], &c, 1) != 1)
		exit(1);
	int cfd = open_mem(pid, O_RDWR);
	int v = 0;
	result("read child",
	       pread(cfd, &v, sizeof(v), (off_t)(uintptr_t)&value));
	printf("child value: %d, own value: %d\n", v, value);
	v = 99;
	result("write child",
	       pwrite(cfd, &v, sizeof(v), (off_t)(uintptr_t)&value));
	printf("own value after: %d\n", value);
	if (write(down[1], &c, 1) != 1 || read(up[0], &v, sizeof(v)) != 4)
		exit(1);
	printf("child saw: %d\n", v);
	waitpid(pid, NULL, 0);
	result("read reaped child",
	       pread(cfd, &v, sizeof(v), (off_t)(uintptr_t)&value));
	close(cfd);
	result("open reaped child", open_mem(pid, O_RDONLY));
}

/* A child's file opened before it execs: the address space it took has
 * no user left after the exec (mmget_not_zero fails): 0 bytes.  The
 * child runs this program again ("execwait"), which answers on fds 61
 * (up) and 60 (down).  Run with the argument "exec" only (under memu,
 * the program must be in the guest's file system to be run again). */
static void exec_child(const char *self)
{
	int up[2], down[2];
	if (pipe(up) || pipe(down))
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		value = 42;
		char c = 'a';
		if (dup2(up[1], 61) != 61 || dup2(down[0], 60) != 60 ||
		    write(61, &c, 1) != 1 || read(60, &c, 1) != 1)
			_exit(1);
		execl(self, self, "execwait", (char *)NULL);
		_exit(1);
	}
	close(up[1]); /* a child that dies early: EOF, not a hang */
	close(down[0]);
	char c;
	if (read(up[0], &c, 1) != 1)
		exit(1);
	int cfd = open_mem(pid, O_RDONLY);
	int v = 0;
	result("read before exec",
	       pread(cfd, &v, sizeof(v), (off_t)(uintptr_t)&value));
	printf("value before exec: %d\n", v);
	if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1)
		exit(1);
	printf("exec'd child says: %c\n", c);
	result("read after exec",
	       pread(cfd, &v, sizeof(v), (off_t)(uintptr_t)&value));
	close(cfd);
	if (write(down[1], &c, 1) != 1)
		exit(1);
	int status;
	waitpid(pid, &status, 0);
	printf("exec'd child status: %d\n", status);
}

/* A zombie has no address space: in 6.1 open works and reads give 0
 * (later kernels: ESRCH); run with the argument "zombie" only. */
static void zombie(void)
{
	int v;
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	int cfd = open_mem(pid, O_RDONLY);
	printf("open zombie: %s\n", cfd >= 0 ? "yes" : errname(errno));
	result("read zombie",
	       pread(cfd, &v, sizeof(v), (off_t)(uintptr_t)&value));
	close(cfd);
	waitpid(pid, NULL, 0);
}

static void seeks(void)
{
	result("SEEK_SET", (long)lseek(fd, 0x1234, SEEK_SET));
	result("SEEK_CUR", (long)lseek(fd, 0x10, SEEK_CUR));
	result("SEEK_CUR back", (long)lseek(fd, -0x1244, SEEK_CUR));
	result("SEEK_END", (long)lseek(fd, 0, SEEK_END));
	off_t high = lseek(fd, (off_t)(1ULL << 63), SEEK_SET);
	printf("SEEK_SET 2^63: %llx\n", (unsigned long long)high);
	char buf[4];
	result("read at 2^63", read(fd, buf, 4));
	result("pread negative", pread(fd, buf, 4, -4096));
	result("SEEK_SET top", (long)lseek(fd, 0x7ffffffffffcL, SEEK_SET));
	result("read at top", read(fd, buf, 4));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "execwait")) {
		char c = 'b';
		return write(61, &c, 1) == 1 && read(60, &c, 1) == 1 ? 0 : 1;
	}
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		setvbuf(stdout, NULL, _IONBF, 0);
		fd = -1;
		exec_child(argv[0]);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "zombie")) {
		zombie();
		return 0;
	}
	fd = open("/proc/self/mem", O_RDWR);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	own_memory();
	mappings();
	text();
	file_mapping();
	probed();
	child();
	seeks();
	return 0;
}
