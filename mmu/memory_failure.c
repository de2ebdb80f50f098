/* memory_failure() and soft_offline_page() (memory_failure.h), named after
 * Linux's mm/memory-failure.c. */
#include "memory_failure.h"

#include <errno.h>
#include <string.h>

#include "numa.h"
#include "pagetable.h"
#include "reclaim_policy.h"
#include "rmap.h"
#include "shmem.h"

#define MAX_MAPPINGS 64

/* A program-image frame has no reverse map: find its entries in mm. */
struct scan {
	uint64_t pfn;
	struct rmap_entry *out;
	size_t max, n;
};

static void scan_pte(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	struct scan *s = arg;
	struct pt_entry e;
	pte_decode(pte, &e);
	if (!e.has_frame || e.special || e.pfn != s->pfn)
		return;
	if (s->n < s->max)
		s->out[s->n] = (struct rmap_entry){mm, NULL, va};
	s->n++;
}

/* The (mm, va) pairs that map pfn, up to max; how many there are. */
static size_t mappings(struct mmu *m, struct mm *mm, uint64_t pfn,
		       struct rmap_entry *out, size_t max)
{
	struct frame *f = mmu_frame(m, pfn);
	if (f->kind != FRAME_FILE)
		return rmap_walk(m, pfn, out, max);
	struct scan s = {pfn, out, max, 0};
	if (mm)
		pt_for_each(mm, 0, USER_VA_END, scan_pte, &s);
	return s.n;
}

/* Is any entry mapping pfn dirty (the CPU wrote through it)? */
static bool entries_dirty(struct mmu *m, struct mm *mm, uint64_t pfn)
{
	struct rmap_entry e[MAX_MAPPINGS];
	size_t n = mappings(m, mm, pfn, e, MAX_MAPPINGS);
	for (size_t i = 0; i < n && i < MAX_MAPPINGS; i++) {
		struct pt_entry pte;
		pt_lookup(e[i].mm, e[i].va, &pte);
		if (pte.dirty)
			return true;
	}
	return false;
}

static void rss_dec(struct mm *mm, uint8_t kind)
{
	if (kind == FRAME_ANON)
		mm->rss_anon--;
	else if (frame_kind_shmem(kind))
		mm->rss_shmem--;
	else if (kind == FRAME_FILE)
		mm->rss_file--;
}

/* hwpoison_user_mappings with TTU_HWPOISON: every entry mapping pfn
 * becomes a hwpoison marker.  A dirty page names its process for the
 * early kill (collect_procs, before the unmap). */
static void unmap_poisoned(struct mmu *m, struct mm *mm, uint64_t pfn,
			   bool dirty, struct mf_victim *victim)
{
	struct rmap_entry e[MAX_MAPPINGS];
	struct mm *flush = NULL;
	uint8_t kind = mmu_frame(m, pfn)->kind;
	size_t n;
	while ((n = mappings(m, mm, pfn, e, MAX_MAPPINGS)) > 0) {
		if (dirty && !victim->mm)
			*victim = (struct mf_victim){e[0].mm, e[0].va};
		for (size_t i = 0; i < n && i < MAX_MAPPINGS; i++) {
			pt_set_hwpoison(e[i].mm, e[i].va);
			rss_dec(e[i].mm, kind);
			flush = e[i].mm;
			/* The last mapping of an anonymous or image frame
			 * frees it: frame_free retires it, poisoned. */
			rmap_remove(m, pfn);
		}
	}
	/* try_to_unmap flushes the TLB before memory_failure returns. */
	if (flush)
		mm_flush_tlb(flush);
}

/* Move every mapping of frame `from`, and its place in its owner, to
 * frame `to`, holding the same bytes; `from` is left unowned. */
static void migrate_frame(struct mmu *m, struct mm *mm, uint64_t from,
			  uint64_t to)
{
	struct frame *f = mmu_frame(m, from), *t = mmu_frame(m, to);
	memcpy(mmu_pfn_host(m, to), mmu_pfn_host(m, from), PAGE_SIZE);
	t->owner = f->owner;
	t->index = f->index;
	t->written = f->written;
	struct rmap_entry e[MAX_MAPPINGS];
	struct mm *flush = NULL;
	size_t n;
	while ((n = mappings(m, mm, from, e, MAX_MAPPINGS)) > 0)
		for (size_t i = 0; i < n && i < MAX_MAPPINGS; i++) {
			pt_replace_pfn(e[i].mm, e[i].va, to);
			flush = e[i].mm;
		}
	t->mapcount = f->mapcount;
	if (frame_kind_shmem(f->kind) && f->owner)
		shmem_replace_page(f->owner, f->index, to);
	f->owner = NULL;
	f->mapcount = 0;
	if (flush)
		mm_flush_tlb(flush);
}

/* A free frame (of either zone) out of the allocator for good. */
static void take_off_free(struct mmu *m, uint64_t pfn)
{
	zone_reserve(mmu_zone(m, pfn), pfn, FRAME_RESERVED);
}

/* me_pagecache_clean for the program's image: drop it, read it again. */
static bool reread_clean(struct mmu *m, struct mm *mm, uint64_t pfn)
{
	uint64_t to = frame_alloc(&m->ram, FRAME_FILE, PFN_NONE,
				  (unsigned)(pfn % FRAME_BLOCK));
	if (to == PFN_NONE)
		return false;
	migrate_frame(m, mm, pfn, to);
	mmu_free_frame(m, pfn); /* poisoned: retired */
	return true;
}

int memory_failure(struct mmu *m, struct mm *mm, uint64_t pfn,
		   struct mf_victim *victim)
{
	struct frame *f = mmu_frame(m, pfn);
	*victim = (struct mf_victim){NULL, 0};
	if (!f)
		return -ENXIO; /* "memory outside kernel control" */
	if (f->hwpoison)
		return -EHWPOISON;
	f->hwpoison = 1;
	m->hwpoisoned++;
	switch (f->kind) {
	case FRAME_FREE:
		take_off_free(m, pfn);
		return 0;
	case FRAME_ANON:
		/* Anonymous pages are dirty (installed dirty by Linux). */
		unmap_poisoned(m, mm, pfn, true, victim);
		return 0;
	case FRAME_FILE:
		if (!entries_dirty(m, mm, pfn) && reread_clean(m, mm, pfn))
			return 0;
		unmap_poisoned(m, mm, pfn, true, victim);
		return 0;
	case FRAME_SHARED:
	case FRAME_PAGECACHE:
		/* shmem cannot be written back: its entries always get the
		 * marker; only a dirty page kills early. */
		unmap_poisoned(m, mm, pfn,
			       f->written || entries_dirty(m, mm, pfn), victim);
		return 0;
	default:
		return -EBUSY;
	}
}

int soft_offline_page(struct mmu *m, struct mm *mm, uint64_t pfn)
{
	struct frame *f = mmu_frame(m, pfn);
	if (!f)
		return -ENXIO;
	if (f->hwpoison)
		return 0; /* "page already poisoned" */
	switch (f->kind) {
	case FRAME_FREE:
		take_off_free(m, pfn);
		break;
	case FRAME_ANON:
	case FRAME_FILE:
	case FRAME_SHARED:
	case FRAME_PAGECACHE: {
		uint64_t to = alloc_migration_target(m, f->kind, pfn);
		if (to == PFN_NONE)
			return -ENOMEM;
		migrate_frame(m, mm, pfn, to);
		/* The new frame is reclaimable as the old one was. */
		if (m->reclaim && f->kind == FRAME_ANON)
			m->reclaim->lru.policy->page_added(&m->reclaim->lru,
							   to);
		f->hwpoison = 1;
		mmu_free_frame(m, pfn); /* poisoned: retired */
		break;
	}
	default:
		return -EIO; /* "unhandlable page" */
	}
	f->hwpoison = 1;
	m->hwpoisoned++;
	m->soft_offlined++;
	return 0;
}
