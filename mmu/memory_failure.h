/* Hardware memory errors: Linux 6.1's memory_failure() and
 * soft_offline_page() (mm/memory-failure.c) for one frame
 * (docs/inject.md, "Primitives").
 *
 * memory_failure marks the frame poisoned (never handed out again: see
 * frame_free) and acts by what the frame holds:
 *   - free: taken out of the allocator; 0.
 *   - anonymous memory, a shared object's page (MAP_SHARED anonymous,
 *     tmpfs, memfd): every entry mapping it becomes a hwpoison marker, so
 *     a later access gets SIGBUS BUS_MCEERR_AR; a shared object keeps the
 *     page (shmem's error_remove_page does nothing), so read(2) and
 *     write(2) of it get EIO.  0.
 *   - the program's image (the only file pages memu has outside tmpfs):
 *     clean (no entry's D bit set), it is dropped and read again, as
 *     Linux drops a clean page-cache page and re-reads it at the next
 *     fault: memu's image VMA has no file behind it to fault from, so
 *     memu reads it again at once, the entries pointing at a fresh frame
 *     with the same bytes; no signal.  Written, it is anonymous memory
 *     to Linux (a private COW copy) and poisoned as such.  0.
 *   - anything else (kernel pages, page tables, the zero frame, driver
 *     pages, reserved frames): only marked; -EBUSY, as Linux's
 *     "unhandlable page".
 * A frame already poisoned: -EHWPOISON.  A pfn with no frame: -ENXIO.
 *
 * A dirty page unmapped from a process makes it a candidate for the early
 * kill (BUS_MCEERR_AO at poison time, if it asked for it with
 * prctl(PR_MCE_KILL) or vm.memory_failure_early_kill is set): signals are
 * the emulator's, so memory_failure only names the process and the
 * address (*victim), and emu/ decides.
 */
#ifndef MEMU_MMU_MEMORY_FAILURE_H
#define MEMU_MMU_MEMORY_FAILURE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm.h"

/* Whom Linux's kill_procs would signal: the process whose dirty page was
 * unmapped, and the page's address in its first mapping. */
struct mf_victim {
	struct mm *mm; /* NULL: nobody */
	uint64_t va;
};

/* mm: the address space to search for the mappings of a frame with no
 * reverse map (the program's image); memu runs one process. */
int memory_failure(struct mmu *m, struct mm *mm, uint64_t pfn,
		   struct mf_victim *victim);

/* Move the contents of a frame in use to a new frame (its mappings and
 * its place in a shared object follow) and retire the old one, poisoned;
 * a free frame is only retired.  0; 0 for a frame already poisoned;
 * -ENOMEM when the new frame cannot be had (the injection counts);
 * -EIO for a frame that cannot move (kernel, page table, zero, driver);
 * -ENXIO for a pfn with no frame. */
int soft_offline_page(struct mmu *m, struct mm *mm, uint64_t pfn);

static inline bool frame_hwpoison(struct mmu *m, uint64_t pfn)
{
	struct frame *f = mmu_frame(m, pfn);
	return f && f->hwpoison;
}

#endif
