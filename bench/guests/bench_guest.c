/* The benchmark guest: one static program, one mode per case.
 *
 *   bench_guest nop               return at once (start-up time)
 *   bench_guest map N             mmap N anonymous pages, touch none
 *   bench_guest touch N           mmap N anonymous pages, write one byte
 *                                 each, in address order
 *   bench_guest touchrand N       the same in a fixed pseudo-random order
 *   bench_guest alu ITER          ITER rounds of register-only arithmetic
 *   bench_guest halves ITER       alu ITER/2, midpoint(), alu ITER/2: a
 *                                 place for gdb to stop half-way
 *                                 (bench/run ONLY=gdb)
 *   bench_guest load ITER         ITER loads from a 16 KiB array (in L1)
 *   bench_guest store ITER        ITER stores to a 16 KiB array
 *   bench_guest chase ITER [NODES]  ITER dependent loads around a random
 *                                 cycle of NODES 64-byte nodes (1 << 20)
 *   bench_guest mprotect N        N times: page read-only, read-write, write
 *   bench_guest sigsegv N         N times: page read-only, a write faults,
 *                                 the SIGSEGV handler makes the page
 *                                 read-write and returns, the write is done
 *   bench_guest mapunmap N        N times: mmap one page, write it, munmap
 *   bench_guest getppid N         N raw getppid system calls
 *   bench_guest sparse N STRIDE   mmap N * STRIDE bytes (MAP_NORESERVE),
 *                                 write one byte every STRIDE bytes
 *   bench_guest farmaps N         N one-page mmaps 64 MiB apart, each written
 *   bench_guest nearmaps N        N one-page mmaps 8 KiB apart (a one-page
 *                                 gap between two, so no two merge)
 *   bench_guest fileprep N        write a file of N pages under /dev/shm
 *                                 (tmpfs: the page cache), map it shared
 *                                 and read-only, unmap it, remove it
 *   bench_guest fileread N        the same, reading one byte of every page
 *                                 through the mapping: N / 16 file read
 *                                 faults (fault-around maps 16 cached
 *                                 pages a fault, natively and in memu)
 *   bench_guest swapscan N ROUNDS  write N pages in order, then read them
 *                                 back ROUNDS times in order: with N
 *                                 pages twice RAM, one major fault per
 *                                 page read (docs/reclaim.md)
 *   bench_guest pingpong N        N futex round trips between two threads:
 *                                 each wakes the other and waits for it
 *                                 (two context switches a round trip)
 *
 * Every mode prints "checksum X" so bench/run can check that native,
 * qemu-x86_64 and memu computed the same thing; X depends only on the
 * arguments, never on addresses or pids.  touch and touchrand also print
 * "elapsed_ns T", the time of their write loop by the guest's own clock;
 * that is real time natively and under qemu-x86_64 but virtual time under
 * memu (advanced by syscalls and faults, not by instructions), so
 * bench/run uses it only for the native first-touch figures and times
 * everything from outside.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MAP_NORESERVE, MAP_FIXED_NOREPLACE */
#endif
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE  4096
#define WORDS 2048 /* 16 KiB of uint64_t */

/* Where farmaps and nearmaps put their mappings: 16 TiB, far from the
 * program, its heap, the mmap area and the stack natively, under
 * qemu-x86_64 and under memu.  farmaps spans N * 64 MiB from here (250 GiB
 * for 4,000), well below the 128 TiB user limit. */
#define MAPS_BASE   0x100000000000ull
#define FAR_STRIDE  (64ull << 20)
#define NEAR_STRIDE (2ull * PAGE)
#define CHASE_NODES (1u << 20)
#define SEED	    0x5eed0f6d656d75ull /* fixed: same order every run */

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

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

/* splitmix64: a fixed-seed PRNG, the same sequence everywhere. */
static uint64_t rng_state = SEED;
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A uniform-enough integer below n (n > 0), no division. */
static uint64_t below(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng() * n) >> 64);
}

static volatile uint8_t *map_anon(uint64_t bytes, int extra_flags)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
	if (p == MAP_FAILED)
		fail("bench_guest: mmap");
	/* The host kernel's 4 KiB first-touch fault is the reference, not
	 * a transparent huge page; errors (e.g. no THP) do not matter. */
	madvise(p, bytes, MADV_NOHUGEPAGE);
	return p;
}

static volatile uint8_t *map_pages(uint64_t n)
{
	return n ? map_anon(n * PAGE, 0) : NULL;
}

/* Read back every 997th of n pages at stride bytes: checks the writes
 * without faulting anything new. */
static uint64_t read_back(volatile uint8_t *p, uint64_t n, uint64_t stride)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i += 997)
		sum += p[i * stride];
	return sum + n;
}

static uint64_t touch(uint64_t n)
{
	volatile uint8_t *p = map_pages(n);
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < n; i++)
		p[i * PAGE] = (uint8_t)(i | 1);
	uint64_t t1 = now_ns();
	printf("elapsed_ns %llu\n", (unsigned long long)(t1 - t0));
	return read_back(p, n, PAGE);
}

#define FUTEX_WAIT_PRIVATE_ 128
#define FUTEX_WAKE_PRIVATE_ 129
static uint32_t pp_word;

static void pp_wait(uint32_t busy)
{
	while (__atomic_load_n(&pp_word, __ATOMIC_ACQUIRE) == busy)
		syscall(SYS_futex, &pp_word, FUTEX_WAIT_PRIVATE_, busy, 0, 0,
			0);
}

static void pp_set(uint32_t v)
{
	__atomic_store_n(&pp_word, v, __ATOMIC_RELEASE);
	syscall(SYS_futex, &pp_word, FUTEX_WAKE_PRIVATE_, 1, 0, 0, 0);
}

static void *pong(void *arg)
{
	uint64_t n = *(uint64_t *)arg;
	for (uint64_t i = 0; i < n; i++) {
		pp_wait(0); /* until main sets 1 */
		pp_set(0);
	}
	return NULL;
}

static uint64_t pingpong(uint64_t n)
{
	pthread_t t;
	if (pthread_create(&t, NULL, pong, &n))
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		pp_set(1);
		pp_wait(1); /* until the thread sets 0 */
	}
	pthread_join(t, NULL);
	return n;
}

static uint64_t swapscan(uint64_t n, uint64_t rounds)
{
	volatile uint8_t *p = map_pages(n);
	for (uint64_t i = 0; i < n; i++)
		p[i * PAGE] = (uint8_t)(i | 1);
	uint64_t sum = 0;
	for (uint64_t r = 0; r < rounds; r++)
		for (uint64_t i = 0; i < n; i++)
			sum += p[i * PAGE];
	return sum;
}

/* A fixed pseudo-random permutation of [0, 2^bits): adds, multiplies by
 * odd constants and xor-shifts, each a bijection modulo 2^bits.  touchrand
 * walks x = 0, 1, ... through it and skips values >= n (cycle walking), so
 * it visits each of n pages once, in an order with no locality, and needs
 * no table (which would fault pages of its own). */
static inline uint64_t scramble(uint64_t x, uint64_t mask, unsigned shift)
{
	x = (x + 0x2545f4914f6cdd1du) & mask;
	x = (x * 0x9e3779b97f4a7c15u) & mask;
	x ^= x >> shift;
	x = (x * 0xd6e8feb86659fd93u) & mask;
	x ^= x >> shift;
	x = (x * 0xbf58476d1ce4e5b9u) & mask;
	x ^= x >> shift;
	return x;
}

static uint64_t touchrand(uint64_t n)
{
	volatile uint8_t *p = map_pages(n);
	unsigned bits = 0;
	while (bits < 63 && (1ull << bits) < n)
		bits++;
	uint64_t mask = (1ull << bits) - 1;
	unsigned shift = bits / 2 + 1;
	uint64_t done = 0;
	uint64_t t0 = now_ns();
	for (uint64_t x = 0; x <= mask && n; x++) {
		uint64_t i = scramble(x, mask, shift);
		if (i < n) {
			p[i * PAGE] = (uint8_t)(i | 1);
			done++;
		}
	}
	uint64_t t1 = now_ns();
	if (done != n) {
		fprintf(stderr, "bench_guest: touchrand wrote %llu of %llu\n",
			(unsigned long long)done, (unsigned long long)n);
		exit(1);
	}
	printf("elapsed_ns %llu\n", (unsigned long long)(t1 - t0));
	return read_back(p, n, PAGE);
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

/* Half-way through halves: gdb's breakpoint. */
__attribute__((noinline)) uint64_t midpoint(uint64_t sum)
{
	OPAQUE(sum);
	return sum;
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

/* One cache line a node: the next pointer, and the node's successor index
 * while the cycle is built. */
struct node {
	struct node *next;
	uint64_t succ;
	uint64_t pad[6];
};

/* Pointer chase: NODES nodes linked into one random cycle (Sattolo's
 * shuffle with the fixed-seed PRNG), then ITER loads, each needing the one
 * before.  The nodes span NODES * 64 bytes (64 MiB for 1M), 16,384 pages:
 * every load misses the data caches and most miss the host TLB, and the
 * emulator's guest-to-host translation is on the critical path.  chase 0
 * builds the cycle only: bench/run subtracts it. */
static uint64_t chase(uint64_t iter, uint64_t nodes)
{
	if (nodes < 2) {
		fprintf(stderr, "bench_guest: chase needs at least 2 nodes\n");
		exit(2);
	}
	struct node *v = (struct node *)map_anon(nodes * sizeof(*v), 0);
	for (uint64_t i = 0; i < nodes; i++)
		v[i].succ = i;
	for (uint64_t i = nodes - 1; i > 0; i--) {
		uint64_t j = below(i); /* j < i: one single cycle */
		uint64_t t = v[i].succ;
		v[i].succ = v[j].succ;
		v[j].succ = t;
	}
	for (uint64_t i = 0; i < nodes; i++)
		v[i].next = &v[v[i].succ];
	struct node *p = v;
	for (uint64_t i = 0; i < iter; i++)
		p = p->next;
	return (uint64_t)(p - v) + iter;
}

/* mprotect: a one-page mapping, written once (so no demand fault in the
 * loop), then N times read-only, read-write and a write: two protection
 * changes (and TLB flushes) and one TLB refill for a write per round. */
static uint64_t mprotect_loop(uint64_t n)
{
	volatile uint8_t *p = map_anon(PAGE, 0);
	void *page = (void *)p;
	p[0] = 1;
	for (uint64_t i = 0; i < n; i++) {
		if (mprotect(page, PAGE, PROT_READ))
			fail("bench_guest: mprotect");
		if (mprotect(page, PAGE, PROT_READ | PROT_WRITE))
			fail("bench_guest: mprotect");
		p[i & (PAGE - 1)] = (uint8_t)i;
	}
	uint64_t s = 0;
	for (unsigned i = 0; i < PAGE; i += 64)
		s += p[i];
	return s + n;
}

/* sigsegv: the signal round trip.  The same page and the same two
 * protection changes and write a round as mprotect, but the change back
 * to read-write is the SIGSEGV handler's: the write faults, the kernel
 * (or emulator) builds the signal frame, the handler runs and returns
 * through rt_sigreturn, and the write is done again.  sigsegv - mprotect
 * is the fault, the delivery and the return. */
static volatile uint8_t *segv_page;
static volatile uint64_t segv_hits;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	uint8_t *a = si->si_addr, *page = (uint8_t *)segv_page;
	if (a < page || a >= page + PAGE ||
	    mprotect(page, PAGE, PROT_READ | PROT_WRITE)) {
		static const char msg[] = "bench_guest: unexpected SIGSEGV\n";
		write(2, msg, sizeof(msg) - 1);
		_exit(1);
	}
	segv_hits++;
}

static uint64_t sigsegv_loop(uint64_t n)
{
	volatile uint8_t *p = map_anon(PAGE, 0);
	void *page = (void *)p;
	p[0] = 1;
	segv_page = p;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSEGV, &sa, NULL))
		fail("bench_guest: sigaction");
	for (uint64_t i = 0; i < n; i++) {
		if (mprotect(page, PAGE, PROT_READ))
			fail("bench_guest: mprotect");
		p[i & (PAGE - 1)] = (uint8_t)i;
	}
	uint64_t s = 0;
	for (unsigned i = 0; i < PAGE; i += 64)
		s += p[i];
	return s + n + segv_hits;
}

/* mapunmap: N times a fresh one-page anonymous mapping, a demand fault on
 * its first write, a read back and munmap. */
static uint64_t mapunmap(uint64_t n)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++) {
		void *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			fail("bench_guest: mmap");
		volatile uint8_t *p = page;
		p[i & (PAGE - 1)] = (uint8_t)(i | 1);
		s += p[i & (PAGE - 1)];
		if (munmap(page, PAGE))
			fail("bench_guest: munmap");
	}
	return s + n;
}

/* getppid: a raw system call (no libc wrapper, no caching), N times.  The
 * parent's pid differs between runners, so the checksum counts the calls
 * that returned the same as the first. */
static uint64_t getppid_loop(uint64_t n)
{
	uint64_t same = 0;
	long first = 0;
	for (uint64_t i = 0; i < n; i++) {
		long r;
		__asm__ volatile("syscall"
				 : "=a"(r)
				 : "0"(110L) /* __NR_getppid */
				 : "rcx", "r11", "memory");
		if (i == 0)
			first = r;
		same += r == first && r >= 0;
	}
	return same;
}

/* sparse: one MAP_NORESERVE mapping of N * STRIDE bytes (48.8 GiB for
 * 100,000 pages 512 KiB apart), one byte written every STRIDE bytes: few
 * frames, spread over a large virtual range (and many page-table pages). */
static uint64_t sparse(uint64_t n, uint64_t stride)
{
	if (!n || !stride || stride % PAGE) {
		fprintf(stderr, "bench_guest: sparse needs N > 0 and STRIDE a "
				"multiple of 4096\n");
		exit(2);
	}
	volatile uint8_t *p = map_anon(n * stride, MAP_NORESERVE);
	for (uint64_t i = 0; i < n; i++)
		p[i * stride] = (uint8_t)(i | 1);
	return read_back(p, n, stride);
}

/* farmaps / nearmaps: N separate one-page mappings at fixed addresses
 * (MAP_FIXED_NOREPLACE; the result is checked, for kernels that take the
 * flag as a hint), each written once.  Far: 64 MiB apart, so each has a
 * page-table page of its own (and every 16 a page directory); near: 8 KiB
 * apart, a one-page hole between two so they stay separate mappings. */
static uint64_t maps(uint64_t n, uint64_t stride)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t at = MAPS_BASE + i * stride;
		void *page =
			mmap((void *)at, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			     -1, 0);
		if (page == MAP_FAILED)
			fail("bench_guest: mmap MAP_FIXED_NOREPLACE");
		if ((uint64_t)page != at) {
			fprintf(stderr, "bench_guest: mmap at %#llx gave %p\n",
				(unsigned long long)at, page);
			exit(1);
		}
		((volatile uint8_t *)page)[i & (PAGE - 1)] = (uint8_t)(i | 1);
	}
	for (uint64_t i = 0; i < n; i++)
		s += ((volatile uint8_t *)(MAPS_BASE +
					   i * stride))[i & (PAGE - 1)];
	return s + n;
}

/* A file of n pages in the page cache, mapped, read (touch) or not. */
static uint64_t file_pages(uint64_t n, int touch)
{
	char path[] = "/dev/shm/memu-bench.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		exit(1);
	unlink(path);
	static unsigned char chunk[64 * PAGE];
	for (uint64_t i = 0; i < n; i += 64) {
		uint64_t k = n - i < 64 ? n - i : 64;
		for (uint64_t j = 0; j < k; j++)
			chunk[j * PAGE] = (unsigned char)(i + j);
		if (write(fd, chunk, k * PAGE) != (ssize_t)(k * PAGE))
			exit(1);
	}
	volatile unsigned char *p =
		mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		exit(1);
	uint64_t s = n;
	if (touch)
		for (uint64_t i = 0; i < n; i++)
			s += p[i * PAGE];
	munmap((void *)p, n * PAGE);
	close(fd);
	return s;
}

static const char usage[] =
	"usage: bench_guest nop | map N | touch N | touchrand N | alu ITER |\n"
	"       halves ITER |\n"
	"       load ITER | store ITER | chase ITER [NODES] | mprotect N |\n"
	"       sigsegv N | mapunmap N | getppid N | sparse N STRIDE |\n"
	"       farmaps N | nearmaps N | fileprep N | fileread N |\n"
	"       swapscan N ROUNDS | pingpong N\n";

int main(int argc, char **argv)
{
	if (argc < 2)
		goto bad;
	const char *mode = argv[1];
	int nargs = argc - 2;
	uint64_t a = nargs > 0 ? number(argv[2]) : 0;
	uint64_t b = nargs > 1 ? number(argv[3]) : 0;
	uint64_t sum;
#define IS(name, min, max)                                                     \
	(!strcmp(mode, name) && nargs >= (min) && nargs <= (max))
	if (IS("nop", 0, 0))
		sum = 0;
	else if (IS("map", 1, 1))
		sum = map_pages(a) != NULL;
	else if (IS("touch", 1, 1))
		sum = touch(a);
	else if (IS("touchrand", 1, 1))
		sum = touchrand(a);
	else if (IS("alu", 1, 1))
		sum = alu(a);
	else if (IS("halves", 1, 1))
		sum = alu(a / 2) ^ midpoint(alu(a / 2 + 1));
	else if (IS("load", 1, 1))
		sum = load(a);
	else if (IS("store", 1, 1))
		sum = store(a);
	else if (IS("chase", 1, 2))
		sum = chase(a, nargs > 1 ? b : CHASE_NODES);
	else if (IS("mprotect", 1, 1))
		sum = mprotect_loop(a);
	else if (IS("sigsegv", 1, 1))
		sum = sigsegv_loop(a);
	else if (IS("mapunmap", 1, 1))
		sum = mapunmap(a);
	else if (IS("getppid", 1, 1))
		sum = getppid_loop(a);
	else if (IS("sparse", 2, 2))
		sum = sparse(a, b);
	else if (IS("farmaps", 1, 1))
		sum = maps(a, FAR_STRIDE);
	else if (IS("nearmaps", 1, 1))
		sum = maps(a, NEAR_STRIDE);
	else if (IS("fileprep", 1, 1))
		sum = file_pages(a, 0);
	else if (IS("fileread", 1, 1))
		sum = file_pages(a, 1);
	else if (IS("swapscan", 2, 2))
		sum = swapscan(a, b);
	else if (IS("pingpong", 1, 1))
		sum = pingpong(a);
	else
		goto bad;
#undef IS
	printf("checksum %llx\n", (unsigned long long)sum);
	return 0;
bad:
	fputs(usage, stderr);
	return 2;
}
