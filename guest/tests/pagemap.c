/* /proc/self/pagemap against Linux: mappings at fixed addresses in known
 * states, and for each page the bits that say what backs it (present 63,
 * file or shared 61, exclusive 56, soft-dirty 55, a frame number or
 * not); the frame numbers themselves differ between machines.  Then the
 * EINVAL rules.  tests/mm_test.c compares the output with the host's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BASE 0x200000000000UL
#define PAGE 4096UL

static int fd;

static void map(unsigned long off, unsigned long pages, int prot, int flags)
{
	void *want = (void *)(BASE + off * PAGE);
	if (mmap(want, pages * PAGE, prot, flags | MAP_FIXED_NOREPLACE, -1,
		 0) != want)
		exit(1);
}

static void show(const char *name, uintptr_t va)
{
	uint64_t e = 0;
	if (pread(fd, &e, 8, (off_t)(va / PAGE * 8)) != 8) {
		printf("%s read failed\n", name);
		return;
	}
	printf("%s present %d file %d exclusive %d soft-dirty %d pfn %s\n",
	       name, (int)(e >> 63 & 1), (int)(e >> 61 & 1), (int)(e >> 56 & 1),
	       (int)(e >> 55 & 1), (e & ((1ULL << 55) - 1)) ? "yes" : "no");
}

static void (*volatile text_page)(const char *, uintptr_t) = show;

int main(void)
{
	map(0, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	map(5, 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	map(6, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	volatile char *p = (volatile char *)BASE;
	p[0] = 1;	 /* written: an exclusive anonymous page */
	(void)p[PAGE];	 /* read: the zero page */
	p[5 * PAGE] = 1; /* shared anonymous, written */
	p[6 * PAGE] = 1;
	mprotect((void *)(BASE + 6 * PAGE), PAGE, PROT_NONE);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 2;
	show("anon_written", BASE);
	show("anon_read", BASE + PAGE);
	show("anon_untouched", BASE + 2 * PAGE);
	show("hole", BASE + 4 * PAGE);
	show("shared_written", BASE + 5 * PAGE);
	show("prot_none_written", BASE + 6 * PAGE);
	show("program_text", (uintptr_t)text_page);
	uint64_t e;
	printf("read_unaligned_offset %s\n",
	       pread(fd, &e, 8, 4) < 0 ? strerror(errno) : "ok");
	printf("read_odd_count %s\n",
	       pread(fd, &e, 7, 0) < 0 ? strerror(errno) : "ok");
	printf("read_count0 %ld\n", (long)pread(fd, &e, 0, 0));
	printf("read_past_user_space %ld\n",
	       (long)pread(fd, &e, 8, (off_t)(0x800000000000UL / PAGE * 8)));
	return 0;
}
