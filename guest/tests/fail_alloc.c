/* Frame-allocation failure (fail_page_alloc) as a program sees it: the
 * test (tests/inject_test.c) arms memu_fail_alloc() at each probe; the
 * program runs one call and prints what it returned.  Linux 6.1 decides
 * every outcome: MAP_POPULATE and brk ignore the failure, mlock says
 * EAGAIN, MADV_POPULATE_* and write(2) to tmpfs ENOMEM, read(2) into
 * memory that cannot be faulted in EFAULT, and a page fault is retried.
 * Usage: fail_alloc MODE (fault, populate, mlock, madvise, brk, file,
 * read, soft, livelock). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memu_guest.h"

#define PAGE		     4096
#define MADV_POPULATE_WRITE_ 23

static char *map(int pages, int flags)
{
	char *p = mmap(NULL, (size_t)pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	return p;
}

static const char *err(long r)
{
	static char buf[32];
	if (r >= 0)
		snprintf(buf, sizeof(buf), "%ld", r);
	else
		snprintf(buf, sizeof(buf), "%s",
			 errno == ENOMEM   ? "ENOMEM"
			 : errno == EAGAIN ? "EAGAIN"
			 : errno == EFAULT ? "EFAULT"
			 : errno == ENOSPC ? "ENOSPC"
					   : "other");
	return buf;
}

static void resident(const char *what, char *p, int pages)
{
	unsigned char vec[16];
	char s[17];
	mincore(p, (size_t)pages * PAGE, vec);
	for (int i = 0; i < pages; i++)
		s[i] = (char)('0' + (vec[i] & 1));
	s[pages] = '\0';
	printf("%s: resident %s\n", what, s);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "fault")) {
		char *p = map(1, 0);
		memu_probe((long)p); /* armed: the next 3 allocations fail */
		p[0] = 'x';	     /* retried until one succeeds */
		memu_probe(2);
		printf("fault: %c\n", p[0]);
	} else if (!strcmp(mode, "populate")) {
		memu_probe(1); /* armed: the 3rd allocation fails */
		char *p = map(4, MAP_POPULATE);
		memu_probe(2);
		resident("MAP_POPULATE", p, 4);
	} else if (!strcmp(mode, "mlock")) {
		char *p = map(4, 0);
		memu_probe(1); /* armed: the next allocation fails */
		printf("mlock, first page fails: %s\n",
		       err(mlock(p, 4 * PAGE)));
		munlock(p, 4 * PAGE);
		resident("after it", p, 4);
		memu_probe(2); /* armed: the 2nd allocation fails */
		printf("mlock, second page fails: %s\n",
		       err(mlock(p, 4 * PAGE)));
		memu_probe(3);
		resident("after it", p, 4);
	} else if (!strcmp(mode, "madvise")) {
		char *p = map(4, 0);
		memu_probe(1); /* armed: the 2nd and 3rd allocations fail */
		printf("MADV_POPULATE_WRITE: %s\n",
		       err(madvise(p, 4 * PAGE, MADV_POPULATE_WRITE_)));
		memu_probe(2);
		resident("after it", p, 4);
	} else if (!strcmp(mode, "brk")) {
		long start = syscall(SYS_brk, 0);
		memu_probe(1); /* armed: every allocation fails */
		long end = syscall(SYS_brk, start + 4 * PAGE);
		memu_probe(2);
		printf("brk grew by %ld\n", end - start);
		((char *)start)[0] = 1;
	} else if (!strcmp(mode, "file")) {
		int fd = open("/f", O_CREAT | O_RDWR, 0600);
		static char buf[3 * PAGE];
		memset(buf, 'w', sizeof(buf));
		memu_probe(1); /* armed: the next allocation fails */
		printf("write: %s\n", err(write(fd, buf, sizeof(buf))));
		printf("write again: %s\n", err(write(fd, buf, sizeof(buf))));
		memu_probe(2); /* armed: the 2nd allocation fails */
		printf("write on: %s\n", err(write(fd, buf, sizeof(buf))));
		struct stat st;
		fstat(fd, &st);
		printf("size %ld blocks %ld\n", (long)st.st_size,
		       (long)st.st_blocks);
		memu_probe(3); /* armed: the 3rd allocation fails */
		printf("fallocate: %s\n",
		       err(fallocate(fd, 0, 8 * PAGE, 4 * PAGE)));
		fstat(fd, &st);
		printf("size %ld blocks %ld\n", (long)st.st_size,
		       (long)st.st_blocks);
	} else if (!strcmp(mode, "read")) {
		int fd = open("/r", O_CREAT | O_RDWR, 0600);
		write(fd, "abc", 3);
		char *p = map(1, 0);
		memu_probe(1); /* armed: the next allocation fails */
		printf("read: %s\n", err(pread(fd, p, 3, 0)));
		printf("read again: %s %.3s\n", err(pread(fd, p, 3, 0)), p);
	} else if (!strcmp(mode, "soft")) {
		char *p = map(1, 0);
		p[0] = 's';
		memu_probe(1); /* armed: the next allocation fails */
		printf("soft offline: %s\n",
		       err(madvise(p, PAGE, MADV_SOFT_OFFLINE)));
		printf("soft offline again: %s %c\n",
		       err(madvise(p, PAGE, MADV_SOFT_OFFLINE)), p[0]);
	} else if (!strcmp(mode, "livelock")) {
		char *p = map(1, 0);
		memu_probe(1); /* armed: every allocation fails, for ever */
		p[0] = 1;
		printf("not reached\n");
	}
	return 0;
}
