/* fork's copy of an address space (Linux dup_mmap, copy_page_range,
 * copy_present_pte): docs/memory.md, "fork and copy-on-write".
 *
 * Every VMA is copied but those marked VM_DONTCOPY (MADV_DONTFORK).  The
 * copy joins the parent's anon_vma, so the reverse map of a frame finds
 * it in both address spaces (Linux's anon_vma_fork links the child's VMA
 * into the parent's chain; memu keeps one anon_vma per VMA, the parent's:
 * the frames either process allocates later are owned by it too, and
 * rmap_walk checks each entry's frame).  Page-table entries are copied
 * where Linux copies them (vma_needs_copy: the VMA has an anon_vma or is a
 * PFN map, or an ELF image's pages, which no object holds; elsewhere
 * the child's faults fill them from the object).  A
 * private writable entry is write-protected in both (is_cow_mapping), so
 * the first write of either copies the frame, or reuses it once it has
 * one mapper left (fault.c, do_wp_page).  Shared entries stay writable.
 * The child's entries are old (A clear), as copy_present_pte makes them;
 * VM_WIPEONFORK VMAs get no entries and no anon_vma: fresh zero memory.
 * Memory locks are not inherited (VM_LOCKED cleared, no mlockall).
 */
#include "mm.h"

#include <stdlib.h>

#include "pagetable.h"
#include "pgprot.h"
#include "reclaim.h"
#include "rmap.h"
#include "swap.h"

struct copy_ctx {
	struct mm *dst;
	struct vma *src_vma, *dst_vma;
	bool cow;
	int err;
};

static bool is_cow_mapping(uint64_t flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

static void count_rss(struct mm *mm, struct frame *f)
{
	if (!f)
		return;
	if (f->kind == FRAME_ANON)
		mm->rss_anon++;
	else if (frame_kind_shmem(f->kind))
		mm->rss_shmem++;
	else if (f->kind == FRAME_FILE)
		mm->rss_file++;
}

static void copy_pte(struct mm *src, uint64_t va, pte_t pte, void *arg)
{
	struct copy_ctx *c = arg;
	struct pt_entry e;
	pte_decode(pte, &e);
	if (c->err)
		return;
	/* A page on swap: the child's entry names the same slot, which
	 * gains an entry (Linux copy_nonpresent_pte, swap_duplicate). */
	struct reclaim *r = src->mmu->reclaim;
	if (e.swapped && e.swap_type == SWAP_TYPE && r &&
	    swap_count(&r->swap, e.swap_offset)) {
		if (pt_enter_swap(c->dst, va, e.swap_type, e.swap_offset,
				  e.soft_dirty)) {
			c->err = -1;
			return;
		}
		swap_dup(&r->swap, e.swap_offset);
		c->dst->swap_ents++;
		return;
	}
	/* A hwpoison marker (no frame): the child faults on it afresh, and
	 * gets the page from the object or a fresh zero page. */
	if (!e.has_frame)
		return;
	bool writable = e.writable && !(c->cow && !e.special);
	if (e.protnone)
		writable = false;
	unsigned extra = (e.special ? PTF_SPECIAL : 0) |
			 (e.nocache ? PTF_NOCACHE : 0) |
			 (e.writethru ? PTF_WRITETHRU : 0);
	unsigned ptf = vm_page_prot(c->dst, c->dst_vma, e.pfn, writable, extra);
	if (!writable)
		ptf &= ~(unsigned)PTF_WRITE;
	if (!e.exec)
		ptf &= ~(unsigned)PTF_EXEC;
	if (pt_enter(c->dst, va, e.pfn, ptf)) {
		c->err = -1;
		return;
	}
	if (e.protnone)
		pt_set_protnone(c->dst, va, true, false);
	/* The parent's entry loses write permission (ptep_set_wrprotect);
	 * its TLB flush is batched, run as the call returns. */
	if (c->cow && e.writable && !e.special)
		pt_set_writable(src, va, false);
	if (e.special)
		return;
	struct frame *f = mmu_frame(src->mmu, e.pfn);
	if (!f)
		return;
	rmap_dup(src->mmu, e.pfn);
	count_rss(c->dst, f);
}

/* Linux vma_needs_copy, and the loader's image pages: they are in no
 * object a fault could find them in again (mm_install_file_page). */
static bool vma_needs_copy(const struct vma *v)
{
	return v->anon_vma || (v->flags & (VM_PFNMAP | VM_MIXEDMAP)) ||
	       (!v->shm && !(v->ops && v->ops->fault));
}

struct mm *mm_fork(struct mm *old, struct mm_fork_stats *st)
{
	struct mm *mm = mm_create(old->mmu);
	if (!mm)
		return NULL;
	mm->policy = old->policy;
	mm->start_brk = old->start_brk;
	mm->brk = old->brk;
	mm->mmap_base = old->mmap_base;
	mm->stack_rlimit = old->stack_rlimit;
	for (struct vma *v = vma_first(&old->vmas); v;
	     v = vma_next(&old->vmas, v)) {
		if (v->flags & VM_DONTCOPY)
			continue;
		struct vma *n = vma_copy(mm, v, v->start, v->end, v->pgoff);
		if (!n) {
			mm_destroy(mm);
			return NULL;
		}
		n->flags &= ~VM_LOCKED_MASK;
		vma_tree_insert(&mm->vmas, n);
		if (v->flags & VM_WIPEONFORK) {
			anon_vma_unlink(n);
			continue;
		}
		if (!vma_needs_copy(v))
			continue;
		struct copy_ctx c = {mm, v, n, is_cow_mapping(v->flags), 0};
		pt_for_each(old, v->start, v->end, copy_pte, &c);
		if (c.err) {
			mm_destroy(mm);
			return NULL;
		}
		if (st)
			st->vmas_copied++;
	}
	if (st)
		st->pages = mm->rss_anon + mm->rss_file + mm->rss_shmem;
	return mm;
}
