/* An address space: its VMAs, its page tables, and the host backing that
 * lets Unicorn see its pages.  The operations on it (mmap, munmap, mprotect,
 * mremap, brk, madvise) live in mmap.c; the fault handler in fault.c.
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

/* The user half is backed in 64 MiB chunks: one Unicorn region and one
 * host reservation per run of chunks, made when a VMA first lands there.
 * Smaller chunks would mean more regions (fact 7); larger ones make the
 * region split behind an executable VMA slow, because Unicorn flushes
 * every page of the region it splits (1 GiB: about 10 ms a split). */
#define CHUNK_SHIFT 26
#define CHUNK_SIZE  (1ULL << CHUNK_SHIFT)
#define CHUNK_PAGES (CHUNK_SIZE >> PAGE_SHIFT)
#define NR_CHUNKS   (USER_VA_END >> CHUNK_SHIFT)

/* User space has a hole where Unicorn sees the page-table bank at its
 * physical address (fact 1). */
#define PTBANK_HOLE_START PTBANK_BASE
#define PTBANK_HOLE_END	  (PTBANK_BASE + PTBANK_MAX)

struct mempolicy {
	int mode;	/* MPOL_* (numa.h) */
	uint64_t nodes; /* node mask */
	unsigned next;	/* interleave: the next node to try */
};

struct mm {
	struct mmu *mmu;
	struct mempolicy policy;
	struct vma_tree vmas;
	uint64_t pml4_pfn;
	struct chunk *chunks;	  /* NR_CHUNKS entries, see backing.c */
	struct mmio_window *mmio; /* user ranges backed by device callbacks */
	uint64_t (*runs)[2];	  /* backed runs of chunks [first, end) */
	size_t nr_runs, cap_runs;
	uint64_t start_brk, brk;
	uint64_t mmap_base;
	uint64_t stack_rlimit;
	bool flush_pending; /* a PTE lost rights: flush before returning */
	bool dying;	    /* being destroyed: skip host unaliasing */
	uint64_t rss_anon, rss_shmem, rss_file;
};

struct mm *mm_create(struct mmu *mmu);
void mm_destroy(struct mm *mm);

/* Run the TLB flush a syscall or fault batched, if any. */
void mm_flush_tlb(struct mm *mm);

/* True when [start, end) may hold user mappings on this machine. */
bool mm_range_usable(uint64_t start, uint64_t end);

/* Host backing (backing.c). */
int backing_cover(struct mm *mm, uint64_t start, uint64_t end);
int backing_set_exec(struct mm *mm, uint64_t start, uint64_t end, bool exec);
int backing_alias(struct mm *mm, uint64_t va, uint64_t pfn);
void backing_unalias(struct mm *mm, uint64_t start, uint64_t end);
/* Back [start, end) by device callbacks instead of host aliases (for
 * PTEs to non-memory physical addresses), and undo that. */
int backing_mmio(struct mm *mm, uint64_t start, uint64_t end);
void backing_unmmio(struct mm *mm, uint64_t start, uint64_t end);
void backing_destroy(struct mm *mm);

#endif
