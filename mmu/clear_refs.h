/* What /proc/PID/clear_refs does to an address space (Linux 6.1's
 * clear_refs_write, fs/proc/task_mmu.c; docs/memory.md, "/proc"):
 * forget which pages were referenced, or which were written (soft-dirty).
 * devices/proc_clear_refs.c picks the VMAs; the TLB flush is batched
 * (mm->flush_pending), the caller's syscall runs it.
 */
#ifndef MEMU_MMU_CLEAR_REFS_H
#define MEMU_MMU_CLEAR_REFS_H

#include "mm.h"

/* Clear the accessed bit of every ordinary page v maps (not the zero
 * frame, not a PFN map), so that the next access sets it again. */
void clear_refs_young(struct mm *mm, struct vma *v);
/* Clear VM_SOFTDIRTY on every VMA, and soft-dirty and write permission
 * on every entry outside PFN maps, so that the next write to a page
 * faults and makes it soft-dirty again (Linux clear_soft_dirty). */
void clear_refs_soft_dirty(struct mm *mm);

#endif
