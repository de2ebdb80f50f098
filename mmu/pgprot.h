/* The rights a user mapping gives one of its frames: Linux's
 * vm_get_page_prot() plus memu's write-protect rule (a frame in an MTRR WP
 * range is never entered writable, see wprotect.h).  Execute permission
 * follows VM_EXEC: the CPU model has NX (docs/machine.md, "The MMU").
 */
#ifndef MEMU_MMU_PGPROT_H
#define MEMU_MMU_PGPROT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm.h"

/* PTF_* flags for entering pfn in v: writable when asked for and the VMA
 * and the frame allow it; extra adds PTF_SPECIAL or cache bits. */
unsigned vm_page_prot(struct mm *mm, const struct vma *v, uint64_t pfn,
		      bool writable, unsigned extra);

#endif
