/* memfd_create, ftruncate, read/write, shared and private mappings, past
 * the end, and seals: one line a step; tests/mm_test.c compares the
 * output natively and under memu. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096L

static sigjmp_buf jump;
static volatile char *base;

static void on_bus(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	printf("  SIG%s code %d at map+%#lx\n", sig == SIGBUS ? "BUS" : "SEGV",
	       si->si_code, (unsigned long)((char *)si->si_addr - base));
	siglongjmp(jump, 1);
}

static const char *err(long r)
{
	return r < 0 ? strerror(errno) : "ok";
}

static int mfd(const char *name, unsigned flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	printf("bad flags: %s\n", err(mfd("x", 0x100)));
	char longname[260];
	memset(longname, 'n', 250);
	longname[250] = '\0';
	printf("name of 250: %s\n", err(mfd(longname, 0)));
	longname[249] = '\0';
	int ok = mfd(longname, 0);
	printf("name of 249: %s\n", err(ok));
	close(ok);

	int fd = mfd("test", MFD_ALLOW_SEALING);
	struct stat st;
	fstat(fd, &st);
	printf("new: size %ld regular %d\n", (long)st.st_size,
	       S_ISREG(st.st_mode));
	printf("write: %ld\n", (long)write(fd, "hello, memfd", 12));
	fstat(fd, &st);
	printf("size after write %ld\n", (long)st.st_size);
	char buf[32] = {0};
	printf("pread: %ld '%s'\n", (long)pread(fd, buf, sizeof(buf) - 1, 0),
	       buf);
	printf("ftruncate 2 pages: %s\n", err(ftruncate(fd, 2 * PAGE)));
	printf("ftruncate -1: %s\n", err(ftruncate(fd, -1)));
	printf("ftruncate /dev/null: %s\n",
	       err(ftruncate(open("/dev/null", O_RDWR), 0)));

	char *s =
		mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
		       0);
	base = s;
	printf("shared map reads '%.5s'\n", s);
	s[PAGE] = 'S';
	memset(buf, 0, sizeof(buf));
	pread(fd, buf, 1, PAGE);
	printf("write through the shared map, read(2) sees '%c'\n", buf[0]);
	printf("private map sees '%c' before its own write\n", p[PAGE]);
	p[PAGE] = 'P';
	printf("private write: private '%c', shared '%c'\n", p[PAGE], s[PAGE]);
	pwrite(fd, "W", 1, 0);
	printf("pwrite: shared '%c', private page 0 '%c'\n", s[0], p[0]);
	if (!sigsetjmp(jump, 1))
		printf("past the end: %d\n", s[2 * PAGE]);
	ftruncate(fd, PAGE);
	if (!sigsetjmp(jump, 1))
		printf("after shrinking: %d\n", s[PAGE]);
	ftruncate(fd, 2 * PAGE);
	printf("grown back: page 1 reads %d\n", s[PAGE]);

	printf("seals: %d\n", fcntl(fd, F_GET_SEALS));
	printf("add write seal while mapped shared: %s\n",
	       err(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
	munmap(s, 3 * PAGE);
	printf("add write seal unmapped: %s\n",
	       err(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
	printf("write sealed: %s\n", err(write(fd, "x", 1)));
	printf("map shared writable sealed: %s\n",
	       err((long)mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, 0)));
	printf("add grow|shrink: %s\n",
	       err(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK)));
	printf("grow sealed: %s\n", err(ftruncate(fd, 3 * PAGE)));
	printf("shrink sealed: %s\n", err(ftruncate(fd, 0)));
	printf("add seal seal: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL)));
	printf("add after seal: %s\n",
	       err(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW)));
	printf("seals: %#x\n", fcntl(fd, F_GET_SEALS));
	int plain = mfd("plain", 0);
	printf("no sealing: seals %d, add %s\n", fcntl(plain, F_GET_SEALS),
	       err(fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE)));
	printf("seals of /dev/null: %s\n",
	       err(fcntl(open("/dev/null", O_RDWR), F_GET_SEALS)));
	return 0;
}
