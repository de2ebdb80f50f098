/* Files' data: read and write against shared and private mappings of one
 * file, SIGBUS past the end, truncation, fallocate and hole punching,
 * SEEK_DATA/SEEK_HOLE, msync and madvise on file mappings, mmap's errnos
 * for files, O_TMPFILE, and pipes.  It works under /dev/shm (tmpfs on
 * Linux too) and cleans up; one line a step.  tests/fs_test.c compares
 * the output natively and under memu.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

#define PAGE 4096L
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

static sigjmp_buf jump;
static char *base;
static volatile int sigpipes;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	printf("  SIG%s code %d at map+%#lx\n", sig == SIGBUS ? "BUS" : "SEGV",
	       si->si_code, (unsigned long)((char *)si->si_addr - base));
	siglongjmp(jump, 1);
}

static void on_pipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static int alarm_pipe = -1;

/* The timer's handler fills the pipe a blocked read waits on. */
static void on_alarm(int sig)
{
	(void)sig;
	if (alarm_pipe >= 0)
		write(alarm_pipe, "A", 1);
}

/* A read that waits on an empty pipe, woken by a timer whose handler
 * writes to it: with SA_RESTART the read goes on and gets the byte;
 * without, it is EINTR. */
static void blocked_read(int restart)
{
	int p[2];
	pipe(p);
	alarm_pipe = p[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 10000}};
	setitimer(ITIMER_REAL, &it, NULL);
	char c = 0;
	errno = 0;
	long r = read(p[0], &c, 1);
	printf("blocked read, %s: %ld %s %c\n",
	       restart ? "SA_RESTART" : "no SA_RESTART", r,
	       r < 0 ? strerror(errno) : "", c ? c : '-');
	alarm_pipe = -1;
	close(p[0]);
	close(p[1]);
}

/* Read one byte of the mapping, or report the signal. */
static void peek(const char *label, long off)
{
	if (sigsetjmp(jump, 1) == 0)
		printf("%s: %d\n", label, base[off]);
	else
		printf("%s: (signal)\n", label);
}

static void poke(const char *label, long off, char v)
{
	if (sigsetjmp(jump, 1) == 0) {
		base[off] = v;
		printf("%s: ok\n", label);
	} else {
		printf("%s: (signal)\n", label);
	}
}

static long blocks(int fd)
{
	struct stat st;
	fstat(fd, &st);
	return (long)st.st_blocks;
}

static long size(int fd)
{
	struct stat st;
	fstat(fd, &st);
	return (long)st.st_size;
}

static void mappings(int fd)
{
	char *buf = malloc(2 * PAGE);
	memset(buf, 'a', 2 * PAGE);
	CHECK("write 2 pages", pwrite(fd, buf, 2 * PAGE, 0));
	char *sh =
		mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *pv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			0);
	base = sh;
	printf("shared sees %c, private sees %c\n", sh[0], pv[0]);
	sh[1] = 'S';
	char c;
	pread(fd, &c, 1, 1);
	printf("shared write: read sees %c, private sees %c\n", c, pv[1]);
	pwrite(fd, "W", 1, 2);
	printf("write(2): shared sees %c, private sees %c\n", sh[2], pv[2]);
	pv[3] = 'P';
	pwrite(fd, "X", 1, 3);
	pread(fd, &c, 1, 3);
	printf("private write: read sees %c, private sees %c\n", c, pv[3]);
	pwrite(fd, "Y", 1, PAGE + 3);
	printf("other page of private: %c\n", pv[PAGE + 3]);
	peek("third page (past EOF)", 2 * PAGE);
	CHECK("ftruncate 3 pages", ftruncate(fd, 3 * PAGE));
	peek("third page now", 2 * PAGE);
	CHECK("ftruncate 100", ftruncate(fd, 100));
	peek("byte 99", 99);
	peek("byte 200 (same page, zeroed)", 200);
	peek("second page", PAGE);
	base = pv;
	peek("private copy page 0 byte 3", 3);
	peek("private second page", PAGE);
	base = sh;
	CHECK("ftruncate 2 pages", ftruncate(fd, 2 * PAGE));
	peek("second page again", PAGE + 3);
	poke("write second page", PAGE, 'Z');
	pread(fd, &c, 1, PAGE);
	printf("  read sees %c\n", c);

	/* madvise on file mappings */
	base = pv;
	pv[PAGE] = 'Q';
	CHECK("DONTNEED private", madvise(pv, 2 * PAGE, MADV_DONTNEED));
	printf("  private re-reads: %c %c\n", pv[3], pv[PAGE]);
	base = sh;
	CHECK("REMOVE on private", madvise(pv, PAGE, MADV_REMOVE));
	CHECK("REMOVE on shared", madvise(sh + PAGE, PAGE, MADV_REMOVE));
	pread(fd, &c, 1, PAGE);
	printf("  after REMOVE: read %d, size %ld, blocks %ld\n", c, size(fd),
	       blocks(fd));
	unsigned char vec[2];
	CHECK("mincore", mincore(sh, 2 * PAGE, vec));
	printf("  vec %d %d\n", vec[0] & 1, vec[1] & 1);
	/* A page in the page cache is resident, mapped or not. */
	char *untouched = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK("mincore untouched", mincore(untouched, 2 * PAGE, vec));
	printf("  vec %d %d\n", vec[0] & 1, vec[1] & 1);
	munmap(untouched, 2 * PAGE);

	/* msync */
	CHECK("msync sync", msync(sh, PAGE, MS_SYNC));
	CHECK("msync async|sync", msync(sh, PAGE, MS_ASYNC | MS_SYNC));
	CHECK("msync unaligned", msync(sh + 1, PAGE, MS_SYNC));
	CHECK("msync bad flag", msync(sh, PAGE, 8));
	CHECK("msync invalidate", msync(sh, PAGE, MS_INVALIDATE));
	CHECK("msync unmapped", msync(sh + 64 * PAGE, PAGE, MS_SYNC));

	/* Fault-around: reading 64 cached pages through a fresh mapping
	 * aligned to 64 KiB takes 4 faults, one per 16 pages. */
	char *buf64 = calloc(64, PAGE);
	pwrite(fd, buf64, 64 * PAGE, 0);
	char *area = mmap(NULL, 80 * PAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *al = (char *)(((unsigned long)area + 16 * PAGE - 1) &
			    ~(16 * PAGE - 1));
	char *fm =
		mmap(al, 64 * PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	long sum = 0;
	for (long i = 0; i < 64; i++)
		sum += fm[i * PAGE];
	getrusage(RUSAGE_SELF, &ru1);
	printf("fault-around: %ld faults for 64 pages (sum %ld)\n",
	       ru1.ru_minflt - ru0.ru_minflt, sum);
	munmap(area, 80 * PAGE);
	free(buf64);
	ftruncate(fd, 2 * PAGE);

	/* mremap of a file mapping */
	char *grown = mremap(sh, 3 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	printf("mremap grow: %s\n",
	       grown == MAP_FAILED ? strerror(errno) : "ok");
	if (grown != MAP_FAILED) {
		base = grown;
		peek("moved page 0", 0);
		munmap(grown, 4 * PAGE);
	}
	munmap(pv, 2 * PAGE);
	free(buf);
}

static void mmap_errnos(const char *path)
{
	int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
	void *p;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	printf("shared writable on O_RDONLY: %s\n",
	       p == MAP_FAILED ? strerror(errno) : "ok");
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	printf("private writable on O_RDONLY: %s\n",
	       p == MAP_FAILED ? strerror(errno) : "ok");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	printf("shared read-only on O_RDONLY: %s\n",
	       p == MAP_FAILED ? strerror(errno) : "ok");
	if (p != MAP_FAILED)
		CHECK("  mprotect it writable",
		      mprotect(p, PAGE, PROT_READ | PROT_WRITE));
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, wo, 0);
	printf("on O_WRONLY: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
	int dir = open(".", O_RDONLY);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, dir, 0);
	printf("a directory: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
	int fds[2];
	pipe(fds);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fds[0], 0);
	printf("a pipe: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, 99, 0);
	printf("a bad fd: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
	close(fds[0]);
	close(fds[1]);
	close(dir);
	close(ro);
	close(wo);
}

static void space(int fd)
{
	ftruncate(fd, 0);
	CHECK("fallocate 0..3 pages", fallocate(fd, 0, 0, 3 * PAGE));
	printf("  size %ld blocks %ld\n", size(fd), blocks(fd));
	CHECK("fallocate keep size",
	      fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, PAGE));
	CHECK("punch without keep size",
	      fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, PAGE));
	pwrite(fd, "abc", 3, PAGE + 10);
	CHECK("punch page 1",
	      fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE,
			PAGE));
	char c = 1;
	pread(fd, &c, 1, PAGE + 10);
	printf("  size %ld blocks %ld byte %d\n", size(fd), blocks(fd), c);
	CHECK("SEEK_DATA 0", lseek(fd, 0, SEEK_DATA));
	CHECK("SEEK_HOLE 0", lseek(fd, 0, SEEK_HOLE));
	CHECK("SEEK_DATA page 1", lseek(fd, PAGE, SEEK_DATA));
	CHECK("SEEK_DATA past end", lseek(fd, 3 * PAGE, SEEK_DATA));
	CHECK("SEEK_HOLE page 2", lseek(fd, 2 * PAGE, SEEK_HOLE));
	CHECK("bad whence", lseek(fd, 0, 5));
	CHECK("negative", lseek(fd, -1, SEEK_SET));
	CHECK("fallocate len 0", fallocate(fd, 0, 0, 0));
	CHECK("fallocate negative", fallocate(fd, 0, -1, 1));
	CHECK("fallocate mode 0x100", fallocate(fd, 0x100, 0, 1));
	CHECK("fallocate zero range",
	      fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 1));
	int ro = open("data", O_RDONLY);
	CHECK("fallocate O_RDONLY", fallocate(ro, 0, 0, 1));
	close(ro);
	int dir = open(".", O_RDONLY);
	CHECK("fallocate dir", fallocate(dir, 0, 0, 1));
	CHECK("ftruncate dir", ftruncate(dir, 0));
	CHECK("fsync dir", fsync(dir));
	close(dir);
	CHECK("truncate path", truncate("data", 10));
	printf("  size %ld\n", size(fd));
	CHECK("truncate negative", truncate("data", -1));
	CHECK("truncate dir", truncate(".", 0));
	CHECK("fsync", fsync(fd));
	CHECK("fdatasync", fdatasync(fd));
	CHECK("pwrite negative", pwrite(fd, "x", 1, -1));

	/* sparse: a terabyte file with two pages */
	CHECK("ftruncate 1 TiB", ftruncate(fd, 1L << 40));
	CHECK("pwrite at 512 GiB", pwrite(fd, "mid", 3, 1L << 39));
	CHECK("pwrite at the end", pwrite(fd, "end", 3, (1L << 40) - 3));
	printf("  size %ld blocks %ld\n", size(fd), blocks(fd));
	CHECK("SEEK_DATA 0", lseek(fd, 0, SEEK_DATA));
	CHECK("SEEK_HOLE 512 GiB", lseek(fd, 1L << 39, SEEK_HOLE));
	CHECK("SEEK_DATA past the middle",
	      lseek(fd, (1L << 39) + PAGE, SEEK_DATA));
	char *far = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 1L << 39);
	printf("  mapped at 512 GiB: %.3s\n", far);
	munmap(far, PAGE);
	CHECK("ftruncate 8 EiB - 1", ftruncate(fd, 0x7fffffffffffffffL));
	CHECK("pwrite near 8 EiB", pwrite(fd, "x", 1, 0x7ffffffffffff000L));
	printf("  blocks %ld\n", blocks(fd));
	CHECK("ftruncate 0", ftruncate(fd, 0));
	printf("  blocks %ld\n", blocks(fd));
	char *big = mmap(NULL, 1L << 40, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	printf("shared anonymous 1 TiB: %s\n",
	       big == MAP_FAILED ? strerror(errno) : "ok");
	if (big != MAP_FAILED) {
		big[(1L << 40) - 1] = 'z';
		printf("  last byte %c\n", big[(1L << 40) - 1]);
		munmap(big, 1L << 40);
	}
	CHECK("pwrite at 16 MiB", pwrite(fd, "x", 1, 1L << 24));
}

static void pipes(void)
{
	int p[2];
	CHECK("pipe2 bad flag", pipe2(p, 0x1));
	CHECK("pipe", pipe(p));
	CHECK("getfl r", fcntl(p[0], F_GETFL));
	CHECK("getfl w", fcntl(p[1], F_GETFL));
	struct stat st;
	fstat(p[0], &st);
	printf("  fifo %d\n", S_ISFIFO(st.st_mode));
	CHECK("write", write(p[1], "pipe!", 5));
	char buf[16] = {0};
	CHECK("read 3", read(p[0], buf, 3));
	CHECK("read rest", read(p[0], buf + 3, 10));
	printf("  %s\n", buf);
	CHECK("lseek", lseek(p[0], 0, SEEK_SET));
	CHECK("pread", pread(p[0], buf, 1, 0));
	CHECK("write to read end", write(p[0], "x", 1));
	CHECK("fsync pipe", fsync(p[0]));
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	CHECK("read empty non-blocking", read(p[0], buf, 1));
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	char *big = calloc(1, 70000);
	CHECK("fill", write(p[1], big, 70000));
	CHECK("full non-blocking", write(p[1], big, 1));
	long got = 0, r;
	while ((r = read(p[0], big, 70000)) > 0)
		got += r;
	printf("  drained %ld\n", got);
	close(p[1]);
	CHECK("read with no writer", read(p[0], buf, 1));
	CHECK("pipe2", pipe2(p, O_CLOEXEC | O_NONBLOCK));
	CHECK("getfd", fcntl(p[0], F_GETFD));
	CHECK("getfl", fcntl(p[1], F_GETFL));
	signal(SIGPIPE, on_pipe);
	close(p[0]);
	CHECK("write with no reader", write(p[1], "x", 1));
	printf("  SIGPIPE %d\n", sigpipes);
	close(p[1]);
	free(big);
	blocked_read(1);
	blocked_read(0);
}

static void tmpfile_(void)
{
	int fd = open(".", O_TMPFILE | O_RDWR, 0600);
	CHECK("O_TMPFILE", fd >= 0);
	CHECK("O_TMPFILE read-only", open(".", O_TMPFILE | O_RDONLY, 0600));
	CHECK("O_TMPFILE on a file", open("data", O_TMPFILE | O_RDWR, 0600));
	write(fd, "tmp", 3);
	struct stat st;
	fstat(fd, &st);
	printf("  nlink %lu size %ld\n", (unsigned long)st.st_nlink,
	       (long)st.st_size);
	CHECK("linkat it", linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH));
	fstat(fd, &st);
	printf("  nlink %lu\n", (unsigned long)st.st_nlink);
	close(fd);
	fd = open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600);
	CHECK("linkat O_EXCL one",
	      linkat(fd, "", AT_FDCWD, "named2", AT_EMPTY_PATH));
	close(fd);
	char buf[8] = {0};
	fd = open("named", O_RDONLY);
	read(fd, buf, sizeof(buf));
	printf("  named holds %s\n", buf);
	close(fd);
	unlink("named");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	char top[] = "/dev/shm/fs.XXXXXX";
	if (!mkdtemp(top) || chdir(top)) {
		perror("mkdtemp");
		return 1;
	}
	int fd = open("data", O_CREAT | O_RDWR, 0644);
	mappings(fd);
	mmap_errnos("data");

	/* a mapping outlives its name and its descriptor */
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("unlink mapped", unlink("data"));
	close(fd);
	/* /proc/self/maps names it with " (deleted)" */
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];
	while (maps && fgets(line, sizeof(line), maps))
		if (strstr(line, "/data")) {
			char dev[16];
			sscanf(line, "%*s %*s %*s %15s", dev);
			printf("maps: %s %s",
			       strncmp(dev, "00:", 3) ? "?" : "00:*",
			       strrchr(line, '/') + 1);
		}
	if (maps)
		fclose(maps);
	p[0] = 'k';
	printf("after unlink and close: %c\n", p[0]);
	munmap(p, PAGE);

	fd = open("data", O_CREAT | O_RDWR, 0644);
	space(fd);
	close(fd);
	unlink("data");
	pipes();
	tmpfile_();

	/* shm_open is a file in /dev/shm */
	int sfd = shm_open("/memu-fs-test", O_CREAT | O_EXCL | O_RDWR, 0600);
	CHECK("shm_open", sfd >= 0);
	CHECK("shm ftruncate", ftruncate(sfd, PAGE));
	char *sp = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	sp[0] = 's';
	int sfd2 = open("/dev/shm/memu-fs-test", O_RDONLY);
	char sc = 0;
	read(sfd2, &sc, 1);
	printf("  through /dev/shm: %c\n", sc);
	CHECK("shm_unlink", shm_unlink("/memu-fs-test"));
	CHECK("shm_open again", shm_open("/memu-fs-test", O_RDWR, 0600));
	munmap(sp, PAGE);
	close(sfd);
	close(sfd2);
	chdir("/");
	CHECK("rmdir top", rmdir(top));
	return 0;
}
