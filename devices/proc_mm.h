/* What the /proc files read of an address space: Linux 6.1's mm counters
 * and page classes, recomputed from the VMAs and the page tables when a
 * file is shown (docs/memory.md, "/proc").
 */
#ifndef MEMU_DEVICES_PROC_MM_H
#define MEMU_DEVICES_PROC_MM_H

#include <stdbool.h>
#include <stdint.h>

#include "../mmu/frame.h"
#include "../mmu/mm.h"
#include "../mmu/pagetable.h"
#include "proc_task.h"

/* Linux's per-mm VMA counters (vm_stat_account), in pages. */
struct proc_vm {
	uint64_t total;	    /* total_vm: every VMA */
	uint64_t locked;    /* locked_vm: VM_LOCKED */
	uint64_t exec;	    /* exec_vm: executable, not writable, not stack */
	uint64_t stack;	    /* stack_vm: VM_GROWSDOWN */
	uint64_t data;	    /* data_vm: private writable, not stack */
	uint64_t committed; /* VM_ACCOUNT: what Committed_AS counts */
};
void proc_vm_count(struct mm *mm, struct proc_vm *vm);

/* What Linux would see behind an entry: vm_normal_page, then the page's
 * class (PageAnon, PageSwapBacked). */
enum proc_page {
	PROC_PAGE_NONE,	 /* no page: empty, the zero frame, a PFN map */
	PROC_PAGE_ANON,	 /* anonymous (MM_ANONPAGES) */
	PROC_PAGE_FILE,	 /* a file's page (MM_FILEPAGES) */
	PROC_PAGE_SHMEM, /* shared memory, memfd (MM_SHMEMPAGES) */
};
/* The class of the page e maps; *f gets its frame (NULL for none).  A
 * frame of the program's image that has been written is anonymous: on
 * Linux it would be the private copy the first write made. */
enum proc_page proc_page_of(struct mm *mm, const struct pt_entry *e,
			    struct frame **f);
/* Dirty as Linux counts it for smaps: the entry's D bit, an anonymous
 * page (always made dirty), or a shared page written through any of
 * its mappings. */
bool proc_page_dirty(struct mm *mm, const struct pt_entry *e,
		     enum proc_page kind);

/* The resident pages by class (Linux's RSS counters). */
struct proc_rss {
	uint64_t anon, file, shmem;
};
void proc_rss_count(struct mm *mm, struct proc_rss *r);
static inline uint64_t proc_rss_total(const struct proc_rss *r)
{
	return r->anon + r->file + r->shmem;
}

/* Linux's vma->vm_file is set: a device, shared memory, or the image. */
bool proc_vma_has_file(const struct proc_task *task, const struct vma *v);

#endif
