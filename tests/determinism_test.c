/* Same program, same seed: same run, byte for byte.
 *
 * guest/tests/determinism.c prints everything that could differ between
 * two runs on a real kernel (AT_RANDOM, getrandom, clocks, TSC, pid,
 * uname, malloc/mmap/stack addresses), touches memory, and stops at
 * memu_probe(address of its 3-page mmap) so we can read those PTEs.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PAGE	   4096
#define MAP_PAGES  3
#define EPOCH_2026 1767225600LL /* 2026-01-01T00:00:00Z */

struct snapshot {
	char *out;
	struct memu_stats stats;
	uint64_t map; /* the guest's mmap address (probe tag) */
	uint64_t pfn[MAP_PAGES];
};

static void take(struct snapshot *s, uint64_t seed)
{
	struct memu_config cfg;
	struct guest g;
	memu_config_init(&cfg);
	cfg.seed = seed;
	guest_open_cfg(&g, &cfg, "determinism", NULL);
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE);
	s->map = g.r.probe_tag;
	cr_assert(s->map && !(s->map % PAGE), "probe tag %#" PRIx64, s->map);
	for (int i = 0; i < MAP_PAGES; i++) {
		struct memu_pte pte;
		memu_pte(g.m, s->map + (uint64_t)i * PAGE, &pte);
		cr_assert(pte.present && pte.writable && pte.dirty,
			  "page %d: pte %#" PRIx64, i, pte.raw);
		cr_assert_eq(memu_frame_kind(g.m, pte.pfn), MEMU_FRAME_ANON);
		s->pfn[i] = pte.pfn;
	}
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0, "stdout:\n%s", guest_stdout(&g));
	cr_assert_str_empty(guest_stderr(&g));
	s->out = strdup(guest_stdout(&g));
	guest_stats(&g, &s->stats);
	guest_close(&g);
}

static void drop(struct snapshot *s)
{
	free(s->out);
}

/* The value after "key: " on the line that starts with it (a copy). */
static char *field(const char *out, const char *key)
{
	size_t n = strlen(key);
	for (const char *s = out; *s;) {
		const char *end = strchrnul(s, '\n');
		if (!strncmp(s, key, n) && !strncmp(s + n, ": ", 2))
			return strndup(s + n + 2, (size_t)(end - s) - n - 2);
		s = *end ? end + 1 : end;
	}
	cr_assert_fail("no \"%s:\" line in:\n%s", key, out);
	return NULL;
}

/* a and b agree (same) or differ (!same) on key. */
static void compare(const char *a, const char *b, const char *key, bool same)
{
	char *x = field(a, key), *y = field(b, key);
	if (same)
		cr_expect_str_eq(x, y, "%s: %s vs %s", key, x, y);
	else
		cr_expect_str_neq(x, y, "%s: both %s", key, x);
	free(x);
	free(y);
}

static const char *const random_keys[] = {"at_random", "getrandom"};
static const char *const address_keys[] = {
	"malloc(100)",
	"malloc(1<<20)",
	"mmap(3 pages)",
	"stack",
};
static const char *const time_keys[] = {"realtime", "monotonic", "rdtsc"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

Test(determinism, same_seed_same_run)
{
	struct snapshot a, b;
	take(&a, 42);
	take(&b, 42);
	cr_assert_str_eq(a.out, b.out);
	cr_assert(memcmp(&a.stats, &b.stats, sizeof(a.stats)) == 0,
		  "statistics differ between two identical runs");
	cr_assert_eq(a.map, b.map);
	for (int i = 0; i < MAP_PAGES; i++)
		cr_assert_eq(a.pfn[i], b.pfn[i],
			     "page %d: pfn %#" PRIx64 " vs %#" PRIx64, i,
			     a.pfn[i], b.pfn[i]);
	/* The touching was counted (1 MiB = 256 pages of first touches). */
	cr_assert_geq(a.stats.faults[MEMU_FAULT_ANON], 256 + MAP_PAGES);
	drop(&a);
	drop(&b);
}

Test(determinism, seed_changes_only_randomness)
{
	struct snapshot a, b;
	take(&a, 1);
	take(&b, 2);
	for (size_t i = 0; i < COUNT(random_keys); i++)
		compare(a.out, b.out, random_keys[i], false);
	for (size_t i = 0; i < COUNT(address_keys); i++)
		compare(a.out, b.out, address_keys[i], true);
	for (size_t i = 0; i < COUNT(time_keys); i++)
		compare(a.out, b.out, time_keys[i], true);
	cr_assert_eq(a.map, b.map);
	drop(&a);
	drop(&b);
}

/* Random bytes are 16 and 32 bytes of hex, not all zero (the guest
 * prints zeros if getrandom failed). */
Test(determinism, random_bytes_present)
{
	struct snapshot a;
	take(&a, 0);
	char *r = field(a.out, "at_random"), *g = field(a.out, "getrandom");
	cr_assert_eq(strlen(r), 32);
	cr_assert_eq(strlen(g), 64);
	cr_assert_eq(strspn(r, "0123456789abcdef"), 32);
	cr_assert_neq(strspn(g, "0"), 64, "getrandom gave zeros");
	free(r);
	free(g);
	drop(&a);
}

Test(determinism, clocks_start_at_2026)
{
	struct snapshot a, b;
	take(&a, 0);
	take(&b, 0);
	for (size_t i = 0; i < COUNT(time_keys); i++)
		compare(a.out, b.out, time_keys[i], true);
	char *rt = field(a.out, "realtime"), *mono = field(a.out, "monotonic");
	long long sec, msec;
	long nsec, mnsec;
	cr_assert_eq(sscanf(rt, "%lld.%ld", &sec, &nsec), 2, "realtime: %s",
		     rt);
	cr_assert_eq(sscanf(mono, "%lld.%ld", &msec, &mnsec), 2,
		     "monotonic: %s", mono);
	cr_assert(sec >= EPOCH_2026 && sec < EPOCH_2026 + 10,
		  "realtime %s is not 2026-01-01", rt);
	cr_assert(nsec >= 0 && nsec < 1000000000L);
	cr_assert(msec >= 0 && msec < 10, "monotonic %s", mono);
	free(rt);
	free(mono);
	drop(&a);
	drop(&b);
}

Test(determinism, rdtsc_advances)
{
	struct snapshot a;
	take(&a, 0);
	char *t = field(a.out, "rdtsc");
	unsigned long long t1, t2;
	cr_assert_eq(sscanf(t, "%llu %llu", &t1, &t2), 2, "rdtsc: %s", t);
	cr_assert_gt(t2, t1, "rdtsc went from %llu to %llu", t1, t2);
	free(t);
	drop(&a);
}

Test(determinism, identity)
{
	struct snapshot a;
	take(&a, 0);
	char *pid = field(a.out, "pid"), *u = field(a.out, "uname");
	char sysname[65], machine[65];
	cr_assert_eq(sscanf(u, "%64s %*s %*s %64s", sysname, machine), 2,
		     "uname: %s", u);
	cr_assert_str_eq(sysname, "Linux");
	cr_assert_str_eq(machine, "x86_64");
	cr_assert_gt(atoi(pid), 0, "pid: %s", pid);
	free(pid);
	free(u);
	drop(&a);
}

/* Machines in one process share nothing: the second numbers its objects
 * and picks its frames exactly as the first did. */
static void first_page(uint64_t *pfn, uint64_t *anon_vma)
{
	struct guest g;
	guest_open(&g, "anon_touch", "write", "4", NULL);
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE);
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE);
	struct memu_pte p;
	memu_pte(g.m, g.r.probe_tag, &p);
	struct memu_rmap r[2];
	cr_assert_eq(memu_rmap(g.m, p.pfn, r, 2), 1);
	*pfn = p.pfn;
	*anon_vma = r[0].anon_vma;
	guest_close(&g);
}

Test(determinism, machines_in_one_process_are_independent)
{
	uint64_t pfn1, av1, pfn2, av2;
	first_page(&pfn1, &av1);
	first_page(&pfn2, &av2);
	cr_assert_eq(pfn1, pfn2);
	cr_assert_eq(av1, av2);
}
