/* Kernel access to user memory (copy_from_user and friends).
 *
 * memu's kernel code never goes through the CPU (uc_mem_read/write): it
 * looks the entry up in the page tables, takes a fault (counted like Linux
 * counts faults on user buffers) when the page is absent or read-only,
 * sets A/D as the CPU would, and then touches the frame through the host
 * direct map; a write drops the frame's translated code.  A bad pointer
 * gives -EFAULT and never a host fault.
 */
#ifndef MEMU_MMU_UACCESS_H
#define MEMU_MMU_UACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "mm.h"

int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n);
int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n);
int clear_user(struct mm *mm, uint64_t dst, size_t n);
/* Copy a NUL-terminated string of at most max bytes (with the NUL):
 * its length, -EFAULT, or -ENAMETOOLONG. */
long strncpy_from_user(struct mm *mm, char *dst, uint64_t src, size_t max);

/* True when [addr, addr+n) lies in the user half without wrapping. */
bool access_ok(uint64_t addr, size_t n);

#endif
