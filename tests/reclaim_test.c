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
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unicorn/unicorn.h>
#include <unistd.h>

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

/* ---- guests under --swap */

static struct guest g;

static void guest_end(void)
{
	guest_close(&g);
}

TestSuite(swap, .fini = guest_end);

/* Run guest "reclaim" with args on ram bytes of RAM and swap bytes of
 * swap (0: none) under policy (NULL: the default) to its end. */
static void run(uint64_t ram, uint64_t swap, const char *policy,
		const char *const *args)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.ram_bytes = ram;
	cfg.swap_bytes = swap;
	cfg.reclaim_policy = policy;
	guest_open_cfg(&g, &cfg, "reclaim", args);
	guest_finish(&g);
}

static void exits_0(void)
{
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "died: %s",
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, 0, "%s", guest_stdout(&g));
}

static uint64_t word(uint64_t page, uint64_t i)
{
	return (page * 0x9e3779b97f4a7c15ULL) ^ (i * 0xbf58476d1ce4e5b9ULL);
}

/* The guest's checksum of ROUNDS reads of PAGES pages (hot: one of the
 * first hot pages read after each). */
static uint64_t checksum(uint64_t pages, int rounds, uint64_t hot)
{
	uint64_t page_sum[8192] = {0}, sum = 0;
	for (uint64_t p = 0; p < pages; p++)
		for (uint64_t i = 0; i < 512; i++)
			page_sum[p] += word(p, i);
	for (int r = 0; r < rounds; r++)
		for (uint64_t p = 0; p < pages; p++)
			sum += page_sum[p] + (hot ? page_sum[p % hot] : 0);
	return sum;
}

struct workset_result {
	long majflt, stat;
	struct memu_stats s;
};

static void workset(const char *policy, const char *const *args, uint64_t sum,
		    struct workset_result *w)
{
	run(8ULL << 20, 32ULL << 20, policy, args);
	exits_0();
	unsigned long long got;
	cr_assert_eq(sscanf(guest_stdout(&g),
			    "checksum %llx majflt %ld stat %ld", &got,
			    &w->majflt, &w->stat),
		     3, "%s", guest_stdout(&g));
	cr_assert_eq(got, sum, "the data came back wrong: %s",
		     guest_stdout(&g));
	guest_stats(&g, &w->s);
	guest_close(&g);
	/* getrusage, then /proc/self/stat, then the end: the counts only
	 * grow, by the faults of the guest's own reads in between. */
	cr_assert_geq(w->stat, w->majflt);
	cr_assert_geq((long)w->s.major_faults, w->stat);
	cr_assert_leq((long)w->s.major_faults, w->majflt + 4);
	cr_assert_eq(w->s.major_faults, w->s.faults[MEMU_FAULT_SWAP]);
	cr_assert_eq(w->s.swapped_in, w->s.major_faults);
	cr_assert_eq(w->s.swapped_out, w->s.pages_reclaimed);
	cr_assert_eq(w->s.oom_kills, 0);
}

/* 16 MiB of data on 8 MiB of RAM, read twice in order: a cyclic scan
 * larger than memory misses on every page under any of the three
 * policies, so the reads alone take 2 x 4096 major faults; the guest's
 * own stack and libc pages add a few.  The exact counts are pinned: the
 * same run always takes them (the determinism test below runs it
 * twice). */
Test(swap, working_set_twice_ram_comes_back_intact)
{
	static const char *const args[] = {"workset", "4096", "2", NULL};
	static const struct {
		const char *policy;
		long majflt;
	} want[] = {{"lru", 8193}, {"clock", 8193}, {"fifo", 8197}};
	uint64_t sum = checksum(4096, 2, 0);
	long got[3];
	for (int i = 0; i < 3; i++) {
		struct workset_result w;
		workset(want[i].policy, args, sum, &w);
		cr_assert_geq(w.majflt, 2 * 4096);
		got[i] = w.majflt;
	}
	for (int i = 0; i < 3; i++)
		cr_assert_eq(got[i], want[i].majflt,
			     "lru %ld clock %ld fifo %ld", got[0], got[1],
			     got[2]);
}

/* Shared anonymous memory (shmem) is swap-backed too: its pages go to
 * swap from the object's index and come back through the fault, each a
 * major fault, the same bytes. */
Test(swap, shared_memory_goes_to_swap_too)
{
	static const char *const args[] = {"shared", "4096", "2", NULL};
	struct workset_result w;
	workset("lru", args, checksum(4096, 2, 0), &w);
	cr_assert_geq(w.majflt, 2 * 4096);
	cr_assert_eq(w.majflt, 8193);
	cr_assert_eq(w.s.faults[MEMU_FAULT_SHARED], 4096);
	/* A frame for each first touch and each page read back. */
	cr_assert_geq(w.s.frames_alloc[MEMU_FRAME_SHARED], 4096 + 2 * 4096);
	cr_assert_leq(w.s.frames_alloc[MEMU_FRAME_SHARED],
		      4096 + w.s.major_faults);
}

/* A shared object's slots go with its pages: MADV_REMOVE punches them
 * out, the last munmap frees the rest (the oldest pages went to swap
 * first, so the first half held most of them). */
Test(swap, shared_memory_frees_its_slots)
{
	static const char *const args[] = {"sharedfree", "4000", NULL};
	run(8ULL << 20, 32ULL << 20, NULL, args);
	exits_0();
	cr_assert_str_eq(guest_stdout(&g),
			 "remove 0 used before 8916 half 916 after 0\n");
}

/* The same with a hot set of 512 pages read between the others: FIFO
 * throws the hot pages out as readily as the rest, CLOCK gives each a
 * second chance, Linux's lists keep the referenced ones active. */
Test(swap, policies_part_on_a_hot_set)
{
	static const char *const args[] = {"hot", "4096", "2", "512", NULL};
	uint64_t sum = checksum(4096, 2, 512);
	struct workset_result lru, clock, fifo;
	workset("lru", args, sum, &lru);
	workset("clock", args, sum, &clock);
	workset("fifo", args, sum, &fifo);
	cr_assert_eq(lru.majflt, 8755, "lru %ld clock %ld fifo %ld", lru.majflt,
		     clock.majflt, fifo.majflt);
	cr_assert_eq(clock.majflt, 7681);
	cr_assert_eq(fifo.majflt, 9734);
	/* FIFO examines each victim once; the others look further. */
	cr_assert_eq(fifo.s.pages_scanned, fifo.s.pages_reclaimed);
	cr_assert_gt(clock.s.pages_scanned, clock.s.pages_reclaimed);
	cr_assert_gt(lru.s.pages_scanned, lru.s.pages_reclaimed);
}

static char *stats_text(const char *policy, const char *const *args)
{
	char *buf = NULL;
	size_t len = 0;
	run(8ULL << 20, 32ULL << 20, policy, args);
	exits_0();
	FILE *f = open_memstream(&buf, &len);
	memu_print_stats(g.m, f);
	fclose(f);
	guest_close(&g);
	return buf;
}

Test(swap, stats_repeat_exactly)
{
	static const char *const args[] = {"hot", "2048", "1", "256", NULL};
	static const char *const policies[] = {"lru", "clock", "fifo"};
	for (int i = 0; i < 3; i++) {
		char *a = stats_text(policies[i], args);
		char *b = stats_text(policies[i], args);
		cr_assert_str_eq(a, b);
		char want[32];
		snprintf(want, sizeof(want), "  reclaim (%s):\n", policies[i]);
		cr_assert(strstr(a, want), "%s", a);
		cr_assert(strstr(a, "  major faults: "), "%s", a);
		free(a);
		free(b);
	}
}

/* What the guest prints natively is comparable where the host can do
 * the same: the host's swap decides whether MADV_PAGEOUT swaps. */
static bool host_has_swap(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int lines = 0;
	while (f && fgets(line, sizeof(line), f))
		lines++;
	if (f)
		fclose(f);
	return lines > 1;
}

static const char *line_of(const char *text, const char *prefix)
{
	static char line[256];
	const char *s = strstr(text, prefix);
	cr_assert_not_null(s, "no '%s' in:\n%s", prefix, text);
	size_t n = strcspn(s, "\n");
	snprintf(line, sizeof(line), "%.*s", (int)n, s);
	return line;
}

static const char pageout_memu[] =
	"smaps Swap 0 VmSwap 0\n"
	"madvise PAGEOUT 0\n"
	"page 0: present 0 swapped 1 type 0 offset 1\n"
	"page 1: present 0 swapped 1 type 0 offset 2\n"
	"page 2: present 0 swapped 1 type 0 offset 3\n"
	"page 3: present 0 swapped 1 type 0 offset 4\n"
	"smaps Swap 16 SwapPss 16 VmSwap 16\n"
	"SwapTotal 65532 SwapFree used 16\n"
	"read back: checksum 6d40157a1780fc00 majflt 4\n"
	"page 0 after: present 1 swapped 0\n"
	"VmSwap 0\n";

static void pageout_in(const char *guest)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.swap_bytes = 64ULL << 20;
	static const char *const args[] = {"pageout", NULL};
	guest_open_cfg(&g, &cfg, guest, args);
	guest_finish(&g);
	exits_0();
	cr_assert_str_eq(guest_stdout(&g), pageout_memu);
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_eq(s.swapped_out, 4);
	cr_assert_eq(s.swapped_in, 4);
	guest_close(&g);
}

/* Slots are taken lowest first from 1 (slot 0 is the header); pagemap
 * shows type and offset (the guest is root); the reads are major
 * faults and free the slots. */
Test(swap, pageout_swaps_now_and_reads_back_as_major_faults)
{
	pageout_in("reclaim");
	pageout_in("reclaim_glibc");
}

Test(swap, pageout_against_linux)
{
	int status;
	const char *native = native_stdout("reclaim", "pageout", &status);
	cr_assert_eq(status, 0, "%s", native);
	if (host_has_swap()) {
		/* Offsets and sizes are the host's own: the pages must be
		 * swapped and come back as 4 major faults. */
		cr_assert(strstr(native, "page 0: present 0 swapped 1"), "%s",
			  native);
		cr_assert(strstr(native, "majflt 4\n"), "%s", native);
	} else {
		/* No swap on the host: Linux's MADV_PAGEOUT leaves anonymous
		 * pages where they are.  Comparable: the call, the data. */
		cr_assert(strstr(native, "page 0: present 1 swapped 0"), "%s",
			  native);
	}
	cr_assert_str_eq(line_of(native, "madvise"),
			 line_of(pageout_memu, "madvise"));
	/* The same bytes came back. */
	cr_assert(strstr(native, "read back: checksum 6d40157a1780fc00 "), "%s",
		  native);
}

/* Without swap, MADV_PAGEOUT cannot reclaim anonymous memory: as on a
 * Linux without swap, the pages stay. */
Test(swap, pageout_without_swap_changes_nothing)
{
	static const char *const args[] = {"pageout", NULL};
	run(256ULL << 20, 0, NULL, args);
	exits_0();
	cr_assert(strstr(guest_stdout(&g), "page 0: present 1 swapped 0\n"));
	cr_assert(strstr(guest_stdout(&g), "SwapTotal 0 SwapFree used 0\n"));
	cr_assert(strstr(guest_stdout(&g), "majflt 0\n"));
}

/* Linux refuses MADV_PAGEOUT on a locked VMA (EINVAL), and reclaim never
 * takes its pages: the same output natively and under memu, with the
 * rest of 8 MiB of RAM swapped in and out around them. */
Test(swap, mlocked_pages_are_never_swapped)
{
	static const char *const args[] = {"mlock", "3000", NULL};
	static const char want[] = "madvise PAGEOUT on locked: -1 errno 22\n"
				   "locked present 16 majflt reading them 0\n";
	run(8ULL << 20, 32ULL << 20, NULL, args);
	exits_0();
	cr_assert_str_eq(guest_stdout(&g), want);
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_gt(s.swapped_out, 1000);
	int status;
	cr_assert_str_eq(native_stdout("reclaim", "mlock 3000", &status), want);
	cr_assert_eq(status, 0);
}

static const char *death_line(void)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	memu_print_death(g.m, &g.r, f);
	fclose(f);
	return buf;
}

/* Without swap, RAM running out is the OOM killer's: SIGKILL, exit
 * status 137, and the death line says so, with the badness. */
Test(swap, no_swap_means_the_oom_killer)
{
	static const char *const args[] = {"oom", "4000", NULL};
	run(8ULL << 20, 0, NULL, args);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGKILL);
	cr_assert_eq(memu_exit_code(&g.r), 137);
	const char *line = death_line();
	cr_assert_eq(strncmp(line,
			     "memu: reclaim: killed by SIGKILL (Killed) at 0x",
			     47),
		     0, "%s", line);
	cr_assert(strstr(line, " error 6: killed by the OOM killer (out of "
			       "memory: pid 1, badness 1922, oom_score_adj "
			       "0, rss 1912, swap 0, page tables 10 "
			       "pages)\n"),
		  "%s", line);
	/* The badness is the process's pages: RSS, swap, page tables, of
	 * the (8 MiB - 640 KiB reserved) / 4 KiB frames and no swap. */
	cr_assert(strstr(guest_stdout(&g), "1792\n"));
	cr_assert_null(strstr(guest_stdout(&g), "all 4000 written"));
}

/* The kernel's own copy runs RAM out (read(2) into untouched memory):
 * Linux's allocator calls the OOM killer, and the process dies with
 * SIGKILL as the call returns; the read never returns to it. */
Test(swap, oom_in_a_syscall_kills_as_it_returns)
{
	static const char *const args[] = {"oomread", "4000", NULL};
	run(8ULL << 20, 0, NULL, args);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGKILL);
	cr_assert_eq(memu_exit_code(&g.r), 137);
	cr_assert(strstr(death_line(), " error 0: killed by the OOM killer "
				       "(out of memory: pid 1, badness "),
		  "%s", death_line());
	cr_assert_str_empty(guest_stdout(&g));
}

/* With swap, the OOM killer waits until swap is full too. */
Test(swap, full_swap_means_the_oom_killer)
{
	static const char *const args[] = {"oom", "4000", NULL};
	run(8ULL << 20, 1ULL << 20, NULL, args);
	cr_assert_eq(g.r.signal, SIGKILL);
	cr_assert(strstr(death_line(), "killed by the OOM killer (out of "
				       "memory: pid 1, badness 2178, "
				       "oom_score_adj 0, rss 1912, swap 255, "
				       "page tables 11 pages)\n"),
		  "%s", death_line());
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_eq(s.oom_kills, 1);
	/* Every slot in use when it struck (a swap-in frees its slot). */
	cr_assert_eq(s.swapped_out - s.swapped_in, 255);
}

/* FreeBSD's MEM_EXTRACT_PADDR: a swapped page has a mapping and no
 * page, VALID, as the spec says; read back, MAPPED again. */
Test(swap, extract_paddr_of_a_swapped_page_is_valid)
{
	static const char *const args[] = {"extract", NULL};
	run(256ULL << 20, 16ULL << 20, NULL, args);
	exits_0();
	cr_assert_str_eq(guest_stdout(&g), "written: ret 0 state 2\n"
					   "swapped: ret 0 state 1 paddr 0\n"
					   "read back: ret 0 state 2\n");
}

/* MADV_COLD: accepted, the pages stay; errnos as Linux's. */
Test(swap, cold_as_linux)
{
	static const char *const args[] = {"cold", NULL};
	run(256ULL << 20, 16ULL << 20, NULL, args);
	exits_0();
	int status;
	cr_assert_str_eq(guest_stdout(&g),
			 native_stdout("reclaim", "cold", &status));
	cr_assert_eq(status, 0);
	cr_assert(strstr(guest_stdout(&g), "madvise COLD 0\n"));
}

/* ---- the command line */

/* memu's exit status for args, its stderr in err (the guest's stdout
 * goes to /dev/null). */
static int memu_cli(const char *args, char *err, size_t len)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "exec %s %s 2>&1 >/dev/null", MEMU_BIN,
		 args);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t n = fread(err, 1, len - 1, p);
	err[n] = '\0';
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

Test(cli, bad_swap_sizes_are_usage_errors)
{
	static const char *const bad[] = {"12Q", "4K", "10000",
					  ":8M", "x:", "-8M"};
	char err[4096], args[256];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(args, sizeof(args), "run --swap '%s' %s", bad[i],
			 guest_path("hello"));
		cr_assert_eq(memu_cli(args, err, sizeof(err)), 2, "%s: %s",
			     bad[i], err);
		cr_assert(strstr(err, "memu: bad --swap size"), "%s", err);
		cr_assert(strstr(err, bad[i]), "%s", err);
	}
}

Test(cli, reclaim_takes_three_policies_or_a_module_and_needs_swap)
{
	char err[4096], args[256];
	snprintf(args, sizeof(args), "run --swap 8M --reclaim lfu %s",
		 guest_path("hello"));
	cr_assert_eq(memu_cli(args, err, sizeof(err)), 2, "%s", err);
	cr_assert(strstr(err, "memu: --reclaim takes lru, clock, fifo or a "
			      "module's path (with a /): lfu"),
		  "%s", err);
	snprintf(args, sizeof(args), "run --reclaim lru %s",
		 guest_path("hello"));
	cr_assert_eq(memu_cli(args, err, sizeof(err)), 2, "%s", err);
	cr_assert(strstr(err, "memu: --reclaim needs --swap"), "%s", err);
	snprintf(args, sizeof(args), "run --stats --swap 8M --reclaim clock %s",
		 guest_path("hello"));
	cr_assert_eq(memu_cli(args, err, sizeof(err)), 3, "%s",
		     err); /* hello's */
	cr_assert(strstr(err, "\n  major faults: 0\n  reclaim (clock):\n"),
		  "%s", err);
	cr_assert(strstr(err, "swap slots in use    0 of 2047 (peak 0)\n"),
		  "%s", err);
}

Test(cli, swap_on_a_host_file)
{
	char dir[] = "/tmp/memu-swap-XXXXXX", err[4096], args[512];
	cr_assert_not_null(mkdtemp(dir));
	/* A file memu cannot make: refused, one line. */
	snprintf(args, sizeof(args), "run --swap %s/no/such/dir:1M %s", dir,
		 guest_path("hello"));
	cr_assert_eq(memu_cli(args, err, sizeof(err)), 2, "%s", err);
	cr_assert(strstr(err, "memu: cannot make the swap device"), "%s", err);
	cr_assert(strstr(err, "No such file or directory\n"), "%s", err);
	/* One it can: the device is that file, of that size. */
	snprintf(args, sizeof(args),
		 "run --ram 8M --swap %s/swap:16M --stats %s workset 3000 1",
		 dir, guest_path("reclaim"));
	cr_assert_eq(memu_cli(args, err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(err, "of 4095 (peak "), "%s", err);
	char path[256];
	snprintf(path, sizeof(path), "%s/swap", dir);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, 16 << 20);
	unlink(path);
	rmdir(dir);
}

/* Each major fault is one trace event of kind swap, at the page read
 * back, and --stats counts the same. */
Test(swap, trace_has_one_swap_event_per_major_fault)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.ram_bytes = 8ULL << 20;
	cfg.swap_bytes = 32ULL << 20;
	cfg.stdout_fd = open("/dev/null", O_WRONLY);
	char err[256] = "", *buf = NULL;
	size_t len = 0;
	struct memu *m = memu_new(&cfg, err, sizeof(err));
	cr_assert_not_null(m, "%s", err);
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(memu_trace(m, f, MEMU_TRACE_FAULT, MEMU_TRACE_JSONL, err,
				sizeof(err)),
		     0, "%s", err);
	const char *argv[] = {guest_path("reclaim"), "workset", "2500", "1",
			      NULL};
	cr_assert_eq(memu_load(m, argv[0], 4, argv, err, sizeof(err)), 0, "%s",
		     err);
	struct memu_result r;
	do
		memu_run(m, &r);
	while (r.stop == MEMU_STOP_PROBE);
	cr_assert_eq(r.stop, MEMU_STOP_EXIT);
	struct memu_stats s;
	memu_get_stats(m, &s);
	cr_assert_eq(memu_trace_end(m), 0);
	fclose(f);
	uint64_t n = 0;
	for (const char *p = buf; (p = strstr(p, "\"kind\":\"swap\"")); p++)
		n++;
	cr_assert_gt(s.major_faults, 2500 - 2048);
	cr_assert_eq(n, s.major_faults);
	free(buf);
	memu_free(m);
	close(cfg.stdout_fd);
}

/* ---- the lists (mmu/lru.c) */

static uint64_t ring(const struct lru *l, uint64_t *out)
{
	uint64_t n = 0;
	for (uint64_t p = lru_first(l, LRU_INACTIVE); p != PFN_NONE;
	     p = lru_next(l, p))
		out[n++] = p;
	return n;
}

Test(lru, frames_leave_their_list_and_the_hand_moves_on)
{
	struct lru l;
	uint64_t got[8];
	cr_assert_eq(lru_init(&l, 100, 16, &reclaim_clock), 0);
	reclaim_clock.page_added(&l, 100); /* the hand is on it */
	reclaim_clock.page_added(&l, 101); /* behind the hand: the end */
	reclaim_clock.page_added(&l, 102);
	cr_assert_eq(ring(&l, got), 3);
	cr_assert_eq(got[0], 101);
	cr_assert_eq(got[1], 102);
	cr_assert_eq(got[2], 100);
	cr_assert_eq(l.hand, 100);
	lru_del(&l, 100); /* the hand's frame: the hand wraps to the head */
	cr_assert_eq(l.hand, 101);
	cr_assert_eq(lru_on(&l, 100), LRU_NONE);
	lru_del(&l, 101);
	cr_assert_eq(l.hand, 102);
	lru_del(&l, 102); /* the last one: no hand */
	cr_assert_eq(l.hand, PFN_NONE);
	cr_assert_eq(lru_count(&l, LRU_INACTIVE), 0);
	cr_assert_eq(lru_first(&l, LRU_INACTIVE), PFN_NONE);
	/* Frames outside the zone are never listed. */
	lru_add_tail(&l, LRU_ACTIVE, 99);
	lru_add_tail(&l, LRU_ACTIVE, 116);
	cr_assert_eq(lru_count(&l, LRU_ACTIVE), 0);
	lru_destroy(&l);
}

static bool young[16];

/* The Accessed bits of the test: young[pfn], cleared when asked. */
static bool fake_referenced(struct reclaim_scan *s, uint64_t pfn)
{
	(void)s;
	bool y = young[pfn];
	young[pfn] = false;
	return y;
}

/* docs/reclaim.md's rules by hand: a referenced inactive frame is
 * activated, an unreferenced one goes; the active list is aged once the
 * inactive one is shorter; MADV_COLD deactivates. */
Test(lru, linux_lists_activate_then_age)
{
	struct lru l;
	struct reclaim_scan s = {fake_referenced, NULL, 0};
	cr_assert_eq(lru_init(&l, 0, 16, &reclaim_lru), 0);
	for (uint64_t p = 1; p <= 4; p++)
		reclaim_lru.page_added(&l,
				       p); /* inactive, tail first: 1 2 3 4 */
	young[1] = true;
	cr_assert_eq(reclaim_lru.pick_victim(&l, &s), 2); /* 1 activated */
	cr_assert_eq(s.scanned, 2);
	cr_assert_eq(lru_on(&l, 1), LRU_ACTIVE);
	cr_assert_eq(reclaim_lru.pick_victim(&l, &s), 3);
	cr_assert_eq(reclaim_lru.pick_victim(&l, &s), 4);
	/* Inactive empty, active [1]: 1 is deactivated, then taken. */
	cr_assert_eq(reclaim_lru.pick_victim(&l, &s), 1);
	cr_assert_eq(s.scanned, 6);
	cr_assert_eq(reclaim_lru.pick_victim(&l, &s), PFN_NONE);
	/* MADV_COLD: an active frame moves to the inactive head. */
	reclaim_lru.page_added(&l, 5);
	reclaim_lru.page_putback(&l, 6); /* active */
	reclaim_lru.page_cold(&l, 6);
	cr_assert_eq(lru_on(&l, 6), LRU_INACTIVE);
	cr_assert_eq(lru_first(&l, LRU_INACTIVE), 6);
	cr_assert_eq(lru_last(&l, LRU_INACTIVE), 5);
	lru_destroy(&l);
}

/* fork with most of the parent on swap: the child's entries name the
 * same slots (one more entry each), both read the parent's bytes back,
 * and neither sees the other's writes; the output is Linux's. */
Test(swap, fork_shares_swapped_pages_copy_on_write)
{
	int st;
	const char *native = native_stdout("fork_swap", "12", &st);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char *want = strdup(native);
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.ram_bytes = 8 << 20;
	cfg.swap_bytes = 32 << 20;
	guest_open_cfg(&g, &cfg, "fork_swap",
		       (const char *const[]){"12", NULL});
	guest_finish(&g);
	exits_0();
	cr_assert_str_eq(guest_stdout(&g), want);
	free(want);
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_eq(s.forks, 1);
	/* Most of 12 MiB was on swap at the fork, and both read it back. */
	cr_assert_gt(s.major_faults, 3072, "%llu",
		     (unsigned long long)s.major_faults);
}
