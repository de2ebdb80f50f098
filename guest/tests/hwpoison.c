/* Hardware-poisoned memory as a program sees it, through
 * madvise(MADV_HWPOISON) and madvise(MADV_SOFT_OFFLINE) (root only):
 * SIGBUS BUS_MCEERR_AR with si_addr_lsb 12 at the access, the errnos of
 * the calls that meet the page, the early kill (BUS_MCEERR_AO) a process
 * asks for with prctl(PR_MCE_KILL), and tmpfs keeping a poisoned page
 * (EIO).  tests/inject_test.c compares the output with Linux's where the
 * host kernel has CONFIG_MEMORY_FAILURE; a kernel without it refuses the
 * first call (EINVAL) and the program says so and stops.
 *
 * Natively each run poisons a few pages of the host for good: nothing
 * here touches a page Linux shares (the zero page, a file's page on
 * disk). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault_catch.h"

#define MADV_POPULATE_READ_  22
#define MADV_POPULATE_WRITE_ 23

static char *map(int flags)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       flags | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		_exit(1);
	}
	return p;
}

static const char *err(long r)
{
	static char buf[32];
	if (r >= 0) {
		snprintf(buf, sizeof(buf), "%ld", r);
		return buf;
	}
	switch (errno) {
	case EFAULT:
		return "EFAULT";
	case EINVAL:
		return "EINVAL";
	case ENOMEM:
		return "ENOMEM";
	case EIO:
		return "EIO";
	case EHWPOISON:
		return "EHWPOISON";
	case EBUSY:
		return "EBUSY";
	default:
		snprintf(buf, sizeof(buf), "errno %d", errno);
		return buf;
	}
}

static long poison(void *p)
{
	return madvise(p, PAGE, MADV_HWPOISON);
}

/* Read the byte at p: its value, or what the SIGBUS said. */
static void touch(const char *what, volatile char *p, char *base)
{
	if (!sigsetjmp(env, 1)) {
		char c = *p;
		printf("%s: read %d\n", what, c);
		return;
	}
	printf("%s: SIGBUS code %d lsb %d at +%#lx\n", what, code, lsb,
	       (unsigned long)(addr - base));
}

static uint64_t pfn_of(void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	pread(fd, &e, 8, (off_t)((uintptr_t)p / PAGE * 8));
	close(fd);
	return e & ((1ULL << 55) - 1);
}

static void anonymous(void)
{
	char *p = map(MAP_PRIVATE);
	p[0] = 'A';
	p[PAGE] = 'B';
	printf("poison: %s\n", err(poison(p)));
	touch("access", p + 0x123, p);
	touch("next page", p + PAGE, p);
	printf("poison again: %s\n", err(poison(p)));
	unsigned char vec[2];
	mincore(p, 2 * PAGE, vec);
	printf("mincore: %d %d\n", vec[0] & 1, vec[1] & 1);
	printf("MADV_POPULATE_READ: %s\n",
	       err(madvise(p, 2 * PAGE, MADV_POPULATE_READ_)));
	printf("MADV_POPULATE_WRITE: %s\n",
	       err(madvise(p, 2 * PAGE, MADV_POPULATE_WRITE_)));
	printf("mlock: %s\n", err(mlock(p, 2 * PAGE)));
	munlock(p, 2 * PAGE);
	int pfd[2];
	pipe(pfd);
	printf("write from it: %s\n", err(write(pfd[1], p, 2)));
	write(pfd[1], "xy", 2);
	printf("read into it: %s\n", err(read(pfd[0], p + 8, 2)));
	close(pfd[0]);
	close(pfd[1]);
	printf("MADV_DONTNEED: %s\n", err(madvise(p, PAGE, MADV_DONTNEED)));
	touch("after DONTNEED", p, p);
	p[0] = 'C';
	touch("written again", p, p);
	munmap(p, 2 * PAGE);
}

static void soft_offline(void)
{
	char *q = map(MAP_PRIVATE);
	q[0] = 'S';
	uint64_t before = pfn_of(q);
	printf("soft offline: %s\n", err(madvise(q, PAGE, MADV_SOFT_OFFLINE)));
	printf("soft offline: %c, moved %d\n", q[0], pfn_of(q) != before);
	munmap(q, 2 * PAGE);
}

static void early_kill(void)
{
	printf("PR_MCE_KILL early: %s\n",
	       err(prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0,
			 0)));
	char *r = map(MAP_PRIVATE);
	r[0] = 1;
	ao = 0;
	long ret = poison(r);
	printf("early: poison %s, AO %d code %d lsb %d at +%#lx\n", err(ret),
	       ao, code, lsb, (unsigned long)(addr - r));
	touch("early: access", r + 5, r);
	/* A page only read from the zero page... is not ours to poison;
	 * a clean anonymous page does not exist.  Late kill now: */
	prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0);
	char *s = map(MAP_PRIVATE);
	s[0] = 1;
	ao = 0;
	ret = poison(s);
	printf("late: poison %s, AO %d\n", err(ret), ao);
	touch("late: access", s, s);
	prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0);
	munmap(r, 2 * PAGE);
	munmap(s, 2 * PAGE);
}

static void shared(void)
{
	char *sh = map(MAP_SHARED);
	sh[0] = 'M';
	sh[PAGE] = 'N';
	printf("shared: poison %s\n", err(poison(sh)));
	touch("shared: access", sh + 7, sh);
	touch("shared: next page", sh + PAGE, sh);
	munmap(sh, 2 * PAGE);
}

static void tmpfs_file(void)
{
	int fd = (int)syscall(SYS_memfd_create, "poisoned", 0);
	char buf[2 * PAGE];
	memset(buf, 'F', PAGE);
	memset(buf + PAGE, 'G', PAGE);
	write(fd, buf, sizeof(buf));
	char *m =
		mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	volatile char c = m[PAGE];
	(void)c;
	printf("file: poison page 1 %s\n", err(poison(m + PAGE)));
	char b = 0;
	long n = pread(fd, &b, 1, 0);
	printf("file: pread page 0: %s %c\n", err(n), b);
	printf("file: pread page 1: %s\n", err(pread(fd, &b, 1, PAGE)));
	printf("file: pread both: %s\n", err(pread(fd, buf, 2 * PAGE, 0)));
	printf("file: pwrite page 1: %s\n", err(pwrite(fd, "z", 1, PAGE)));
	printf("file: pwrite page 0: %s\n", err(pwrite(fd, "z", 1, 0)));
	touch("file: access", m + PAGE + 9, m);
	char *m2 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	touch("file: new mapping", m2 + 1, m2);
	munmap(m2, PAGE);
	munmap(m, 2 * PAGE);
	ftruncate(fd, PAGE);
	ftruncate(fd, 2 * PAGE);
	b = 1;
	n = pread(fd, &b, 1, PAGE);
	printf("file: truncated, pread %s %d\n", err(n), b);
	close(fd);
}

static void errors(void)
{
	char *p = map(MAP_PRIVATE);
	p[0] = 1;
	printf("unaligned: %s\n", err(madvise(p + 1, PAGE, MADV_HWPOISON)));
	printf("length 0: %s\n", err(madvise(p, 0, MADV_HWPOISON)));
	munmap(p + PAGE, PAGE);
	printf("unmapped: %s\n", err(madvise(p + PAGE, PAGE, MADV_HWPOISON)));
	mprotect(p, PAGE, PROT_NONE);
	printf("PROT_NONE: %s\n", err(madvise(p, PAGE, MADV_HWPOISON)));
	printf("PROT_NONE soft: %s\n",
	       err(madvise(p, PAGE, MADV_SOFT_OFFLINE)));
	munmap(p, PAGE);
}

int main(void)
{
	catch_faults(SIGBUS, 0);
	setvbuf(stdout, NULL, _IONBF, 0);

	/* The first call says whether the kernel can poison at all. */
	char *probe = map(MAP_PRIVATE);
	probe[0] = 1;
	if (madvise(probe, PAGE, MADV_SOFT_OFFLINE) && errno == EINVAL) {
		printf("MADV_HWPOISON unsupported\n");
		return 0;
	}
	munmap(probe, 2 * PAGE);
	anonymous();
	soft_offline();
	early_kill();
	shared();
	tmpfs_file();
	errors();
	return 0;
}
