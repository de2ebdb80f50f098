/* Memory pressure (docs/reclaim.md): the replacement policies against an
 * independent simulation, and guests under --swap: data intact, exact
 * major-fault counts, MADV_PAGEOUT and what /proc shows of a swapped
 * page, mlocked pages kept, the OOM killer, MEM_EXTRACT_PADDR.
 *
 * The policy tests drive the memory system itself, without a guest: an
 * address space with one anonymous VMA, RAM cut down to exactly N free
 * frames, the watermarks set so that reclaim frees one frame when none
 * is left (low = high = 1), and each access made as the CPU makes it
 * (pt_walk, which sets the Accessed bit; handle_mm_fault when it
 * faults).  Every first touch is a minor fault, every later miss a major
 * one, so the major faults are the misses of the textbook algorithm
 * minus the distinct pages.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>

#include "harness.h"
#include "mmu/fault.h"
#include "mmu/mmap.h"
#include "mmu/pagetable.h"
#include "mmu/vmscan.h"

/* ---- the policies on a reference string */

#define MAX_PAGES 64

static uc_engine *uc;
static struct mmu mmu;
static struct mm *mm;
static uint64_t base;

static void machine(const char *policy, unsigned frames, unsigned pages)
{
	char err[256] = "";
	cr_assert_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
	cr_assert_eq(
		mmu_init(&mmu, uc, 8ULL << 20, 16ULL << 20, err, sizeof(err)),
		0, "mmu_init: %s", err);
	cr_assert_eq(reclaim_init(&mmu, NULL, 1ULL << 20,
				  reclaim_policy_find(policy), err,
				  sizeof(err)),
		     0, "reclaim_init: %s", err);
	mm = mm_create(&mmu);
	cr_assert_not_null(mm);
	int64_t a = do_mmap(mm, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, 0, NULL);
	cr_assert_geq(a, 0);
	base = (uint64_t)a;
	/* Exactly `frames` frames left for the VMA's pages. */
	while (mmu.ram.nr_free > frames)
		cr_assert_neq(frame_alloc(&mmu.ram, FRAME_KERNEL, PFN_NONE, 0),
			      PFN_NONE);
	mmu.reclaim->wmark_min = 0;
	mmu.reclaim->wmark_low = mmu.reclaim->wmark_high = 1;
}

static void machine_end(void)
{
	mm_destroy(mm);
	mmu_destroy(&mmu);
	uc_close(uc);
}

/* A write to page n as the CPU makes it: a walk, and on a fault the
 * handler, then the walk again. */
static void touch(unsigned n)
{
	uint64_t va = base + n * PAGE_SIZE;
	struct pt_walk w;
	if (pt_walk(mm, va, PT_WRITE, true, &w) == 0)
		return;
	struct fault_outcome out;
	handle_mm_fault(mm, va, FAULT_FLAG_WRITE | FAULT_FLAG_USER, &out);
	cr_assert_eq(out.sig, 0, "page %u: %s", n, out.reason);
	mm_flush_tlb(mm);
	cr_assert_eq(pt_walk(mm, va, PT_WRITE, true, &w), 0);
	/* The page holds what was written to it first. */
	uint64_t *host = mmu_pfn_host(&mmu, w.pa >> PAGE_SHIFT);
	if (*host == 0)
		*host = 1000 + n;
	cr_assert_eq(*host, 1000 + n, "page %u came back wrong", n);
}

static uint64_t run_memu(const char *policy, unsigned frames,
			 const unsigned *refs, size_t n)
{
	machine(policy, frames, MAX_PAGES);
	for (size_t i = 0; i < n; i++)
		touch(refs[i]);
	uint64_t major = mmu.events.majflt;
	cr_assert_eq(major, mmu.events.faults[FAULT_SWAP]);
	cr_assert_eq(mmu.reclaim->swap.pswpin, major);
	cr_assert_eq(mmu.reclaim->pgsteal, mmu.reclaim->swap.pswpout);
	machine_end();
	return major;
}

/* The simulation: pages by number, one referenced bit each. */
struct sim {
	unsigned frames, nr;
	int list[2][MAX_PAGES]; /* 0: inactive / the ring / the queue */
	unsigned len[2];
	unsigned hand;
	bool ref[MAX_PAGES], resident[MAX_PAGES], seen[MAX_PAGES];
};

static void sim_del(struct sim *s, int l, unsigned i)
{
	memmove(&s->list[l][i], &s->list[l][i + 1],
		(s->len[l] - i - 1) * sizeof(int));
	s->len[l]--;
}

static void sim_push_head(struct sim *s, int l, int page)
{
	memmove(&s->list[l][1], &s->list[l][0], s->len[l] * sizeof(int));
	s->list[l][0] = page;
	s->len[l]++;
}

/* FIFO: list 0 in arrival order, the oldest first. */
static int fifo_victim(struct sim *s)
{
	int p = s->list[0][0];
	sim_del(s, 0, 0);
	return p;
}

/* CLOCK: list 0 is the ring of slots, the hand an index into it. */
static int clock_victim(struct sim *s)
{
	for (;;) {
		int p = s->list[0][s->hand];
		if (!s->ref[p])
			return p; /* replaced in its slot */
		s->ref[p] = false;
		s->hand = (s->hand + 1) % s->len[0];
	}
}

/* Linux's two lists as docs/reclaim.md states them: heads at index 0. */
static int lru_victim(struct sim *s)
{
	for (;;) {
		while (s->len[0] < s->len[1]) {
			int p = s->list[1][s->len[1] - 1];
			s->len[1]--;
			s->ref[p] = false;
			sim_push_head(s, 0, p);
		}
		int p = s->list[0][s->len[0] - 1];
		s->len[0]--;
		if (!s->ref[p])
			return p;
		s->ref[p] = false;
		sim_push_head(s, 1, p);
	}
}

static uint64_t simulate(const char *policy, unsigned frames,
			 const unsigned *refs, size_t n)
{
	struct sim s;
	memset(&s, 0, sizeof(s));
	uint64_t major = 0;
	unsigned used = 0;
	for (size_t i = 0; i < n; i++) {
		int p = (int)refs[i];
		if (s.resident[p]) {
			s.ref[p] = true;
			continue;
		}
		major += s.seen[p];
		s.seen[p] = true;
		if (used == frames) {
			int v = !strcmp(policy, "fifo")	   ? fifo_victim(&s)
				: !strcmp(policy, "clock") ? clock_victim(&s)
							   : lru_victim(&s);
			s.resident[v] = false;
			if (!strcmp(policy, "clock")) {
				/* the new page takes the slot */
				s.list[0][s.hand] = p;
				s.hand = (s.hand + 1) % s.len[0];
			}
			used--;
		}
		if (!strcmp(policy, "clock") && s.len[0] < frames)
			s.list[0][s.len[0]++] = p;
		else if (!strcmp(policy, "fifo"))
			s.list[0][s.len[0]++] = p;
		else if (!strcmp(policy, "lru"))
			sim_push_head(&s, 0, p);
		s.resident[p] = true;
		s.ref[p] = true; /* the access that faulted */
		used++;
	}
	return major;
}

/* Belady's string (1969), pages 1-5. */
static const unsigned belady[] = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
#define BELADY (sizeof(belady) / sizeof(belady[0]))

Test(policy, fifo_shows_beladys_anomaly)
{
	/* By hand: FIFO misses 9 times with 3 frames, 10 with 4; five of
	 * the misses are first touches. */
	cr_assert_eq(run_memu("fifo", 3, belady, BELADY), 4);
	cr_assert_eq(run_memu("fifo", 4, belady, BELADY), 5);
}

Test(policy, clock_on_beladys_string)
{
	/* By hand (docs/reclaim.md walks it through): 9 misses with 3
	 * frames. */
	cr_assert_eq(run_memu("clock", 3, belady, BELADY), 4);
	cr_assert_eq(simulate("clock", 3, belady, BELADY), 4);
}

/* A loop over five pages with a hot page between: the policies part. */
static const unsigned mixed[] = {
	0, 1, 2, 3, 0, 4, 0, 1, 0, 5, 0, 2, 0, 3, 0, 6, 0, 4, 0, 1,
	0, 7, 0, 5, 0, 2, 0, 3, 0, 6, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2,
};
#define MIXED (sizeof(mixed) / sizeof(mixed[0]))

Test(policy, each_policy_matches_the_simulation)
{
	static const char *const policies[] = {"fifo", "clock", "lru"};
	for (unsigned frames = 3; frames <= 6; frames++)
		for (int i = 0; i < 3; i++) {
			uint64_t want =
				simulate(policies[i], frames, mixed, MIXED);
			uint64_t got =
				run_memu(policies[i], frames, mixed, MIXED);
			cr_assert_eq(got, want,
				     "%s, %u frames: %" PRIu64
				     " major faults, the simulation "
				     "%" PRIu64,
				     policies[i], frames, got, want);
		}
}

/* The simulation's counts with 4 frames: the three policies part on
 * this string (each is checked against the simulation above). */
Test(policy, policies_differ_on_a_hot_page)
{
	uint64_t fifo = run_memu("fifo", 4, mixed, MIXED);
	uint64_t clock = run_memu("clock", 4, mixed, MIXED);
	uint64_t lru = run_memu("lru", 4, mixed, MIXED);
	cr_assert_eq(fifo, 19);
	cr_assert_eq(clock, 17);
	cr_assert_eq(lru, 18);
}
