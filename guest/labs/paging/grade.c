/* Lab 1, demand paging: the grader (docs/labs/paging.md).
 *   grade-paging PROGRAM */
#include <stdio.h>
#include <stdlib.h>

#include "../grade.h"

#define PAGES 64
#define PAGE  4096

/* Which pages of the region have a present entry, and the first one
 * that breaks want(i) (-1: none). */
static int first_wrong(struct memu *m, uint64_t base,
		       bool (*want)(struct memu *m, int i, struct memu_pte *e))
{
	for (int i = 0; i < PAGES; i++) {
		struct memu_pte e;
		memu_pte(m, base + (uint64_t)i * PAGE, &e);
		if (!want(m, i, &e))
			return i;
	}
	return -1;
}

static bool none_present(struct memu *m, int i, struct memu_pte *e)
{
	(void)m, (void)i;
	return !e->present;
}

static bool written_only(struct memu *m, int i, struct memu_pte *e)
{
	(void)m;
	bool written = i % 4 == 0;
	return written ? e->present && e->writable && e->dirty &&
				 memu_frame_kind(m, e->pfn) == MEMU_FRAME_ANON
		       : !e->present;
}

static bool read_zero(struct memu *m, int i, struct memu_pte *e)
{
	if (i % 4 == 0)
		return e->present && e->writable;
	if (i % 4 == 1)
		return e->present && !e->writable && e->pfn == memu_zero_pfn(m);
	return !e->present;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: grade-paging PROGRAM\n");
		return 2;
	}
	struct lab l;
	if (!lab_start(&l, "paging", NULL, NULL, argv[1], NULL))
		return lab_end(&l);
	/* Probe 1: the region mapped, nothing touched. */
	bool s1 = lab_next(&l);
	uint64_t base = l.tags[0];
	s1 = lab_check(&l, s1 && base && base % PAGE == 0,
		       "the program stops at a probe with the region's address",
		       s1 ? "its tag %#llx is not a page address"
			  : "no probe (tag %#llx)",
		       (unsigned long long)base);
	int bad = s1 ? first_wrong(l.m, base, none_present) : 0;
	lab_check(&l, s1 && bad < 0,
		  "before the first touch, no page of the region is mapped",
		  "page %d is", bad);
	/* Probe 2: the writes. */
	bool s2 = s1 && lab_next(&l) && l.tags[1] == base;
	bad = s2 ? first_wrong(l.m, base, written_only) : 0;
	lab_check(&l, s2 && bad < 0,
		  "after the writes, pages 4k are present, writable, dirty "
		  "and anonymous, the others not mapped",
		  s2 ? "page %d is not"
		     : "no second probe with the region "
		       "(%d)",
		  bad);
	/* Probe 3: the reads. */
	bool stops = s2 && lab_next(&l) && l.tags[2] == base;
	bad = stops ? first_wrong(l.m, base, read_zero) : 0;
	lab_check(&l, stops && bad < 0,
		  "after the reads, pages 4k+1 map the zero frame read-only",
		  stops ? "page %d is not as it should be"
			: "no third probe with the region (%d)",
		  bad);
	uint64_t anon = lab_faults(&l, 0, 1, MEMU_FAULT_ANON);
	uint64_t zero = lab_faults(&l, 1, 2, MEMU_FAULT_ZERO);
	lab_check(&l, stops && anon == 16,
		  "16 first-touch faults between probes 1 and 2", "%llu",
		  (unsigned long long)anon);
	lab_check(&l, stops && zero == 16,
		  "16 zero-page faults between probes 2 and 3", "%llu",
		  (unsigned long long)zero);
	uint64_t total = l.at[2].minor_faults - l.at[0].minor_faults;
	lab_finish(&l);
	long said = -1;
	bool printed = l.out && sscanf(l.out, "faults %ld", &said) == 1;
	lab_check(&l, l.r.stop == MEMU_STOP_EXIT && l.r.exit_status == 0,
		  "the program exits 0", "it ended with status %d",
		  memu_exit_code(&l.r));
	lab_check(&l, printed && stops && said == (long)total,
		  "the program's fault count is memu's",
		  "it printed \"%s\", memu counted %llu", l.out ? l.out : "",
		  (unsigned long long)total);
	return lab_end(&l);
}
