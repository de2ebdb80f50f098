#include "vmscan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pagetable.h"
#include "rmap.h"
#include "shmem.h"

/* Mappings of one frame the engine handles; a frame mapped more often is
 * not reclaimed (memu has one process: an anonymous frame has one). */
#define RMAP_MAX 16

const struct reclaim_policy *reclaim_policy_find(const char *name)
{
	static const struct reclaim_policy *const all[] = {
		&reclaim_lru,
		&reclaim_clock,
		&reclaim_fifo,
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

/* Linux's init_per_zone_wmark_min and __setup_per_zone_wmarks for one
 * zone: min_free_kbytes = sqrt(16 * RAM in KiB), clamped to 128 KiB to
 * 256 MiB; low and high lie min/4 (or 0.1% of the zone, the
 * watermark_scale_factor of 10, whichever is more) and twice that above
 * min. */
void reclaim_watermarks(uint64_t managed, uint64_t *min, uint64_t *low,
			uint64_t *high)
{
	uint64_t kbytes = managed * (PAGE_SIZE / 1024) * 16, s = 0;
	while ((s + 1) * (s + 1) <= kbytes)
		s++;
	if (s < 128)
		s = 128;
	if (s > 262144)
		s = 262144;
	*min = s / (PAGE_SIZE / 1024);
	uint64_t tmp = *min / 4;
	if (managed * 10 / 10000 > tmp)
		tmp = managed * 10 / 10000;
	*low = *min + tmp;
	*high = *min + 2 * tmp;
}

/* folio_referenced: test and clear the Accessed bit of every entry that
 * maps pfn.  Clearing owes a TLB flush, so the CPU's next use walks the
 * table and sets the bit again (docs/reclaim.md, "Accessed bits"). */
static bool referenced(struct reclaim_scan *s, uint64_t pfn)
{
	struct mmu *m = s->ctx;
	struct rmap_entry ents[RMAP_MAX];
	size_t n = rmap_walk(m, pfn, ents, RMAP_MAX);
	bool young = false;
	for (size_t i = 0; i < n && i < RMAP_MAX; i++) {
		struct pt_entry e;
		pt_lookup(ents[i].mm, ents[i].va, &e);
		if (e.has_frame && e.accessed) {
			young = true;
			pt_clear_young(ents[i].mm, ents[i].va);
		}
	}
	return young;
}

/* A page of shared anonymous memory (shmem_writepage): its entries are
 * cleared, as a file page's are (the object keeps the slot, and a fault
 * finds it there), and the object's index names the slot. */
static void shmem_pageout(struct mmu *m, uint64_t pfn,
			  const struct rmap_entry *ents, size_t n,
			  uint64_t slot)
{
	struct frame *f = mmu_frame(m, pfn);
	for (size_t i = 0; i < n; i++) {
		pt_clear(ents[i].mm, ents[i].va);
		ents[i].mm->rss_shmem--;
	}
	f->mapcount = 0;
	shmem_swapout(m, f->owner, f->index, slot);
}

int reclaim_frame(struct mmu *m, uint64_t pfn)
{
	struct reclaim *r = m->reclaim;
	struct frame *f = mmu_frame(m, pfn);
	if (!r)
		return -ENOSPC;
	if (!f || (f->kind != FRAME_ANON && f->kind != FRAME_SHARED) ||
	    !f->owner || f->hwpoison || pfn == r->busy_pfn)
		return -EBUSY;
	bool shared = f->kind == FRAME_SHARED;
	struct rmap_entry ents[RMAP_MAX];
	size_t n = rmap_walk(m, pfn, ents, RMAP_MAX);
	/* A shared object's page may be mapped nowhere. */
	if ((!n && !shared) || n > RMAP_MAX || n != f->mapcount)
		return -EBUSY;
	/* Mlocked pages are never reclaimed (Linux's unevictable list). */
	for (size_t i = 0; i < n; i++)
		if (ents[i].vma->flags & VM_LOCKED)
			return -EBUSY;
	uint64_t slot = swap_alloc(&r->swap);
	if (!slot)
		return -ENOSPC;
	if (swap_writepage(&r->swap, slot, mmu_pfn_host(m, pfn))) {
		swap_put(&r->swap, slot);
		return -EIO;
	}
	if (shared) {
		shmem_pageout(m, pfn, ents, n, slot);
		r->pgsteal++;
		return 0;
	}
	/* try_to_unmap: every entry becomes the swap entry, one slot
	 * reference each. */
	for (size_t i = 0; i < n; i++) {
		if (i)
			swap_dup(&r->swap, slot);
		pt_set_swap(ents[i].mm, ents[i].va, SWAP_TYPE, slot);
		ents[i].mm->rss_anon--;
		ents[i].mm->swap_ents++;
	}
	for (size_t i = 0; i < n; i++)
		rmap_remove(m, pfn); /* the last frees the frame */
	r->pgsteal++;
	return 0;
}

/* One victim reclaimed: true, or false when the policy has none left that
 * can go. */
static bool shrink_one(struct mmu *m)
{
	struct reclaim *r = m->reclaim;
	struct lru *l = &r->lru;
	struct reclaim_scan s = {referenced, m, 0};
	bool done = false;
	/* Each frame handed back once at most in a pass. */
	for (uint64_t left =
		     lru_count(l, LRU_INACTIVE) + lru_count(l, LRU_ACTIVE);
	     left && !done; left--) {
		uint64_t pfn = l->policy->pick_victim(l, &s);
		if (pfn == PFN_NONE)
			break;
		if (reclaim_frame(m, pfn) == 0) {
			done = true;
		} else {
			l->policy->page_putback(l, pfn);
			r->pgactivate++;
		}
	}
	r->pgscan += s.scanned;
	return done;
}

/* kswapd's balance_pgdat, run in the allocating task: below the low
 * watermark, reclaim until the high one (or nothing more can go). */
static void balance(struct mmu *m)
{
	struct reclaim *r = m->reclaim;
	if (m->ram.nr_free >= r->wmark_low || !swap_free_slots(&r->swap))
		return;
	while (m->ram.nr_free < r->wmark_high && swap_free_slots(&r->swap))
		if (!shrink_one(m))
			break;
}

int reclaim_init(struct mmu *m, const char *path, uint64_t bytes,
		 const struct reclaim_policy *policy, char *err, size_t errlen)
{
	struct reclaim *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	if (swap_init(&r->swap, path, bytes, err, errlen)) {
		free(r);
		return -1;
	}
	if (lru_init(&r->lru, m->ram.base_pfn, m->ram.nr,
		     policy ? policy : &reclaim_lru)) {
		swap_destroy(&r->swap);
		free(r);
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	reclaim_watermarks(m->ram.nr, &r->wmark_min, &r->wmark_low,
			   &r->wmark_high);
	r->busy_pfn = PFN_NONE;
	r->balance = balance;
	m->reclaim = r;
	return 0;
}

/* The anonymous or shared-anonymous frame at va that v alone maps, or
 * PFN_NONE (Linux's madvise_cold_or_pageout_pte_range skips pages
 * mapped more than once). */
static uint64_t private_frame(struct mm *mm, struct vma *v, uint64_t va)
{
	struct pt_entry e;
	if (!mm->mmu->reclaim || !pt_lookup(mm, va, &e) || e.special)
		return PFN_NONE;
	struct frame *f = mmu_frame(mm->mmu, e.pfn);
	if (!f || (f->kind != FRAME_ANON && f->kind != FRAME_SHARED) ||
	    f->mapcount != 1 || (v->flags & VM_LOCKED))
		return PFN_NONE;
	return e.pfn;
}

void reclaim_madvise_cold(struct mm *mm, struct vma *v, uint64_t va)
{
	uint64_t pfn = private_frame(mm, v, va);
	if (pfn == PFN_NONE)
		return;
	struct lru *l = &mm->mmu->reclaim->lru;
	/* ptep_test_and_clear_young, then deactivate_page. */
	pt_clear_young(mm, va);
	if (lru_on(l, pfn) != LRU_NONE)
		l->policy->page_cold(l, pfn);
}

void reclaim_madvise_pageout(struct mm *mm, struct vma *v, uint64_t va)
{
	uint64_t pfn = private_frame(mm, v, va);
	if (pfn == PFN_NONE)
		return;
	struct lru *l = &mm->mmu->reclaim->lru;
	/* reclaim_pages: taken off the lists, reclaimed, or put back. */
	pt_clear_young(mm, va);
	lru_del(l, pfn);
	mm->mmu->reclaim->pgscan++;
	if (reclaim_frame(mm->mmu, pfn))
		l->policy->page_putback(l, pfn);
}

unsigned swap_entry_count(struct mmu *m, const struct pt_entry *e)
{
	if (!m->reclaim || !e->swapped || e->swap_type != SWAP_TYPE)
		return 0;
	return swap_count(&m->reclaim->swap, e->swap_offset);
}

uint64_t oom_badness(struct mm *mm)
{
	return mm->rss_anon + mm->rss_file + mm->rss_shmem + mm->swap_ents +
	       pt_table_pages(mm);
}

uint64_t oom_totalpages(struct mmu *m)
{
	return m->ram.nr + (m->reclaim ? swap_total(&m->reclaim->swap) : 0);
}

void oom_kill_process(struct mm *mm)
{
	struct mmu *m = mm->mmu;
	if (m->reclaim)
		m->reclaim->oom_kills++;
	m->oom_kill_pending = true;
	if (m->out_of_memory)
		return; /* its words are the chooser's (out_of_memory) */
	/* /proc/PID/oom_score: the badness per mille of RAM and swap. */
	uint64_t points = oom_badness(mm);
	snprintf(m->oom_reason, sizeof(m->oom_reason),
		 "killed by the OOM killer (out of memory: oom_score %llu, "
		 "rss %llu, swap %llu, page tables %llu pages)",
		 (unsigned long long)(points * 1000 / oom_totalpages(m)),
		 (unsigned long long)(mm->rss_anon + mm->rss_file +
				      mm->rss_shmem),
		 (unsigned long long)mm->swap_ents,
		 (unsigned long long)pt_table_pages(mm));
}

void oom_reap(struct mm *mm)
{
	for (struct vma *v = vma_first(&mm->vmas); v;
	     v = vma_next(&mm->vmas, v))
		if (!(v->flags & (VM_SHARED | VM_PFNMAP)))
			zap_range(mm, v->start, v->end);
	if (mm->mmu->reclaim)
		mm->mmu->reclaim->oom_kills++;
}
