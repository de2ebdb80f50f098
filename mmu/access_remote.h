/* Another address space's memory, as the kernel reaches it for
 * /proc/PID/mem (Linux 6.1's access_remote_vm with FOLL_FORCE;
 * docs/processes.md, "/proc/PID/mem").
 *
 * Page by page, the way get_user_pages does: check_vma_flags first (no
 * VMA, VM_IO or VM_PFNMAP: stop; a write needs VM_WRITE, or a private
 * VM_MAYWRITE mapping, which it copies on write and leaves read-only, as
 * gdb pokes a breakpoint into text; a read needs VM_READ or VM_MAYREAD),
 * then the page faulted in as the task's own access would fault it.
 */
#ifndef MEMU_MMU_ACCESS_REMOTE_H
#define MEMU_MMU_ACCESS_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm.h"

/* Copy len bytes at addr of mm to or from buf: the bytes moved before the
 * first page that cannot be reached (0: not even the first). */
size_t access_remote_vm(struct mm *mm, uint64_t addr, void *buf, size_t len,
			bool write);

#endif
