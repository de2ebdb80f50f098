/* Shared objects (shmem.h): frames by page offset in a sparse page index
 * (page_index.h).  An entry is the frame number plus one, with
 * ENTRY_UNWRITTEN for a page fallocate made that nothing wrote yet, or
 * ENTRY_SWAP and the swap slot for a page reclaim wrote to swap
 * (docs/reclaim.md). */
#include "shmem.h"

#include "internal.h"
#include "numa.h"
#include "pagetable.h"
#include "reclaim_policy.h"

#include <errno.h>
#include <stdlib.h>

#define ENTRY_UNWRITTEN (1ULL << 63)
#define ENTRY_SWAP	(1ULL << 62)

static uint64_t entry_pfn(uint64_t e)
{
	return e && !(e & ENTRY_SWAP) ? (e & ~ENTRY_UNWRITTEN) - 1 : PFN_NONE;
}

struct shmem *shmem_create(struct mmu *m, uint64_t pages)
{
	struct shmem *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	LIST_INIT(&s->vmas);
	s->pages = pages;
	s->kind = FRAME_SHARED;
	s->id = ++m->next_object_id;
	return s;
}

void shmem_link(struct vma *v, struct shmem *s)
{
	v->shm = s;
	LIST_INSERT_HEAD(&s->vmas, v, shm_link);
	s->refs++;
}

static bool free_frame(uint64_t index, uint64_t *e, void *arg)
{
	(void)index;
	struct mmu *m = arg;
	if ((*e & ENTRY_SWAP) && m->reclaim)
		swap_put(&m->reclaim->swap, *e & ~ENTRY_SWAP);
	else
		mmu_free_frame(m, entry_pfn(*e));
	*e = 0;
	return false;
}

static void shmem_free(struct mmu *m, struct shmem *s)
{
	page_index_walk(&s->index, 0, UINT64_MAX, free_frame, m);
	page_index_destroy(&s->index);
	free(s);
}

void shmem_unlink(struct mmu *m, struct vma *v)
{
	struct shmem *s = v->shm;
	if (!s)
		return;
	LIST_REMOVE(v, shm_link);
	v->shm = NULL;
	if (--s->refs == 0)
		shmem_free(m, s);
}

bool shmem_page_hwpoison(struct mmu *m, const struct shmem *s, uint64_t index)
{
	struct frame *f = mmu_frame(m, shmem_find_page(s, index));
	return f && f->hwpoison;
}

void shmem_replace_page(struct shmem *s, uint64_t index, uint64_t pfn)
{
	uint64_t e = page_index_get(&s->index, index);
	if (e)
		page_index_set(&s->index, index,
			       (pfn + 1) | (e & ENTRY_UNWRITTEN));
}

uint64_t shmem_find_page(const struct shmem *s, uint64_t index)
{
	return index < s->pages ? entry_pfn(page_index_get(&s->index, index))
				: PFN_NONE;
}

bool shmem_page_uptodate(const struct shmem *s, uint64_t index)
{
	uint64_t e = index < s->pages ? page_index_get(&s->index, index) : 0;
	return e && !(e & (ENTRY_UNWRITTEN | ENTRY_SWAP));
}

/* A new frame of the object, or one read back from swap: reclaimable
 * (shared anonymous memory only, docs/reclaim.md). */
static void page_added(struct mmu *m, struct shmem *s, uint64_t pfn)
{
	if (m->reclaim && s->kind == FRAME_SHARED)
		m->reclaim->lru.policy->page_added(&m->reclaim->lru, pfn);
}

void shmem_swapout(struct mmu *m, struct shmem *s, uint64_t index,
		   uint64_t slot)
{
	uint64_t pfn = shmem_find_page(s, index);
	page_index_set(&s->index, index, ENTRY_SWAP | slot);
	mmu_free_frame(m, pfn);
}

/* Read the page at index back from swap slot (Linux shmem_swapin_folio):
 * its frame, or PFN_NONE. */
static uint64_t swapin(struct mm *mm, struct shmem *s, uint64_t index,
		       uint64_t slot)
{
	struct mmu *m = mm->mmu;
	struct swap_device *sw = &m->reclaim->swap;
	uint64_t pfn = alloc_user_frame(mm, s->kind, PFN_NONE,
					(unsigned)(index % FRAME_BLOCK));
	if (pfn == PFN_NONE)
		return PFN_NONE;
	if (swap_readpage(sw, slot, mmu_pfn_host(m, pfn))) {
		mmu_free_frame(m, pfn);
		return PFN_NONE;
	}
	page_index_set(&s->index, index, pfn + 1);
	swap_put(sw, slot);
	struct frame *f = mmu_frame(m, pfn);
	f->owner = s;
	f->index = index;
	page_added(m, s, pfn);
	return pfn;
}

uint64_t shmem_get_page(struct mm *mm, struct shmem *s, uint64_t index,
			uint64_t want_pfn)
{
	return shmem_get_page_major(mm, s, index, want_pfn, NULL);
}

uint64_t shmem_get_page_major(struct mm *mm, struct shmem *s, uint64_t index,
			      uint64_t want_pfn, bool *major)
{
	struct mmu *m = mm->mmu;
	if (major)
		*major = false;
	if (index >= s->pages)
		return PFN_NONE;
	uint64_t e = page_index_get(&s->index, index);
	if ((e & ENTRY_SWAP) && m->reclaim) {
		if (major)
			*major = true;
		return swapin(mm, s, index, e & ~ENTRY_SWAP);
	}
	if (e) {
		if (e & ENTRY_UNWRITTEN)
			page_index_set(&s->index, index, e & ~ENTRY_UNWRITTEN);
		return entry_pfn(e);
	}
	/* Neighbouring pages of the object get neighbouring frames. */
	if (want_pfn == PFN_NONE && index > 0) {
		uint64_t before =
			entry_pfn(page_index_get(&s->index, index - 1));
		if (before != PFN_NONE)
			want_pfn = before + 1;
	}
	uint64_t pfn = alloc_user_frame(mm, s->kind, want_pfn,
					(unsigned)(index % FRAME_BLOCK));
	if (pfn == PFN_NONE)
		return PFN_NONE;
	if (page_index_set(&s->index, index, pfn + 1)) {
		mmu_free_frame(m, pfn);
		return PFN_NONE;
	}
	struct frame *f = mmu_frame(m, pfn);
	f->owner = s;
	f->index = index;
	page_added(m, s, pfn);
	return pfn;
}

int shmem_zero_setup(struct vma *v)
{
	struct shmem *s =
		shmem_create(v->mm->mmu, (v->end - v->start) >> PAGE_SHIFT);
	if (!s)
		return -ENOMEM;
	shmem_link(v, s);
	v->pgoff = 0;
	v->ops = NULL;
	v->name = "/dev/zero (deleted)";
	return 0;
}

void shmem_get(struct shmem *s)
{
	s->refs++;
}

void shmem_put(struct mmu *m, struct shmem *s)
{
	if (--s->refs == 0)
		shmem_free(m, s);
}

int shmem_resize(struct mmu *m, struct shmem *s, uint64_t pages)
{
	if (pages < s->pages) {
		struct vma *v;
		LIST_FOREACH(v, &s->vmas, shm_link)
		{
			/* The VMA's pages at object offsets >= pages. */
			uint64_t first = v->pgoff,
				 n = (v->end - v->start) >> PAGE_SHIFT;
			if (first + n <= pages)
				continue;
			uint64_t from = first >= pages
						? v->start
						: v->start + ((pages - first)
							      << PAGE_SHIFT);
			zap_range(v->mm, from, v->end);
		}
		page_index_walk(&s->index, pages, UINT64_MAX, free_frame, m);
	}
	s->pages = pages;
	return 0;
}

bool shmem_writably_mapped(const struct shmem *s)
{
	const struct vma *v;
	LIST_FOREACH(v, &s->vmas, shm_link)
	if ((v->flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE))
		return true;
	return false;
}

void shmem_set_pagecache(struct shmem *s)
{
	s->kind = FRAME_PAGECACHE;
}

uint64_t shmem_nr_frames(const struct shmem *s)
{
	return s->index.count;
}

struct punch {
	struct mmu *m;
	struct shmem *s;
};

/* Take the page out of every mapping that maps the object's own frame
 * (not private copies), then free it. */
static bool punch_page(uint64_t i, uint64_t *e, void *arg)
{
	struct punch *p = arg;
	uint64_t pfn = entry_pfn(*e);
	struct vma *v;
	LIST_FOREACH(v, &p->s->vmas, shm_link)
	{
		uint64_t n = (v->end - v->start) >> PAGE_SHIFT;
		if (i < v->pgoff || i >= v->pgoff + n)
			continue;
		uint64_t va = v->start + ((i - v->pgoff) << PAGE_SHIFT);
		struct pt_entry pte;
		pt_lookup(v->mm, va, &pte);
		if (pte.has_frame && pte.pfn == pfn)
			zap_range(v->mm, va, va + PAGE_SIZE);
	}
	return free_frame(i, e, p->m);
}

void shmem_punch(struct mmu *m, struct shmem *s, uint64_t first, uint64_t end)
{
	struct punch p = {m, s};
	page_index_walk(&s->index, first, end < s->pages ? end : s->pages,
			punch_page, &p);
}

static bool unfalloc_page(uint64_t index, uint64_t *e, void *m)
{
	if (*e & ENTRY_UNWRITTEN)
		return free_frame(index, e, m);
	return false;
}

int shmem_prealloc(struct mm *mm, struct shmem *s, uint64_t first, uint64_t end)
{
	for (uint64_t i = first; i < end && i < s->pages; i++) {
		/* A page fallocated twice is data (shmem_get_folio's
		 * "clear" of a fallocated folio). */
		bool had = page_index_get(&s->index, i) != 0;
		uint64_t pfn = shmem_get_page(mm, s, i, PFN_NONE);
		if (pfn == PFN_NONE) {
			/* shmem_fallocate takes back the pages no one
			 * wrote in the range so far (shmem_undo_range with
			 * unfalloc); an injected failure is ENOMEM. */
			page_index_walk(&s->index, first, i, unfalloc_page,
					mm->mmu);
			return mm->mmu->fail_alloc.injected ? -ENOMEM : -ENOSPC;
		}
		if (!had)
			page_index_set(&s->index, i,
				       (pfn + 1) | ENTRY_UNWRITTEN);
	}
	return 0;
}

struct seek {
	uint64_t next; /* the index expected next (SEEK_HOLE) */
	bool data;
	uint64_t found;
};

static bool seek_page(uint64_t i, uint64_t *e, void *arg)
{
	struct seek *k = arg;
	bool data = !(*e & ENTRY_UNWRITTEN);
	if (k->data) {
		if (data)
			k->found = i;
		return data;
	}
	/* A hole: a gap before this page, or this page unwritten. */
	if (i != k->next || !data) {
		k->found = k->next;
		return true;
	}
	k->next = i + 1;
	return false;
}

uint64_t shmem_seek(struct shmem *s, uint64_t index, bool data)
{
	struct seek k = {index, data, UINT64_MAX};
	if (index >= s->pages)
		return UINT64_MAX;
	if (!page_index_walk(&s->index, index, s->pages, seek_page, &k) &&
	    !data && k.next < s->pages)
		k.found = k.next; /* a gap after the last page */
	return k.found;
}
