/* The address-space operations behind mmap(2), munmap(2) and brk(2)
 * (mmap.c), mprotect(2) (mprotect.c), mremap(2) (mremap.c) and
 * madvise(2) (madvise.c), with Linux 6.1's checks in Linux's order and
 * Linux's errnos (docs/memory.md, "System calls").  Each returns a result
 * or a negative errno.
 */
#ifndef MEMU_MMU_MMAP_H
#define MEMU_MMU_MMAP_H

#include <stdint.h>

#include "mm.h"
#include "vma.h"

/* VMAs an address space may hold before mmap fails with ENOMEM (Linux's
 * vm.max_map_count, /proc/sys/vm/max_map_count). */
#define MAX_MAP_COUNT 65530

/* What a file (a device) contributes to mmap; NULL for anonymous. */
struct mmap_file {
	const char *name;
	bool readable, writable; /* opened with FMODE_READ / FMODE_WRITE */
	/* Called once the VMA exists and is in the tree: install PTEs or
	 * vm_ops.  0 or -errno (the mapping is then undone). */
	int (*mmap)(struct vma *vma, void *cookie);
	void *cookie;
};

int64_t do_mmap(struct mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		uint64_t flags, uint64_t off, const struct mmap_file *file);
int do_munmap(struct mm *mm, uint64_t start, uint64_t len);
int do_mprotect(struct mm *mm, uint64_t start, uint64_t len, uint64_t prot);
int64_t do_mremap(struct mm *mm, uint64_t addr, uint64_t old_len,
		  uint64_t new_len, uint64_t flags, uint64_t new_addr);
uint64_t do_brk(struct mm *mm, uint64_t brk);
int do_madvise(struct mm *mm, uint64_t start, uint64_t len, uint64_t advice);
/* mlock(2) family (mlock.c): lock (VM_LOCKED, VM_LOCKONFAULT) or unlock
 * (0) [start, start + len), populating unless lock-on-fault. */
int do_mlock(struct mm *mm, uint64_t start, uint64_t len, uint64_t vm_lock,
	     bool populate);
int do_mlock2(struct mm *mm, uint64_t start, uint64_t len, uint64_t flags);
int do_mlockall(struct mm *mm, uint64_t flags);
int do_munlockall(struct mm *mm);
/* Linux's mm->locked_vm: the pages of the VM_LOCKED VMAs. */
uint64_t mm_locked_vm(struct mm *mm);
/* Linux mlock_future_check: -EAGAIN if vm_flags lock len more bytes
 * than mm->memlock_limit allows (without CAP_IPC_LOCK), else 0. */
int mlock_future_check(struct mm *mm, uint64_t vm_flags, uint64_t len);
/* Linux can_do_mlock: CAP_IPC_LOCK, or a limit that is not 0. */
bool can_do_mlock(const struct mm *mm);
/* Fault in [start, end) as mlock and MAP_POPULATE do (Linux
 * __mm_populate): 0, or -EFAULT / -ENOMEM unless ignore_errors. */
int mm_populate(struct mm *mm, uint64_t start, uint64_t end,
		bool ignore_errors);
/* mincore(2) (mincore.c). */
int do_mincore(struct mm *mm, uint64_t start, uint64_t len, uint64_t vec);

/* Create a private anonymous VMA at a fixed place (the loader's segments,
 * the stack): name is kept, flags are VM_* bits. */
struct vma *mm_map_fixed(struct mm *mm, uint64_t start, uint64_t end,
			 uint64_t vm_flags, const char *name);

#endif
