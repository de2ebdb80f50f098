/* /proc/PID/smaps and /proc/PID/smaps_rollup: each
 * VMA's maps line and what its pages are, in Linux 6.1's format
 * (show_smap, show_smaps_rollup), from the page tables as they are when
 * the file is read (docs/memory.md, "/proc"):
 *
 *   Rss         pages with a frame Linux has a struct page for (not the
 *               zero frame, not a PFN map)
 *   Pss         each page's size divided by its mapcount (the reverse
 *               map's count of entries mapping the frame)
 *   Shared_*    mapped more than once; Private_* once
 *   *_Dirty     the D bit, an anonymous page, or a shared page written
 *               through any mapping (proc_mm.h)
 *   Referenced  the accessed bit
 *   Anonymous   anonymous pages (and written pages of the program image,
 *               which Linux would have copied)
 *   Locked      Pss of the pages of a VM_LOCKED VMA
 *   VmFlags     Linux's two-letter names of the VMA's flags
 *
 * memu has no swap, no THP (a kernel with it set to "never": THPeligible
 * is 0), no hugetlb pages, no lazily freed pages and no protection keys
 * (so no ProtectionKey line).  A zombie's smaps is empty and its
 * smaps_rollup ESRCH; a reaped task's are ESRCH.
 */
#include <errno.h>
#include <string.h>

#include "../mmu/pagetable.h"
#include "../mmu/vmscan.h"
#include "proc_maps.h"
#include "proc_mm.h"
#include "proc_task.h"

#define PSS_SHIFT 12

/* Linux's struct mem_size_stats, in bytes (pss fields << PSS_SHIFT). */
struct mem_size_stats {
	uint64_t resident, shared_clean, shared_dirty, private_clean,
		private_dirty, referenced, anonymous, lazyfree, swap;
	uint64_t swap_pss;
	uint64_t pss, pss_anon, pss_file, pss_shmem, pss_dirty, pss_locked;
};

struct gather {
	struct mem_size_stats *mss;
	bool locked;
};

/* smaps_pte_entry and smaps_account for one 4 KiB page. */
static void smaps_pte_entry(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)va;
	struct gather *g = arg;
	struct mem_size_stats *mss = g->mss;
	struct pt_entry e;
	struct frame *f;
	pte_decode(pte, &e);
	unsigned swapcount = swap_entry_count(mm->mmu, &e);
	if (swapcount) {
		/* A page on swap (smaps_pte_entry's swap entry). */
		mss->swap += PAGE_SIZE;
		mss->swap_pss += (PAGE_SIZE << PSS_SHIFT) / swapcount;
		return;
	}
	enum proc_page kind = proc_page_of(mm, &e, &f);
	if (kind == PROC_PAGE_NONE)
		return;
	bool dirty = proc_page_dirty(mm, &e, kind);
	if (kind == PROC_PAGE_ANON)
		mss->anonymous += PAGE_SIZE;
	mss->resident += PAGE_SIZE;
	if (e.accessed)
		mss->referenced += PAGE_SIZE;
	uint32_t mapcount = f->mapcount;
	uint64_t pss = PAGE_SIZE << PSS_SHIFT;
	if (mapcount >= 2)
		pss /= mapcount;
	bool private = mapcount < 2;
	mss->pss += pss;
	if (kind == PROC_PAGE_ANON)
		mss->pss_anon += pss;
	else if (kind == PROC_PAGE_SHMEM)
		mss->pss_shmem += pss;
	else
		mss->pss_file += pss;
	if (g->locked)
		mss->pss_locked += pss;
	if (dirty) {
		mss->pss_dirty += pss;
		if (private)
			mss->private_dirty += PAGE_SIZE;
		else
			mss->shared_dirty += PAGE_SIZE;
	} else if (private) {
		mss->private_clean += PAGE_SIZE;
	} else {
		mss->shared_clean += PAGE_SIZE;
	}
}

static void smap_gather_stats(struct mm *mm, const struct vma *v,
			      struct mem_size_stats *mss)
{
	if (v == &vsyscall_gate)
		return; /* no mm behind it: walk_page_vma refuses */
	struct gather g = {mss, (v->flags & VM_LOCKED) != 0};
	pt_for_each(mm, v->start, v->end, smaps_pte_entry, &g);
}

/* SEQ_PUT_DEC: "Name:  " then the value in kB, 8 wide. */
static void put_kb(struct proc_text *t, const char *name, uint64_t bytes)
{
	text_printf(t, "%s%8llu kB\n", name, (unsigned long long)(bytes >> 10));
}

/* __show_smap: what smaps and smaps_rollup share. */
static void show_smap_common(struct proc_text *t,
			     const struct mem_size_stats *mss, bool rollup)
{
	put_kb(t, "Rss:            ", mss->resident);
	put_kb(t, "Pss:            ", mss->pss >> PSS_SHIFT);
	put_kb(t, "Pss_Dirty:      ", mss->pss_dirty >> PSS_SHIFT);
	if (rollup) {
		put_kb(t, "Pss_Anon:       ", mss->pss_anon >> PSS_SHIFT);
		put_kb(t, "Pss_File:       ", mss->pss_file >> PSS_SHIFT);
		put_kb(t, "Pss_Shmem:      ", mss->pss_shmem >> PSS_SHIFT);
	}
	put_kb(t, "Shared_Clean:   ", mss->shared_clean);
	put_kb(t, "Shared_Dirty:   ", mss->shared_dirty);
	put_kb(t, "Private_Clean:  ", mss->private_clean);
	put_kb(t, "Private_Dirty:  ", mss->private_dirty);
	put_kb(t, "Referenced:     ", mss->referenced);
	put_kb(t, "Anonymous:      ", mss->anonymous);
	put_kb(t, "LazyFree:       ", mss->lazyfree);
	put_kb(t, "AnonHugePages:  ", 0);
	put_kb(t, "ShmemPmdMapped: ", 0);
	put_kb(t, "FilePmdMapped:  ", 0);
	put_kb(t, "Shared_Hugetlb: ", 0);
	text_printf(t, "Private_Hugetlb: %7llu kB\n", 0ULL);
	put_kb(t, "Swap:           ", mss->swap);
	put_kb(t, "SwapPss:        ", mss->swap_pss >> PSS_SHIFT);
	put_kb(t, "Locked:         ", mss->pss_locked >> PSS_SHIFT);
}

/* show_smap_vma_flags: Linux 6.1's names on x86-64, by bit ("??" for a
 * bit it has no name for, VM_LOCKONFAULT among them; the empty names,
 * the protection-key bits, are never shown). */
static const char *const mnemonics[64] = {
	[0] = "rd",  [1] = "wr",  [2] = "ex",  [3] = "sh",  [4] = "mr",
	[5] = "mw",  [6] = "me",  [7] = "ms",  [8] = "gd",  [9] = "um",
	[10] = "pf", [12] = "uw", [13] = "lo", [14] = "io", [15] = "sr",
	[16] = "rr", [17] = "dc", [18] = "de", [20] = "ac", [21] = "nr",
	[22] = "ht", [23] = "sf", [24] = "ar", [25] = "wf", [26] = "dd",
	[27] = "sd", [28] = "mm", [29] = "hg", [30] = "nh", [31] = "mg",
	[32] = "",   [33] = "",	  [34] = "",   [35] = "",   [37] = "ui",
};

static void show_vma_flags(struct proc_text *t, uint64_t flags)
{
	text_puts(t, "VmFlags: ");
	for (unsigned i = 0; i < 64; i++) {
		const char *name = mnemonics[i] ? mnemonics[i] : "??";
		if (name[0] && (flags & (1ULL << i)))
			text_printf(t, "%s ", name);
	}
	text_puts(t, "\n");
}

static void show_smap(struct proc_text *t, struct mm *mm, const struct vma *v)
{
	struct mem_size_stats mss;
	memset(&mss, 0, sizeof(mss));
	smap_gather_stats(mm, v, &mss);
	show_map_vma(t, v);
	put_kb(t, "Size:           ", v->end - v->start);
	put_kb(t, "KernelPageSize: ", PAGE_SIZE);
	put_kb(t, "MMUPageSize:    ", PAGE_SIZE);
	show_smap_common(t, &mss, false);
	text_puts(t, "THPeligible:    0\n");
	show_vma_flags(t, v->flags);
}

static void show_smaps(struct proc_text *t, struct file *f)
{
	struct proc_task *task = proc_file_task(f);
	if (!task) {
		t->err = -ESRCH;
		return;
	}
	struct mm *mm = task->mm;
	if (!mm)
		return;
	struct vma_tree *vmas = &mm->vmas;
	for (struct vma *v = vma_first(vmas); v; v = vma_next(vmas, v))
		show_smap(t, mm, v);
	show_smap(t, mm, &vsyscall_gate);
}

/* The header's prefix for no VMA (show_vma_header_prefix with flags,
 * offset, device and inode 0), then the pad and "[rollup]". */
static void show_smaps_rollup(struct proc_text *t, struct file *f)
{
	/* a zombie's, with no address space, is ESRCH too */
	struct proc_task *task = proc_file_task(f);
	struct mm *mm = task ? task->mm : NULL;
	if (!mm) {
		t->err = -ESRCH;
		return;
	}
	struct vma_tree *vmas = &mm->vmas;
	struct mem_size_stats mss;
	memset(&mss, 0, sizeof(mss));
	uint64_t start = 0, end = 0;
	for (struct vma *v = vma_first(vmas); v; v = vma_next(vmas, v)) {
		if (!end)
			start = v->start;
		smap_gather_stats(mm, v, &mss);
		end = v->end;
	}
	size_t line = t->len;
	text_printf(t, "%08llx-%08llx ---p 00000000 00:00 0 ",
		    (unsigned long long)start, (unsigned long long)end);
	text_pad(t, line);
	text_puts(t, "[rollup]\n");
	show_smap_common(t, &mss, true);
}

PROC_TEXT_FOPS(smaps_fops, show_smaps);
PROC_TEXT_FOPS(smaps_rollup_fops, show_smaps_rollup);
PROC_PID_FILE(smaps, 0444, &smaps_fops);
PROC_PID_FILE(smaps_rollup, 0444, &smaps_rollup_fops);
