/* The page-fault handler, named after Linux's mm/memory.c.
 *
 * handle_mm_fault() resolves one fault at a user address: it finds the
 * VMA (growing a stack VMA downwards when the address lies just below
 * it), checks the access against the VMA, and then:
 *   - no entry, private anonymous: a read maps the zero frame read-only
 *     (do_anonymous_page), a write allocates a zeroed frame;
 *   - no entry, shared object: the object's frame (do_shared_fault);
 *   - no entry, driver VMA: the driver's vm_ops->fault;
 *   - a write to a read-only entry: COW, or reuse of an exclusive frame
 *     (do_wp_page).
 */
#ifndef MEMU_MMU_FAULT_H
#define MEMU_MMU_FAULT_H

#include <stdint.h>

#include "mm.h"

enum fault_flags {
	FAULT_FLAG_WRITE = 1 << 0,
	FAULT_FLAG_USER = 1 << 1, /* from guest code, not a kernel copy */
	FAULT_FLAG_INSTR = 1 << 2,
	FAULT_FLAG_PROT = 1 << 3, /* the entry was present, rights refused */
	/* gup's FOLL_FORCE write (mmu/access_remote.c): the caller checked
	 * the VMA (check_vma_flags); a copy made for it stays read-only */
	FAULT_FLAG_FORCE = 1 << 4,
};

/* What the guest gets when a fault cannot be resolved. */
struct fault_outcome {
	int sig;	    /* 0: resolved */
	int si_code;	    /* SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR, ... */
	const char *reason; /* for the kernel-style report line */
	/* sig 0, not resolved: an injected allocation failure, Linux's
	 * VM_FAULT_OOM, which a user fault retries (pagefault_out_of_memory
	 * kills nobody in 6.1) and a kernel access or gup turns into an
	 * error (docs/inject.md, "Primitives"). */
	bool oom_retry;
};

void handle_mm_fault(struct mm *mm, uint64_t addr, unsigned flags,
		     struct fault_outcome *out);

/* Make [start, end) of a VMA present as MAP_POPULATE / MADV_POPULATE do
 * (Linux's gup): write faults when write is set, read faults otherwise.
 * 0 or -errno: -ENOMEM (out of memory), -EFAULT (SIGBUS or SIGSEGV), and
 * for a hwpoisoned page -EHWPOISON when hwpoison_errno (FOLL_HWPOISON:
 * MADV_POPULATE_*), else -EFAULT. */
int populate_range(struct mm *mm, uint64_t start, uint64_t end, bool write,
		   bool hwpoison_errno);

#endif
