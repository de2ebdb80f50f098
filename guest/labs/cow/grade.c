/* Lab 2, copy-on-write after fork: the grader (docs/labs/cow.md).
 *   grade-cow PROGRAM
 * Three stops: the parent right after fork (probe 1), the child after
 * its writes (probe 2), the parent after its own (probe 3).  The frames
 * behind the pages at each stop show what was copied and what reused. */
#include <stdio.h>
#include <string.h>

#include "../grade.h"

#define PAGES 8
#define PAGE  4096

struct view {
	struct memu_pte e[PAGES];
};

static void look(struct memu *m, uint64_t base, struct view *v)
{
	for (int i = 0; i < PAGES; i++)
		memu_pte(m, base + (uint64_t)i * PAGE, &v->e[i]);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: grade-cow PROGRAM\n");
		return 2;
	}
	struct lab l;
	if (!lab_start(&l, "cow", NULL, NULL, argv[1], NULL))
		return lab_end(&l);
	/* Probe 1: the parent, right after fork. */
	bool s1 = lab_next(&l);
	uint64_t base = l.tags[0];
	int parent = s1 ? memu_current_pid(l.m) : 0;
	s1 = lab_check(&l, s1 && base && base % PAGE == 0 && parent == 1,
		       "the parent stops at a probe with the region's address",
		       "%s (tag %#llx, pid %d)", s1 ? "not so" : "no probe",
		       (unsigned long long)base, parent);
	lab_check(&l, s1 && l.at[0].forks == 1, "fork made one child",
		  "%llu processes made", (unsigned long long)l.at[0].forks);
	struct view p1 = {0}, c2 = {0}, p3 = {0};
	int child = 0, bad = -1, alone = -1;
	if (s1)
		look(l.m, base, &p1);
	for (int i = 0; s1 && i < PAGES; i++) {
		struct memu_rmap r[4];
		size_t n =
			p1.e[i].present ? memu_rmap(l.m, p1.e[i].pfn, r, 4) : 0;
		if ((!p1.e[i].present || p1.e[i].writable) && bad < 0)
			bad = i;
		if (n == 2 && r[0].pid != r[1].pid) {
			if (!child)
				child = r[0].pid == parent ? r[1].pid
							   : r[0].pid;
		} else if (alone < 0) {
			alone = i;
		}
	}
	if (!s1)
		bad = alone = 0;
	lab_check(&l, s1 && bad < 0,
		  "after fork, the parent's pages are present and read-only",
		  s1 ? "page %d is not" : "not reached (%d)", bad);
	lab_check(
		&l, s1 && alone < 0 && child,
		"after fork, each frame is mapped by the parent and the child",
		s1 ? "page %d's frame is not (its reverse map)"
		   : "not reached (%d)",
		alone);
	/* Probe 2: the child, after writing pages 0-3. */
	bool s2 = s1 && lab_next(&l) && l.tags[1] == base &&
		  memu_current_pid(l.m) == child;
	bad = s2 ? -1 : 0;
	if (s2)
		look(l.m, base, &c2);
	for (int i = 0; s2 && i < PAGES && bad < 0; i++) {
		bool copied = i < 4;
		const struct memu_pte *e = &c2.e[i];
		if (!e->present || e->writable != copied ||
		    (e->pfn == p1.e[i].pfn) == copied)
			bad = i;
	}
	lab_check(&l, s2 && bad < 0,
		  "the child's writes copied pages 0-3 to frames of its own; "
		  "4-7 stay shared, read-only",
		  s2 ? "page %d is not" : "no probe in the child (%d)", bad);
	/* Probe 3: the parent, alone, after writing every page. */
	bool s3 = s2 && lab_next(&l) && l.tags[2] == base &&
		  memu_current_pid(l.m) == parent;
	bad = s3 ? -1 : 0;
	if (s3)
		look(l.m, base, &p3);
	for (int i = 0; s3 && i < PAGES && bad < 0; i++) {
		const struct memu_pte *e = &p3.e[i];
		if (!e->present || !e->writable || e->pfn != p1.e[i].pfn ||
		    memu_rmap(l.m, e->pfn, NULL, 0) != 1)
			bad = i;
	}
	lab_check(&l, s3 && bad < 0,
		  "the parent, alone again, wrote on the frames it had "
		  "(reused, not copied)",
		  s3 ? "page %d is not" : "no third probe in the parent (%d)",
		  bad);
	uint64_t copies = 0, reuses = 0;
	bool counted = s3 && !memu_cow_counts(l.m, parent, &copies, &reuses);
	lab_check(&l, counted && reuses >= PAGES,
		  "memu counted the parent's 8 reuses",
		  "%llu reuses, %llu copies", (unsigned long long)reuses,
		  (unsigned long long)copies);
	lab_finish(&l);
	lab_check(&l,
		  l.r.stop == MEMU_STOP_EXIT && l.r.exit_status == 0 && l.out &&
			  !strcmp(l.out, "done\n"),
		  "the program prints done and exits 0",
		  "status %d, printed \"%s\"", memu_exit_code(&l.r),
		  l.out ? l.out : "");
	return lab_end(&l);
}
