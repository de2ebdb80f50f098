#include "shmem.h"

#include "internal.h"
#include "numa.h"
#include "pagetable.h"

#include <errno.h>
#include <stdlib.h>

struct shmem *shmem_create(struct mmu *m, uint64_t pages)
{
	struct shmem *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->pfns = malloc(pages * sizeof(*s->pfns));
	if (!s->pfns) {
		free(s);
		return NULL;
	}
	for (uint64_t i = 0; i < pages; i++)
		s->pfns[i] = PFN_NONE;
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

static void shmem_free(struct mmu *m, struct shmem *s)
{
	for (uint64_t i = 0; i < s->pages; i++)
		if (s->pfns[i] != PFN_NONE)
			mmu_free_frame(m, s->pfns[i]);
	free(s->pfns);
	free(s->unwritten);
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

uint64_t shmem_get_page(struct mm *mm, struct shmem *s, uint64_t index,
			uint64_t want_pfn)
{
	struct mmu *m = mm->mmu;
	if (index >= s->pages)
		return PFN_NONE;
	if (s->pfns[index] != PFN_NONE) {
		if (s->unwritten)
			s->unwritten[index] = 0;
		return s->pfns[index];
	}
	/* Neighbouring pages of the object get neighbouring frames. */
	if (want_pfn == PFN_NONE && index > 0 && s->pfns[index - 1] != PFN_NONE)
		want_pfn = s->pfns[index - 1] + 1;
	uint64_t pfn = alloc_user_frame(mm, s->kind, want_pfn,
					(unsigned)(index % FRAME_BLOCK));
	if (pfn == PFN_NONE)
		return PFN_NONE;
	struct frame *f = mmu_frame(m, pfn);
	f->owner = s;
	f->index = index;
	s->pfns[index] = pfn;
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
		for (uint64_t i = pages; i < s->pages; i++)
			if (s->pfns[i] != PFN_NONE) {
				mmu_free_frame(m, s->pfns[i]);
				s->pfns[i] = PFN_NONE;
			}
	}
	uint64_t *p = realloc(s->pfns, (pages ? pages : 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (uint64_t i = s->pages; i < pages; i++)
		p[i] = PFN_NONE;
	s->pfns = p;
	if (s->unwritten) {
		uint8_t *u = realloc(s->unwritten, pages ? pages : 1);
		if (!u)
			return -ENOMEM;
		for (uint64_t i = s->pages; i < pages; i++)
			u[i] = 0;
		s->unwritten = u;
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
	uint64_t n = 0;
	for (uint64_t i = 0; i < s->pages; i++)
		n += s->pfns[i] != PFN_NONE;
	return n;
}

void shmem_punch(struct mmu *m, struct shmem *s, uint64_t first, uint64_t end)
{
	if (end > s->pages)
		end = s->pages;
	for (uint64_t i = first; i < end; i++) {
		uint64_t pfn = s->pfns[i];
		if (pfn == PFN_NONE)
			continue;
		struct vma *v;
		LIST_FOREACH(v, &s->vmas, shm_link)
		{
			uint64_t n = (v->end - v->start) >> PAGE_SHIFT;
			if (i < v->pgoff || i >= v->pgoff + n)
				continue;
			uint64_t va = v->start + ((i - v->pgoff) << PAGE_SHIFT);
			struct pt_entry e;
			pt_lookup(v->mm, va, &e);
			if (e.has_frame && e.pfn == pfn)
				zap_range(v->mm, va, va + PAGE_SIZE);
		}
		mmu_free_frame(m, pfn);
		s->pfns[i] = PFN_NONE;
		if (s->unwritten)
			s->unwritten[i] = 0;
	}
}

int shmem_prealloc(struct mm *mm, struct shmem *s, uint64_t first, uint64_t end)
{
	if (!s->unwritten && s->pages) {
		s->unwritten = calloc(s->pages, 1);
		if (!s->unwritten)
			return -ENOMEM;
	}
	for (uint64_t i = first; i < end && i < s->pages; i++) {
		/* A page fallocated twice is data (shmem_get_folio's
		 * "clear" of a fallocated folio). */
		bool had = s->pfns[i] != PFN_NONE;
		if (shmem_get_page(mm, s, i, PFN_NONE) == PFN_NONE)
			return -ENOSPC;
		s->unwritten[i] = !had;
	}
	return 0;
}

bool shmem_page_has_data(const struct shmem *s, uint64_t index)
{
	return index < s->pages && s->pfns[index] != PFN_NONE &&
	       !(s->unwritten && s->unwritten[index]);
}
