/* The benchmark guest: one static program, one mode per case.
 *
 *   bench_guest nop           return at once (start-up time)
 *   bench_guest map N         mmap N anonymous pages, touch none
 *   bench_guest touch N       mmap N anonymous pages, write one byte each
 *   bench_guest alu ITER      ITER rounds of register-only arithmetic
 *   bench_guest load ITER     ITER loads from a 16 KiB array (stays in L1)
 *   bench_guest store ITER    ITER stores to a 16 KiB array
 *
 * Every mode prints "checksum X" so bench/run can check that native,
 * qemu-x86_64 and memu computed the same thing.  touch also prints
 * "elapsed_ns T", the time of its write loop by the guest's own clock;
 * that is real time natively and under qemu-x86_64 but virtual time under
 * memu (advanced by syscalls and faults, not by instructions), so
 * bench/run uses it only for the native first-touch figure and times
 * everything from outside.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE  4096
#define WORDS 2048 /* 16 KiB of uint64_t */

/* Keep x in a register and make gcc forget what it knows about it. */
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))

static uint64_t array[WORDS];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t number(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);
	if (!*s || *end) {
		fprintf(stderr, "bench_guest: bad number: %s\n", s);
		exit(2);
	}
	return v;
}

static volatile uint8_t *map_pages(uint64_t n)
{
	if (n == 0)
		return NULL;
	void *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("bench_guest: mmap");
		exit(1);
	}
	/* The host kernel's 4 KiB first-touch fault is the reference, not
	 * a transparent huge page; errors (e.g. no THP) do not matter. */
	madvise(p, n * PAGE, MADV_NOHUGEPAGE);
	return p;
}

static uint64_t touch(uint64_t n)
{
	volatile uint8_t *p = map_pages(n);
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < n; i++)
		p[i * PAGE] = (uint8_t)(i | 1);
	uint64_t t1 = now_ns();
	uint64_t sum = 0;
	/* Read back a few pages: checks the writes without faulting. */
	for (uint64_t i = 0; i < n; i += 997)
		sum += p[i * PAGE];
	printf("elapsed_ns %llu\n", (unsigned long long)(t1 - t0));
	return sum + n;
}

/* A dependent chain of adds, xors, shifts and a multiply: ALU only. */
static uint64_t alu(uint64_t iter)
{
	uint64_t a = 0x9e3779b97f4a7c15u, b = 1, c = 7;
	for (uint64_t i = 0; i < iter; i++) {
		a += b;
		b ^= a >> 7;
		c = c * 3 + (a ^ b);
		a ^= c << 3;
		OPAQUE(a);
		OPAQUE(b);
	}
	return a ^ b ^ c;
}

static uint64_t load(uint64_t iter)
{
	const volatile uint64_t *v = array;
	for (unsigned i = 0; i < WORDS; i++)
		array[i] = i * 2654435761u;
	uint64_t s0 = 0, s1 = 0;
	uint64_t rounds = iter / WORDS;
	for (uint64_t r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < WORDS; i += 2) {
			s0 += v[i];
			s1 ^= v[i + 1];
		}
	}
	return s0 + s1;
}

static uint64_t store(uint64_t iter)
{
	volatile uint64_t *v = array;
	uint64_t rounds = iter / WORDS;
	for (uint64_t r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < WORDS; i += 2) {
			v[i] = r + i;
			v[i + 1] = r ^ i;
		}
	}
	uint64_t s = 0;
	for (unsigned i = 0; i < WORDS; i++)
		s += array[i];
	return s;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		goto usage;
	const char *mode = argv[1];
	uint64_t sum;
	if (!strcmp(mode, "nop") && argc == 2)
		sum = 0;
	else if (argc != 3)
		goto usage;
	else if (!strcmp(mode, "map"))
		sum = map_pages(number(argv[2])) != NULL;
	else if (!strcmp(mode, "touch"))
		sum = touch(number(argv[2]));
	else if (!strcmp(mode, "alu"))
		sum = alu(number(argv[2]));
	else if (!strcmp(mode, "load"))
		sum = load(number(argv[2]));
	else if (!strcmp(mode, "store"))
		sum = store(number(argv[2]));
	else
		goto usage;
	printf("checksum %llx\n", (unsigned long long)sum);
	return 0;
usage:
	fprintf(stderr, "usage: bench_guest nop | map N | touch N | alu ITER | "
			"load ITER | store ITER\n");
	return 2;
}
