/* Prints everything a program could use to tell two runs apart: the
 * AT_RANDOM bytes, getrandom(2), both clocks, the TSC, its pid, uname,
 * and where malloc, mmap and the stack put things.  It touches memory on
 * the way so the fault and frame statistics have something to count.
 *
 * At the end it stops once at memu_probe(mmap address), so a test can
 * read the PTEs of the three mmapped pages.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "memu_guest.h"

#define PAGE 4096

static void print_hex(const char *key, const unsigned char *p, size_t n)
{
	printf("%s: ", key);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static void print_clock(const char *key, clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		ts.tv_sec = ts.tv_nsec = -1;
	printf("%s: %lld.%09ld\n", key, (long long)ts.tv_sec, ts.tv_nsec);
}

/* memu sets CR4.TSD, so this traps and memu answers from its clock. */
static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Writes every page of the buffer; returns a checksum of what it wrote. */
static unsigned touch(unsigned char *p, size_t len, unsigned char seed)
{
	unsigned sum = 0;

	for (size_t i = 0; i < len; i += PAGE / 4) {
		p[i] = (unsigned char)(seed + i / PAGE);
		sum += p[i];
	}
	return sum;
}

int main(void)
{
	unsigned char rnd[32];
	struct utsname u;
	int local = 0;

	print_hex("at_random", (const unsigned char *)getauxval(AT_RANDOM), 16);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	print_hex("getrandom", rnd, sizeof(rnd));
	print_clock("realtime", CLOCK_REALTIME);
	print_clock("monotonic", CLOCK_MONOTONIC);
	uint64_t t1 = rdtsc();
	uint64_t t2 = rdtsc();
	printf("rdtsc: %llu %llu\n", (unsigned long long)t1,
	       (unsigned long long)t2);
	printf("pid: %d\n", (int)getpid());
	uname(&u);
	printf("uname: %s %s %s %s\n", u.sysname, u.nodename, u.release,
	       u.machine);

	unsigned char *small = malloc(100);
	unsigned char *big = malloc(1 << 20);
	unsigned char *map = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!small || !big || map == MAP_FAILED)
		return 1;
	printf("malloc(100): %p\n", (void *)small);
	printf("malloc(1<<20): %p\n", (void *)big);
	printf("mmap(3 pages): %p\n", (void *)map);
	printf("stack: %p\n", (void *)&local);

	unsigned sum = touch(small, 100, 1) + touch(big, 1 << 20, 2) +
		       touch(map, 3 * PAGE, 3);
	printf("checksum: %u\n", sum);
	fflush(stdout);
	memu_probe((long)map);
	return 0;
}
