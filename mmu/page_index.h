/* A sparse map from page index to a 64-bit entry: the page table of a
 * shared object (shmem.c), as Linux keeps a file's pages in an xarray.
 * A radix tree of 64-slot nodes, as tall as the largest index needs, so
 * a file of 8 EiB with one page costs a few nodes, not an array of 2^51
 * slots.  Entry 0 means "none".
 */
#ifndef MEMU_MMU_PAGE_INDEX_H
#define MEMU_MMU_PAGE_INDEX_H

#include <stdbool.h>
#include <stdint.h>

struct page_index {
	void *root;
	unsigned height; /* levels: indices below 64^height */
	uint64_t count;	 /* non-zero entries */
};

/* The entry at index, or 0. */
uint64_t page_index_get(const struct page_index *x, uint64_t index);
/* Set a non-zero entry: 0 or -ENOMEM. */
int page_index_set(struct page_index *x, uint64_t index, uint64_t entry);
/* Make the entry at index 0 (its nodes stay until destroy). */
void page_index_clear(struct page_index *x, uint64_t index);
/* Call fn on every non-zero entry with index in [from, to), in index
 * order, with a pointer to the entry (fn may change it, 0 clears it);
 * fn returns true to stop.  Returns whether fn stopped the walk. */
typedef bool (*page_index_fn)(uint64_t index, uint64_t *entry, void *arg);
bool page_index_walk(struct page_index *x, uint64_t from, uint64_t to,
		     page_index_fn fn, void *arg);
void page_index_destroy(struct page_index *x);

#endif
