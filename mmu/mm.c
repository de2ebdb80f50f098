#include "mm.h"

#include <stdlib.h>

#include "internal.h"
#include "pagetable.h"
#include "pgprot.h"
#include "rmap.h"
#include "tlb.h"

struct mm *mm_create(struct mmu *mmu)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	mm->mmu = mmu;
	mm->id = ++mmu->next_mm_id;
	vma_tree_init(&mm->vmas);
	mm->mmap_base = MMAP_BASE;
	mm->stack_rlimit = STACK_RLIMIT;
	mm->memlock_limit = 8ULL << 20; /* MLOCK_LIMIT */
	mm->cap_ipc_lock = true;	/* root */
	mm->flush_page = NO_PAGE;
	if (pt_create(mm)) {
		free(mm);
		return NULL;
	}
	return mm;
}

void mm_destroy(struct mm *mm)
{
	if (!mm)
		return;
	struct vma *v;
	while ((v = vma_first(&mm->vmas))) {
		zap_range(mm, v->start, v->end);
		vma_tree_remove(&mm->vmas, v);
		vma_free(mm, v);
	}
	pt_free_tables(mm);
	/* Page-table flips can leave frames no entry leads to. */
	if (mm->mmu->bit_flips)
		rmap_sweep_orphans(mm->mmu);
	free(mm);
}

void mm_flush_tlb(struct mm *mm)
{
	if (!mm->flush_pending && mm->flush_page == NO_PAGE)
		return;
	unsigned reasons = mm->flush_reasons;
	mm->flush_pending = false;
	mm->flush_page = NO_PAGE;
	mm->flush_reasons = 0;
	tlb_flush(mm->mmu, reasons);
}

void mm_flush_tlb_filling(struct mm *mm, uint64_t va)
{
	if (!mm->flush_pending && mm->flush_page == va) {
		mm->flush_page = NO_PAGE;
		mm->flush_reasons = 0;
	}
	mm_flush_tlb(mm);
}

bool mm_range_usable(uint64_t start, uint64_t end)
{
	return start < end && end <= TASK_SIZE;
}

/* ---- the pages of an address space */

static void zap_pte(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)arg;
	struct pt_entry e;
	pte_decode(pte, &e);
	pt_clear(mm, va);
	if (e.swapped && e.swap_type == SWAP_TYPE && mm->mmu->reclaim &&
	    swap_count(&mm->mmu->reclaim->swap, e.swap_offset)) {
		/* The page is on swap: its slot loses an entry (Linux's
		 * free_swap_and_cache). */
		swap_put(&mm->mmu->reclaim->swap, e.swap_offset);
		mm->swap_ents--;
		return;
	}
	if (e.special || !e.has_frame) /* a hwpoison marker: no frame */
		return;
	uint64_t pfn = e.pfn;
	struct frame *f = mmu_frame(mm->mmu, pfn);
	if (!f)
		return;
	if (f->kind == FRAME_ANON)
		mm->rss_anon--;
	else if (frame_kind_shmem(f->kind))
		mm->rss_shmem--;
	else if (f->kind == FRAME_FILE)
		mm->rss_file--;
	rmap_remove(mm->mmu, pfn);
}

/* Remove every mapping in [start, end) (Linux zap_page_range). */
void zap_range(struct mm *mm, uint64_t start, uint64_t end)
{
	pt_for_each(mm, start, end, zap_pte, NULL);
}

int mm_install_file_page(struct mm *mm, struct vma *v, uint64_t va,
			 uint64_t pfn)
{
	int err = pt_enter(mm, va, pfn, vm_page_prot(mm, v, pfn, true, 0));
	if (err)
		return err;
	rmap_dup(mm->mmu, pfn);
	mm->rss_file++;
	return 0;
}
