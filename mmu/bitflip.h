/* Bit flips (docs/inject.md, "Primitives"): a bit of a physical byte, of
 * the byte behind a guest virtual address, or of a page-table entry, as
 * a memory error would leave it.
 *
 * A physical flip goes through the bus (mmu_phys_write), so translated
 * code from the frame is dropped and the CPU runs the changed bytes.  A
 * page-table flip changes the entry in place with no TLB flush: the CPU
 * keeps what it cached for the page until its next walk of it (a TLB
 * miss, or a flush for another reason), as on hardware.  memu's kernel
 * reads the flipped entry as Linux would read it (docs/inject.md says
 * what each flip does), but never follows an upper entry out of the
 * page-table bank and never touches host memory through a frame number
 * outside RAM: the guest may see anything, the host nothing.
 */
#ifndef MEMU_MMU_BITFLIP_H
#define MEMU_MMU_BITFLIP_H

#include <stdint.h>

#include "mm.h"

/* Flip bit (0-7) of the byte at physical address pa.  0, -EINVAL (bit),
 * -ENXIO (pa is not memory: past RAM, unclaimed bus, device registers). */
int flip_phys_bit(struct mmu *m, uint64_t pa, unsigned bit);
/* The same for the byte mm maps at va (its entry holds a frame, present
 * or PROT_NONE; no fault is taken and no A bit set).  -EFAULT when va
 * holds no frame. */
int flip_user_bit(struct mm *mm, uint64_t va, unsigned bit);
/* Flip bit (0-63) of the entry at level (1 = PT ... 4 = PML4) the CPU
 * would use for va: pt_flip_bit, reported to the event point. */
int flip_pte_bit(struct mm *mm, uint64_t va, int level, unsigned bit);

#endif
