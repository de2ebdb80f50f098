/* An address space: its VMAs and its page tables, and its life (mm.c):
 * creation, teardown, the batched TLB flush, and the bookkeeping (RSS,
 * reverse map) of pages entered or removed outside the fault handler:
 * mm_install_file_page here, zap_range in internal.h.  The syscalls that
 * change it are declared in mmap.h (mmap.c, mprotect.c, mremap.c,
 * madvise.c); the fault handler is fault.c.
 */
#ifndef MEMU_MMU_MM_H
#define MEMU_MMU_MM_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu.h"
#include "vma.h"

/* Linux x86-64 with 4-level paging. */
#define TASK_SIZE	0x7ffffffff000ULL
#define USER_VA_END	0x800000000000ULL
#define MMAP_MIN_ADDR	0x10000ULL
#define STACK_TOP	TASK_SIZE
#define STACK_GUARD_GAP (256 * PAGE_SIZE)
#define STACK_RLIMIT	(8ULL << 20)
/* top-down mmap base without randomisation: DEFAULT_MAP_WINDOW minus the
 * minimum gap of 128 MiB (arch/x86/mm/mmap.c) */
#define MMAP_BASE (TASK_SIZE - (128ULL << 20))

struct mempolicy {
	int mode;	/* MPOL_* (numa.h) */
	uint64_t nodes; /* node mask */
	unsigned next;	/* interleave: the next node to try */
};

struct mm {
	struct mmu *mmu;
	/* Never reused in the machine: a file holding the address space
	 * (/proc/PID/mem) knows when the task has another. */
	uint64_t id;
	struct mempolicy policy;
	struct vma_tree vmas;
	uint64_t pml4_pfn;
	uint64_t start_brk, brk;
	uint64_t mmap_base;
	uint64_t stack_rlimit;
	/* RLIMIT_MEMLOCK in bytes, and whether the task has CAP_IPC_LOCK
	 * (then the limit does not bind): emu/ sets both before each
	 * syscall from the calling task (docs/memory.md, "Locked memory
	 * and its limit"). */
	uint64_t memlock_limit;
	bool cap_ipc_lock;
	uint64_t def_flags; /* VM_LOCKED(ONFAULT) for new mappings: mlockall */
	bool flush_pending; /* a PTE lost rights: flush before returning */
	unsigned flush_reasons; /* why a flush is owed: TLB_FLUSH_* */
	/* With flush_pending clear: the one page whose entry changed frame
	 * (a COW), NO_PAGE if none.  The TLB fill that refills it replaces
	 * the stale entry, so it alone needs no flush. */
	uint64_t flush_page;
	uint64_t rss_anon, rss_shmem, rss_file;
	uint64_t swap_ents; /* swap entries in the page tables (MM_SWAPENTS) */
	uint64_t last_anon_fault; /* page of the last anonymous write fault */
};

struct mm *mm_create(struct mmu *mmu);
void mm_destroy(struct mm *mm);

#define NO_PAGE UINT64_MAX

/* Why the TLB is flushed (EV_TLB_FLUSH's a, a mask): an entry was
 * cleared or moved (munmap, MADV_DONTNEED, mremap, hwpoison), lost rights
 * (mprotect, write protection), or changed frame (a COW elsewhere than at
 * the page being filled, a migration). */
#define TLB_FLUSH_UNMAP	  1u
#define TLB_FLUSH_PROTECT 2u
#define TLB_FLUSH_COW	  4u
#define TLB_FLUSH_ALL	  7u

/* Run the TLB flush a syscall or fault batched, if any. */
void mm_flush_tlb(struct mm *mm);
/* The same from the TLB fill of page va, whose refill replaces its own
 * stale entry. */
void mm_flush_tlb_filling(struct mm *mm, uint64_t va);

/* True when [start, end) may hold user mappings on this machine. */
bool mm_range_usable(uint64_t start, uint64_t end);

/* Map the fresh file frame pfn (an ELF image page, FRAME_FILE) at va in
 * v, with the rights vm_page_prot gives it, and account for it as the
 * fault path accounts for its pages: one mapping in the frame's
 * reverse-map count, one page of file RSS.  0 or -ENOMEM (no page-table
 * page left). */
/* fork's copy of old (mmu/fork.c, Linux dup_mmap): VMAs, anon_vma
 * links and page-table entries, private writable ones write-protected in
 * both (copy-on-write); NULL when out of memory or page tables.  The
 * parent's TLB flush is batched in old.  st, if not NULL, gets what was
 * copied. */
struct mm_fork_stats {
	uint64_t vmas_copied; /* VMAs whose entries were copied */
	uint64_t pages;	      /* entries the child holds */
};
struct mm *mm_fork(struct mm *old, struct mm_fork_stats *st);

int mm_install_file_page(struct mm *mm, struct vma *v, uint64_t va,
			 uint64_t pfn);

#endif
