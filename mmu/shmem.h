/* Shared memory objects: the backing of MAP_SHARED|MAP_ANONYMOUS (and,
 * later, shared /dev/zero).  Like Linux's shmem, an object owns its frames
 * by page offset; every VMA mapping it sees the same frames, a read fault
 * allocates too (there is no zero page here), and the frames live until
 * the last mapping of the object goes away.
 */
#ifndef MEMU_MMU_SHMEM_H
#define MEMU_MMU_SHMEM_H

#include <stdbool.h>
#include <stdint.h>

#include "mm.h"
#include "page_index.h"
#include "vma.h"

struct shmem {
	LIST_HEAD(, vma) vmas;
	uint64_t pages;		 /* size; faults beyond it get SIGBUS */
	struct page_index index; /* the frames, by page offset */
	uint64_t refs;		 /* VMAs mapping it, and open files (memfd) */
	uint64_t id;
	uint8_t kind; /* its frames': FRAME_SHARED, or FRAME_PAGECACHE */
};

struct shmem *shmem_create(struct mmu *m, uint64_t pages);
void shmem_link(struct vma *v, struct shmem *s);
void shmem_unlink(struct mmu *m, struct vma *v);
/* The frame at index, allocating it if absent (under mm's memory
 * policy): PFN_NONE when out of memory or index is beyond the object. */
/* Back a shared VMA by a new object its size (Linux shmem_zero_setup:
 * MAP_SHARED|MAP_ANONYMOUS and shared /dev/zero).  0 or -ENOMEM. */
int shmem_zero_setup(struct vma *v);
uint64_t shmem_get_page(struct mm *mm, struct shmem *s, uint64_t index,
			uint64_t want_pfn);
/* The same, saying in *major whether the page was read back from swap
 * (a major fault, docs/reclaim.md). */
uint64_t shmem_get_page_major(struct mm *mm, struct shmem *s, uint64_t index,
			      uint64_t want_pfn, bool *major);
/* Reclaim wrote the object's page at index to swap slot: the index
 * keeps the slot, the frame (mapped nowhere now) is freed. */
void shmem_swapout(struct mmu *m, struct shmem *s, uint64_t index,
		   uint64_t slot);
/* A reference that is not a VMA (an open memfd), and its release. */
void shmem_get(struct shmem *s);
void shmem_put(struct mmu *m, struct shmem *s);
/* New size in pages.  Shrinking zaps the pages past the end from every
 * mapping (private copies too, as Linux's truncate does) and frees their
 * frames.  0. */
int shmem_resize(struct mmu *m, struct shmem *s, uint64_t pages);
/* The object is a file's page cache (tmpfs, memfd): its frames are
 * FRAME_PAGECACHE and its faults the file kinds. */
void shmem_set_pagecache(struct shmem *s);
/* Frames the object holds (st_blocks). */
uint64_t shmem_nr_frames(const struct shmem *s);
/* Free the object's frames for pages [first, end), after taking them
 * out of every mapping; private copies stay (Linux's hole punch). */
void shmem_punch(struct mmu *m, struct shmem *s, uint64_t first, uint64_t end);
/* Allocate the frames for pages [first, end) (fallocate), marked
 * unwritten until shmem_get_page hands them out.  0, or on failure
 * -ENOMEM (injected) or -ENOSPC (RAM is out), with the unwritten pages of
 * [first, the failed page) freed again, as Linux undoes them. */
int shmem_prealloc(struct mm *mm, struct shmem *s, uint64_t first,
		   uint64_t end);
/* Whether the object holds page index with data (mincore). */
bool shmem_page_uptodate(const struct shmem *s, uint64_t index);
/* The frame at index, or PFN_NONE: no allocation (read(2)). */
uint64_t shmem_find_page(const struct shmem *s, uint64_t index);
/* The page at index is hardware-poisoned: Linux's shmem keeps such a page
 * in the cache (its error_remove_page does nothing), so read(2) and
 * write(2) of it get EIO and a fault on it SIGBUS (docs/inject.md). */
bool shmem_page_hwpoison(struct mmu *m, const struct shmem *s, uint64_t index);
/* The object's page at index now lives in frame pfn (a migration). */
void shmem_replace_page(struct shmem *s, uint64_t index, uint64_t pfn);
/* The first page at or after index that holds data (data true: a frame
 * fallocate made and nothing wrote yet is a hole, as on tmpfs) or is a
 * hole (data false), below the object's size; UINT64_MAX if none. */
uint64_t shmem_seek(struct shmem *s, uint64_t index, bool data);
/* Shared mappings that may write (Linux mapping_writably_mapped). */
bool shmem_writably_mapped(const struct shmem *s);

#endif
