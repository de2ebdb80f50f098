/* Unit tests of the VMA tree (mmu/vma.c) against a brute-force model: a
 * sorted array of intervals, each present in the tree or not.  Intervals,
 * insertion order, removals and probes come from a fixed-seed xorshift, so
 * every run checks the same cases.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mmu/vma.h"

#define NR_VMAS	  1500
#define NR_PROBES 6000
#define PAGE	  4096ULL

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

/* The model: vmas[] sorted by address, present[i] when in the tree. */
static struct vma vmas[NR_VMAS];
static bool present[NR_VMAS];
static struct vma_tree tree;
static uint64_t span_end; /* end of the last interval */

static void setup(void)
{
	rng_state = 0x9e3779b97f4a7c15ULL;
	memset(vmas, 0, sizeof(vmas));
	memset(present, 0, sizeof(present));
	vma_tree_init(&tree);
}

TestSuite(vma, .init = setup);

/* Sorted, non-overlapping intervals; some touch their neighbour. */
static void make_intervals(void)
{
	uint64_t at = 0x10000;

	for (int i = 0; i < NR_VMAS; i++) {
		at += rng_below(4) == 0 ? 0 : rng_below(64) * PAGE;
		vmas[i].start = at;
		at += (1 + rng_below(32)) * PAGE;
		vmas[i].end = at;
	}
	span_end = at;
}

static void insert(int i)
{
	vma_tree_insert(&tree, &vmas[i]);
	present[i] = true;
}

static void remove_one(int i)
{
	vma_tree_remove(&tree, &vmas[i]);
	present[i] = false;
}

/* Insert every interval in a shuffled order. */
static void insert_all_shuffled(void)
{
	int order[NR_VMAS];

	for (int i = 0; i < NR_VMAS; i++)
		order[i] = i;
	for (int i = NR_VMAS - 1; i > 0; i--) {
		int j = (int)rng_below((uint64_t)i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < NR_VMAS; i++)
		insert(order[i]);
}

static uint64_t model_count(void)
{
	uint64_t n = 0;

	for (int i = 0; i < NR_VMAS; i++)
		n += present[i];
	return n;
}

static struct vma *model_find(uint64_t addr)
{
	for (int i = 0; i < NR_VMAS; i++)
		if (present[i] && vmas[i].end > addr)
			return &vmas[i];
	return NULL;
}

static struct vma *model_lookup(uint64_t addr)
{
	struct vma *v = model_find(addr);

	return v && v->start <= addr ? v : NULL;
}

static bool model_range_free(uint64_t start, uint64_t end)
{
	for (int i = 0; i < NR_VMAS; i++)
		if (present[i] && vmas[i].start < end && vmas[i].end > start)
			return false;
	return true;
}

/* An address near an interval edge, or anywhere in the span. */
static uint64_t probe_addr(void)
{
	const struct vma *v = &vmas[rng_below(NR_VMAS)];

	switch (rng_below(6)) {
	case 0:
		return v->start;
	case 1:
		return v->start - 1;
	case 2:
		return v->end - 1;
	case 3:
		return v->end;
	default:
		return rng_below(span_end + 0x20000);
	}
}

static void check_point(uint64_t addr)
{
	cr_assert_eq(vma_find(&tree, addr), model_find(addr), "vma_find(%#lx)",
		     (unsigned long)addr);
	cr_assert_eq(vma_lookup(&tree, addr), model_lookup(addr),
		     "vma_lookup(%#lx)", (unsigned long)addr);
}

static void check_range(uint64_t start, uint64_t len)
{
	cr_assert_eq(vma_range_free(&tree, start, start + len),
		     model_range_free(start, start + len),
		     "vma_range_free(%#lx, +%#lx)", (unsigned long)start,
		     (unsigned long)len);
}

static void check_points(void)
{
	static const uint64_t fixed[] = {
		0, 1, 0xffff, 0x10000, UINT64_MAX - 1, UINT64_MAX,
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check_point(fixed[i]);
	check_point(span_end - 1);
	check_point(span_end);
	for (int i = 0; i < NR_PROBES; i++)
		check_point(probe_addr());
}

static void check_ranges(void)
{
	for (int i = 0; i < NR_PROBES; i++)
		check_range(
			probe_addr(),
			1 + rng_below(rng_below(4) == 0 ? 0x100000 : 0x3000));
	check_range(0, span_end + 1);
	check_range(span_end, PAGE);
	/* Exactly the gap after each interval, and one byte more. */
	for (int i = 0; i + 1 < NR_VMAS; i++) {
		uint64_t gap = vmas[i + 1].start - vmas[i].end;

		if (gap) {
			check_range(vmas[i].end, gap);
			check_range(vmas[i].end - 1, gap + 1);
			check_range(vmas[i].end, gap + 1);
		}
	}
}

/* Forwards with vma_next and backwards with vma_prev, against the model. */
static void check_order(void)
{
	struct vma *v = vma_first(&tree);
	struct vma *w = vma_last(&tree);

	for (int i = 0; i < NR_VMAS; i++) {
		if (!present[i])
			continue;
		cr_assert_eq(v, &vmas[i], "forward at %d", i);
		v = vma_next(&tree, v);
	}
	cr_assert_null(v);
	for (int i = NR_VMAS - 1; i >= 0; i--) {
		if (!present[i])
			continue;
		cr_assert_eq(w, &vmas[i], "backward at %d", i);
		w = vma_prev(&tree, w);
	}
	cr_assert_null(w);
}

static void check_all(void)
{
	cr_assert_eq(tree.count, model_count());
	check_order();
	check_points();
	check_ranges();
}

/* Remove about a third, at random. */
static void remove_some(void)
{
	for (int i = 0; i < NR_VMAS; i++)
		if (present[i] && rng_below(3) == 0)
			remove_one(i);
}

Test(vma, empty_tree_finds_nothing)
{
	make_intervals();
	cr_assert_eq(tree.count, 0);
	cr_assert_null(vma_first(&tree));
	cr_assert_null(vma_last(&tree));
	cr_assert_null(vma_find(&tree, 0));
	cr_assert_null(vma_lookup(&tree, 0x10000));
	cr_assert(vma_range_free(&tree, 0, UINT64_MAX));
	check_all();
}

Test(vma, single_vma_edges)
{
	struct vma v = {.start = 0x20000, .end = 0x23000};

	vma_tree_insert(&tree, &v);
	cr_assert_eq(tree.count, 1);
	cr_assert_eq(vma_find(&tree, 0), &v);
	cr_assert_eq(vma_find(&tree, 0x22fff), &v);
	cr_assert_null(vma_find(&tree, 0x23000));
	cr_assert_null(vma_lookup(&tree, 0x1ffff));
	cr_assert_eq(vma_lookup(&tree, 0x20000), &v);
	cr_assert_eq(vma_lookup(&tree, 0x22fff), &v);
	cr_assert_null(vma_lookup(&tree, 0x23000));
	cr_assert(vma_range_free(&tree, 0x10000, 0x20000));
	cr_assert_not(vma_range_free(&tree, 0x10000, 0x20001));
	cr_assert_not(vma_range_free(&tree, 0x22fff, 0x30000));
	cr_assert(vma_range_free(&tree, 0x23000, 0x30000));
	cr_assert_eq(vma_first(&tree), &v);
	cr_assert_eq(vma_last(&tree), &v);
	cr_assert_null(vma_next(&tree, &v));
	cr_assert_null(vma_prev(&tree, &v));
}

Test(vma, find_past_every_address)
{
	struct vma v = {.start = 0x20000, .end = 0x23000};

	vma_tree_insert(&tree, &v);
	cr_assert_null(vma_find(&tree, UINT64_MAX));
	cr_assert_null(vma_lookup(&tree, UINT64_MAX));
	cr_assert_null(vma_find(&tree, UINT64_MAX - 1));
}

Test(vma, matches_model_after_shuffled_insertion)
{
	make_intervals();
	insert_all_shuffled();
	cr_assert_eq(tree.count, NR_VMAS);
	cr_assert_eq(vma_first(&tree), &vmas[0]);
	cr_assert_eq(vma_last(&tree), &vmas[NR_VMAS - 1]);
	check_all();
}

Test(vma, matches_model_after_removals)
{
	make_intervals();
	insert_all_shuffled();
	for (int round = 0; round < 3; round++) {
		remove_some();
		check_all();
	}
}

Test(vma, matches_model_after_removing_ends)
{
	make_intervals();
	insert_all_shuffled();
	remove_one(0);
	remove_one(NR_VMAS - 1);
	cr_assert_eq(vma_first(&tree), &vmas[1]);
	cr_assert_eq(vma_last(&tree), &vmas[NR_VMAS - 2]);
	check_all();
}

Test(vma, matches_model_after_reinsertion)
{
	make_intervals();
	insert_all_shuffled();
	remove_some();
	for (int i = 0; i < NR_VMAS; i++)
		if (!present[i] && rng_below(2) == 0)
			insert(i);
	check_all();
}

Test(vma, empty_again_after_removing_all)
{
	make_intervals();
	insert_all_shuffled();
	for (int i = NR_VMAS - 1; i >= 0; i -= 2)
		remove_one(i);
	for (int i = 0; i < NR_VMAS; i++)
		if (present[i])
			remove_one(i);
	cr_assert_eq(tree.count, 0);
	cr_assert_null(vma_first(&tree));
	cr_assert_null(vma_last(&tree));
	check_all();
}

Test(vma, adjacent_vmas_are_told_apart)
{
	struct vma a = {.start = 0x10000, .end = 0x12000};
	struct vma b = {.start = 0x12000, .end = 0x13000};

	vma_tree_insert(&tree, &b);
	vma_tree_insert(&tree, &a);
	cr_assert_eq(vma_lookup(&tree, 0x11fff), &a);
	cr_assert_eq(vma_lookup(&tree, 0x12000), &b);
	cr_assert_eq(vma_find(&tree, 0x12000), &b);
	cr_assert_eq(vma_next(&tree, &a), &b);
	cr_assert_eq(vma_prev(&tree, &b), &a);
	cr_assert_not(vma_range_free(&tree, 0x11fff, 0x12001));
}
