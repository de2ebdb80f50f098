/* Reclaim (Linux's mm/vmscan.c, simplified; docs/reclaim.md): the engine
 * that frees frames under memory pressure.  The policy (reclaim_policy.h)
 * picks victims; the engine unmaps each from every page table through the
 * reverse map (try_to_unmap), writes it to swap (pageout) and frees it.
 * Anonymous frames only: shared memory and tmpfs pages stay resident,
 * the program image is loaded from the host and cannot be read again, and
 * mlocked pages are never taken.  The OOM killer's verdict is here too.
 */
#ifndef MEMU_MMU_VMSCAN_H
#define MEMU_MMU_VMSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "mm.h"
#include "pagetable.h"
#include "reclaim_policy.h"

/* Give the machine a swap device of bytes (path NULL: a memfd; else the
 * host file path) and a replacement policy (NULL: lru).  0, or -1 with a
 * reason in err. */
int reclaim_init(struct mmu *m, const char *path, uint64_t bytes,
		 const struct reclaim_policy *policy, char *err, size_t errlen);

/* Linux's watermarks for a zone of managed pages, simplified
 * (docs/reclaim.md, "Watermarks"). */
void reclaim_watermarks(uint64_t managed, uint64_t *min, uint64_t *low,
			uint64_t *high);

/* Reclaim one frame now: unmap it everywhere, write it to swap, free
 * it.  0, or -EBUSY (mlocked, busy, not anonymous), -ENOSPC (swap full
 * or no swap), -EIO (the swap device refused the write). */
int reclaim_frame(struct mmu *m, uint64_t pfn);

/* madvise(MADV_COLD) / MADV_PAGEOUT on the frame at va of v (Linux
 * madvise_cold_or_pageout_pte_range): skipped unless it is an anonymous
 * frame mapped by v alone. */
void reclaim_madvise_cold(struct mm *mm, struct vma *v, uint64_t va);
void reclaim_madvise_pageout(struct mm *mm, struct vma *v, uint64_t va);

/* How many entries name the swap slot entry e holds (docs/reclaim.md):
 * 0 when e is no swap entry of the machine's device (none, a hwpoison
 * marker, a flipped bit). */
unsigned swap_entry_count(struct mmu *m, const struct pt_entry *e);

/* The OOM killer has chosen mm's process, whose fault or call found no
 * frame: count it, and have the call end with SIGKILL.  Without a
 * chooser (mmu->out_of_memory) note why in mm->mmu->oom_reason, with
 * its badness (Linux oom_badness, simplified: RSS + swap entries +
 * page-table pages) and oom_score; with one, the chooser wrote them. */
void oom_kill_process(struct mm *mm);
/* Linux's oom_badness for mm, in pages, before oom_score_adj. */
uint64_t oom_badness(struct mm *mm);
/* RAM and swap in pages (Linux oc->totalpages). */
uint64_t oom_totalpages(struct mmu *m);
/* The OOM reaper (Linux __oom_reap_task_mm): free now the pages of the
 * private VMAs of a victim that has not run yet; its page tables stay,
 * and the kill is counted. */
void oom_reap(struct mm *mm);

#endif
