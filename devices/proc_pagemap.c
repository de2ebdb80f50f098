/* /proc/PID/pagemap: one 64-bit entry per virtual
 * page, read at offset (address / 4096) * 8, as Linux 6.1's pagemap_read
 * fills it (docs/memory.md, "/proc"):
 *   bits 0-54  the page frame number (the guest is root: it is shown)
 *   bit 55     soft-dirty: the VMA is new since clear_refs cleared it,
 *              or the page has been written since (mmu/clear_refs.h)
 *   bit 56     the page is mapped exclusively (mapcount 1)
 *   bit 61     a file page or shared anonymous memory
 *   bit 63     present (a PROT_NONE entry keeps its frame: present)
 * A page outside every VMA reads 0.  Offsets and counts must be
 * multiples of 8 (EINVAL); reading past user space gives 0 bytes.
 */
#include <errno.h>
#include <stdint.h>

#include "../mmu/pagetable.h"
#include "../mmu/uaccess.h"
#include "../mmu/vmscan.h"
#include "proc_task.h"
#include "proc_text.h"

#define PM_ENTRY_BYTES	    8
#define PM_PFN_MASK	    ((1ULL << 55) - 1)
#define PM_SOFT_DIRTY	    (1ULL << 55)
#define PM_EXCLUSIVE	    (1ULL << 56)
#define PM_FILE		    (1ULL << 61)
#define PM_SWAP		    (1ULL << 62)
#define MAX_SWAPFILES_SHIFT 5
#define PM_PRESENT	    (1ULL << 63)
#define PM_BATCH	    512

static uint64_t entry_of(struct mm *mm, const struct vma *v, uint64_t va)
{
	if (!v)
		return 0;
	uint64_t e = (v->flags & VM_SOFTDIRTY) ? PM_SOFT_DIRTY : 0;
	struct pt_entry pte;
	pt_lookup(mm, va, &pte);
	if (swap_entry_count(mm->mmu, &pte)) {
		/* A swapped page: the type and offset where the frame
		 * number goes (the guest is root), no page behind it. */
		e |= PM_SWAP |
		     ((pte.swap_type | pte.swap_offset << MAX_SWAPFILES_SHIFT) &
		      PM_PFN_MASK);
		if (pte.soft_dirty)
			e |= PM_SOFT_DIRTY;
		return e;
	}
	if (!pte.has_frame)
		return e;
	e |= PM_PRESENT | (pte.pfn & PM_PFN_MASK);
	if (pte.soft_dirty)
		e |= PM_SOFT_DIRTY;
	/* vm_normal_page: the zero frame and PFN maps have no page. */
	if (pte.special)
		return e;
	const struct frame *f = mmu_frame(mm->mmu, pte.pfn);
	if (!f)
		return e;
	/* The program's image is memu's FILE frames; Linux would have
	 * copied a written one into an anonymous page (COW). */
	if ((f->kind == FRAME_FILE && !pte.dirty) || frame_kind_shmem(f->kind))
		e |= PM_FILE;
	if (f->mapcount == 1)
		e |= PM_EXCLUSIVE;
	return e;
}

static int64_t read_pagemap(struct file *f, uint64_t ubuf, uint64_t count,
			    uint64_t *pos)
{
	/* The task's entries, into the reader's buffer: a zombie or a
	 * reaped task has none to read (0 bytes). */
	struct proc_task *task = proc_file_task(f);
	struct mm *mm = task ? task->mm : NULL;
	if (!mm)
		return 0;
	if ((*pos % PM_ENTRY_BYTES) || (count % PM_ENTRY_BYTES))
		return -EINVAL;
	uint64_t vpn = *pos / PM_ENTRY_BYTES;
	uint64_t va = vpn <= (UINT64_MAX >> PAGE_SHIFT) ? vpn << PAGE_SHIFT
							: TASK_SIZE;
	uint64_t done = 0;
	uint64_t buf[PM_BATCH];
	while (done < count && va < TASK_SIZE) {
		size_t n = 0;
		while (n < PM_BATCH && done + n * PM_ENTRY_BYTES < count &&
		       va < TASK_SIZE) {
			buf[n++] = entry_of(mm, vma_lookup(&mm->vmas, va), va);
			va += PAGE_SIZE;
		}
		if (copy_to_user(f->ctx->mm, ubuf + done, buf,
				 n * PM_ENTRY_BYTES))
			return done ? (int64_t)done : -EFAULT;
		done += n * PM_ENTRY_BYTES;
	}
	*pos += done;
	return (int64_t)done;
}

static const struct file_operations pagemap_fops = {
	.read = read_pagemap,
	.llseek = mem_lseek,
};

PROC_PID_FILE(pagemap, 0400, &pagemap_fops);
