/* The sparse page index (mmu/page_index.c): entries at indices from 0 to
 * the top of a file's range, read back, walked in order, cleared, with
 * the tree only as tall as the largest index needs. */
#include <criterion/criterion.h>

#include "../mmu/page_index.h"

static const uint64_t at[] = {0,    63,		64,	    4095,
			      4096, 1ULL << 28, 1ULL << 40, (1ULL << 51) - 1};
#define N (sizeof(at) / sizeof(at[0]))

static bool collect(uint64_t index, uint64_t *entry, void *arg)
{
	uint64_t *seen = arg;
	cr_assert_eq(*entry, index + 7);
	seen[++seen[0]] = index;
	return false;
}

Test(page_index, set_get_walk_clear)
{
	struct page_index x = {0};
	cr_assert_eq(page_index_get(&x, 5), 0);
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(page_index_set(&x, at[i], at[i] + 7), 0);
	cr_assert_eq(x.count, N);
	/* 2^51 needs 9 levels of 6 bits (54 bits), no more. */
	cr_assert_eq(x.height, 9);
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(page_index_get(&x, at[i]), at[i] + 7);
	cr_assert_eq(page_index_get(&x, 1), 0);
	cr_assert_eq(page_index_get(&x, (1ULL << 40) + 1), 0);
	cr_assert_eq(page_index_get(&x, UINT64_MAX), 0);

	uint64_t seen[N + 1] = {0};
	cr_assert_not(page_index_walk(&x, 0, UINT64_MAX, collect, seen));
	cr_assert_eq(seen[0], N);
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(seen[i + 1], at[i], "walked in index order");

	uint64_t part[N + 1] = {0};
	page_index_walk(&x, 64, 1ULL << 40, collect, part);
	cr_assert_eq(part[0], 4, "64, 4095, 4096, 2^28: [from, to)");
	cr_assert_eq(part[1], 64);
	cr_assert_eq(part[4], 1ULL << 28);

	page_index_clear(&x, 4095);
	page_index_clear(&x, 4095);
	page_index_clear(&x, 12345);
	cr_assert_eq(x.count, N - 1);
	cr_assert_eq(page_index_get(&x, 4095), 0);
	page_index_destroy(&x);
	cr_assert_eq(x.count, 0);
	cr_assert_null(x.root);
}

static bool stop_at_second(uint64_t index, uint64_t *entry, void *arg)
{
	int *calls = arg;
	*entry = 0; /* the walker may clear what it visits */
	(void)index;
	return ++*calls == 2;
}

Test(page_index, walk_stops_and_clears)
{
	struct page_index x = {0};
	for (uint64_t i = 0; i < 10; i++)
		page_index_set(&x, i * 1000, 1);
	int calls = 0;
	cr_assert(page_index_walk(&x, 0, UINT64_MAX, stop_at_second, &calls));
	cr_assert_eq(calls, 2);
	cr_assert_eq(x.count, 8, "the two visited were cleared");
	cr_assert_eq(page_index_get(&x, 0), 0);
	cr_assert_eq(page_index_get(&x, 1000), 0);
	cr_assert_eq(page_index_get(&x, 2000), 1);
	page_index_destroy(&x);
}

Test(page_index, top_of_the_index_space)
{
	struct page_index x = {0};
	cr_assert_eq(page_index_set(&x, UINT64_MAX, 3), 0);
	cr_assert_eq(page_index_set(&x, 0, 4), 0);
	cr_assert_eq(page_index_get(&x, UINT64_MAX), 3);
	cr_assert_eq(page_index_get(&x, 0), 4);
	cr_assert_eq(x.height, 11);
	int calls = 0;
	cr_assert_not(
		page_index_walk(&x, 1, UINT64_MAX, stop_at_second, &calls),
		"[1, 2^64-1) holds neither entry");
	cr_assert_eq(calls, 0);
	page_index_destroy(&x);
}
