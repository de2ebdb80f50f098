/* Memory pressure: reclaim, swap, major faults, the OOM killer
 * (docs/reclaim.md).  Every mode checks the bytes it reads back and
 * prints what the test compares.
 *
 *   reclaim workset PAGES ROUNDS   write PAGES pages (each word a function
 *                                  of its page and offset), then read them
 *                                  all back ROUNDS times in order; prints
 *                                  the checksum and the major faults
 *                                  (getrusage and /proc/self/stat agree)
 *   reclaim shared PAGES ROUNDS    the same in MAP_SHARED|MAP_ANONYMOUS
 *                                  memory (shmem: swap-backed too)
 *   reclaim sharedfree PAGES       write PAGES of shared memory, then
 *                                  MADV_REMOVE half, munmap the rest:
 *                                  swap in use (kB) before and after
 *   reclaim hot PAGES ROUNDS HOT   the same, with one of the first HOT
 *                                  pages read after every page: a hot
 *                                  set the policies treat differently
 *   reclaim refstring PAGES R...   write PAGES pages, then touch them in
 *                                  the order of the reference string
 *                                  R... (page numbers), checking each
 *   reclaim pageout                MADV_PAGEOUT on four written pages:
 *                                  pagemap, smaps, status, meminfo before
 *                                  and after, then the reads back
 *   reclaim mlock PAGES            16 mlocked pages, then PAGES more
 *                                  written: the locked ones stay present
 *   reclaim oom PAGES              write PAGES pages, say how far it got
 *   reclaim oomread PAGES          read(2) PAGES pages of /dev/zero into
 *                                  untouched memory: the kernel's copy
 *                                  runs out
 *   reclaim extract                MEM_EXTRACT_PADDR on a swapped page
 *   reclaim cold                   MADV_COLD on written pages, errnos
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define PAGE  4096UL
#define WORDS (PAGE / 8)

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static uint64_t word(uint64_t page, uint64_t i)
{
	return (page * 0x9e3779b97f4a7c15ULL) ^ (i * 0xbf58476d1ce4e5b9ULL);
}

static int map_flags = MAP_PRIVATE | MAP_ANONYMOUS;

static uint64_t *map(size_t pages)
{
	void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, map_flags,
		       -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void fill(uint64_t *p, size_t page)
{
	for (uint64_t i = 0; i < WORDS; i++)
		p[page * WORDS + i] = word(page, i);
}

/* The page's checksum; exits 3 on a wrong word. */
static uint64_t check(const uint64_t *p, size_t page)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < WORDS; i++) {
		if (p[page * WORDS + i] != word(page, i)) {
			printf("page %zu word %llu wrong\n", page,
			       (unsigned long long)i);
			exit(3);
		}
		sum += p[page * WORDS + i];
	}
	return sum;
}

static long majflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

/* Field 12 of /proc/self/stat. */
static long stat_majflt(void)
{
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *s = strrchr(buf, ')');
	long v = -1;
	/* after ") ": state(3) ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt(12) */
	if (s &&
	    sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %ld", &v) != 1)
		v = -1;
	return v;
}

static int workset(size_t pages, int rounds, size_t hot)
{
	uint64_t *p = map(pages);
	for (size_t i = 0; i < pages; i++)
		fill(p, i);
	uint64_t sum = 0;
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < pages; i++) {
			sum += check(p, i);
			if (hot)
				sum += check(p, i % hot);
		}
	long m = majflt();
	printf("checksum %016llx majflt %ld stat %ld\n",
	       (unsigned long long)sum, m, stat_majflt());
	return 0;
}

static int refstring(size_t pages, int n, char **refs)
{
	uint64_t *p = map(pages);
	for (size_t i = 0; i < pages; i++)
		fill(p, i);
	long before = majflt();
	uint64_t sum = 0;
	for (int k = 0; k < n; k++)
		sum += check(p, strtoul(refs[k], NULL, 0));
	printf("checksum %016llx majflt %ld\n", (unsigned long long)sum,
	       majflt() - before);
	return 0;
}

static uint64_t pagemap(const void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (pread(fd, &e, 8, (off_t)((uintptr_t)va / PAGE * 8)) != 8)
		e = ~0ULL;
	close(fd);
	return e;
}

/* The value of line key in file (kB), or -1. */
static long field(const char *file, const char *key, const void *vma)
{
	static char buf[1 << 16];
	int fd = open(file, O_RDONLY);
	ssize_t n = 0, k;
	while ((k = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += k;
	close(fd);
	buf[n] = 0;
	char *s = buf;
	if (vma) { /* smaps: the block of the VMA at vma */
		char head[32];
		snprintf(head, sizeof(head), "%lx-", (unsigned long)vma);
		s = strstr(buf, head);
		if (!s)
			return -1;
	}
	s = strstr(s, key);
	return s ? strtol(s + strlen(key), NULL, 10) : -1;
}

static void show_page(const char *what, const void *va)
{
	uint64_t e = pagemap(va);
	printf("%s: present %d swapped %d", what, (int)(e >> 63 & 1),
	       (int)(e >> 62 & 1));
	if (e >> 62 & 1)
		printf(" type %llu offset %llu", (unsigned long long)(e & 31),
		       (unsigned long long)((e & ((1ULL << 55) - 1)) >> 5));
	printf("\n");
}

static int pageout(void)
{
	uint64_t *p = map(4);
	for (size_t i = 0; i < 4; i++)
		fill(p, i);
	printf("smaps Swap %ld VmSwap %ld\n",
	       field("/proc/self/smaps", "Swap:", p),
	       field("/proc/self/status", "VmSwap:", NULL));
	long total = field("/proc/meminfo", "SwapTotal:", NULL);
	long free0 = field("/proc/meminfo", "SwapFree:", NULL);
	printf("madvise PAGEOUT %d\n", madvise(p, 4 * PAGE, MADV_PAGEOUT));
	for (int i = 0; i < 4; i++) {
		char what[16];
		snprintf(what, sizeof(what), "page %d", i);
		show_page(what, (char *)p + i * PAGE);
	}
	printf("smaps Swap %ld SwapPss %ld VmSwap %ld\n",
	       field("/proc/self/smaps", "Swap:", p),
	       field("/proc/self/smaps", "SwapPss:", p),
	       field("/proc/self/status", "VmSwap:", NULL));
	printf("SwapTotal %ld SwapFree used %ld\n", total,
	       free0 - field("/proc/meminfo", "SwapFree:", NULL));
	long before = majflt();
	uint64_t sum = 0;
	for (size_t i = 0; i < 4; i++)
		sum += check(p, i);
	printf("read back: checksum %016llx majflt %ld\n",
	       (unsigned long long)sum, majflt() - before);
	show_page("page 0 after", p);
	printf("VmSwap %ld\n", field("/proc/self/status", "VmSwap:", NULL));
	return 0;
}

static int locked(size_t pages)
{
	uint64_t *l = map(16);
	if (mlock(l, 16 * PAGE))
		return 1;
	for (size_t i = 0; i < 16; i++)
		fill(l, i);
	int r = madvise(l, 16 * PAGE, MADV_PAGEOUT);
	printf("madvise PAGEOUT on locked: %d errno %d\n", r, errno);
	uint64_t *p = map(pages);
	for (size_t i = 0; i < pages; i++)
		fill(p, i);
	int present = 0;
	for (size_t i = 0; i < 16; i++)
		present += (int)(pagemap((char *)l + i * PAGE) >> 63);
	long before = majflt();
	for (size_t i = 0; i < 16; i++)
		check(l, i);
	printf("locked present %d majflt reading them %ld\n", present,
	       majflt() - before);
	return 0;
}

static int oom(size_t pages)
{
	uint64_t *p = map(pages);
	for (size_t i = 0; i < pages; i++) {
		fill(p, i);
		if (i % 256 == 0) {
			printf("%zu\n", i);
			fflush(stdout);
		}
	}
	printf("all %zu written\n", pages);
	return 0;
}

static int oomread(size_t pages)
{
	uint64_t *p = map(pages);
	int fd = open("/dev/zero", O_RDONLY);
	ssize_t n = read(fd, p, pages * PAGE);
	printf("read returned %zd\n", n);
	return 0;
}

static long swap_used(void)
{
	return field("/proc/meminfo", "SwapTotal:", NULL) -
	       field("/proc/meminfo", "SwapFree:", NULL);
}

static int sharedfree(size_t pages)
{
	map_flags = MAP_SHARED | MAP_ANONYMOUS;
	uint64_t *p = map(pages);
	for (size_t i = 0; i < pages; i++)
		fill(p, i);
	long before = swap_used();
	int r = madvise(p, pages / 2 * PAGE, MADV_REMOVE);
	long half = swap_used();
	munmap(p, pages * PAGE);
	printf("remove %d used before %ld half %ld after %ld\n", r, before,
	       half, swap_used());
	return 0;
}

struct mem_extract {
	uint64_t me_vaddr;
	uint64_t me_paddr;
	int32_t me_domain;
	int32_t me_state;
	uint64_t pad1[5];
};
#define MEM_EXTRACT_PADDR 0xC0406D34u

static int extract(void)
{
	int fd = open("/dev/mem", O_RDONLY);
	uint64_t *p = map(1);
	fill(p, 0);
	struct mem_extract me = {.me_vaddr = (uint64_t)p};
	long r = ioctl(fd, MEM_EXTRACT_PADDR, &me);
	printf("written: ret %ld state %d\n", r, me.me_state);
	madvise(p, PAGE, MADV_PAGEOUT);
	memset(&me, 0, sizeof(me));
	me.me_vaddr = (uint64_t)p;
	r = ioctl(fd, MEM_EXTRACT_PADDR, &me);
	printf("swapped: ret %ld state %d paddr %#llx\n", r, me.me_state,
	       (unsigned long long)me.me_paddr);
	check(p, 0);
	me.me_vaddr = (uint64_t)p;
	r = ioctl(fd, MEM_EXTRACT_PADDR, &me);
	printf("read back: ret %ld state %d\n", r, me.me_state);
	return 0;
}

static int cold(void)
{
	uint64_t *p = map(5);
	munmap((char *)p + 4 * PAGE, PAGE); /* a hole after the pages */
	for (size_t i = 0; i < 4; i++)
		fill(p, i);
	printf("madvise COLD %d\n", madvise(p, 4 * PAGE, MADV_COLD));
	int r = madvise((char *)p + 1, PAGE, MADV_COLD);
	printf("unaligned %d errno %d\n", r, errno);
	r = madvise((char *)p + 4 * PAGE, PAGE, MADV_COLD);
	printf("hole %d errno %d\n", r, errno);
	show_page("page 0", p);
	for (size_t i = 0; i < 4; i++)
		check(p, i);
	printf("data ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "workset"))
		return workset(strtoul(argv[2], NULL, 0), atoi(argv[3]), 0);
	if (argc >= 3 && !strcmp(argv[1], "sharedfree"))
		return sharedfree(strtoul(argv[2], NULL, 0));
	if (argc >= 4 && !strcmp(argv[1], "shared")) {
		map_flags = MAP_SHARED | MAP_ANONYMOUS;
		return workset(strtoul(argv[2], NULL, 0), atoi(argv[3]), 0);
	}
	if (argc >= 5 && !strcmp(argv[1], "hot"))
		return workset(strtoul(argv[2], NULL, 0), atoi(argv[3]),
			       strtoul(argv[4], NULL, 0));
	if (argc >= 3 && !strcmp(argv[1], "refstring"))
		return refstring(strtoul(argv[2], NULL, 0), argc - 3, argv + 3);
	if (argc >= 2 && !strcmp(argv[1], "pageout"))
		return pageout();
	if (argc >= 3 && !strcmp(argv[1], "mlock"))
		return locked(strtoul(argv[2], NULL, 0));
	if (argc >= 3 && !strcmp(argv[1], "oom"))
		return oom(strtoul(argv[2], NULL, 0));
	if (argc >= 3 && !strcmp(argv[1], "oomread"))
		return oomread(strtoul(argv[2], NULL, 0));
	if (argc >= 2 && !strcmp(argv[1], "extract"))
		return extract();
	if (argc >= 2 && !strcmp(argv[1], "cold"))
		return cold();
	fprintf(stderr, "usage: reclaim workset|refstring|pageout|mlock|oom|"
			"extract|cold ...\n");
	return 2;
}
