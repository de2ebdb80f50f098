/* mmap(2), munmap(2) and brk(2), like Linux's mm/mmap.c: unmapping a
 * range, choosing where a new mapping goes, and creating its VMA.
 */
#include "mmap.h"

#include <errno.h>
#include <stdlib.h>

#include "fault.h"
#include "internal.h"
#include "shmem.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#define MAP_TYPE_MASK 0x0f

/* ---------------------------------------------------------------- munmap */

/* Unmap [start, end): split the edge VMAs and drop what lies inside. */
int unmap_region(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find(&mm->vmas, start);
	if (!v || v->start >= end)
		return 0;
	if (v->start < start && !split_vma(mm, v, start))
		return -ENOMEM;
	struct vma *last = vma_find(&mm->vmas, end - 1);
	if (last && last->start < end && last->end > end &&
	    !split_vma(mm, last, end))
		return -ENOMEM;
	v = vma_find(&mm->vmas, start);
	while (v && v->start < end) {
		struct vma *next = vma_next(&mm->vmas, v);
		zap_range(mm, v->start, v->end);
		vma_tree_remove(&mm->vmas, v);
		vma_free(mm, v);
		v = next;
	}
	return 0;
}

int do_munmap(struct mm *mm, uint64_t start, uint64_t len)
{
	if ((start & ~PAGE_MASK) || start > TASK_SIZE ||
	    len > TASK_SIZE - start)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (!len)
		return -EINVAL;
	return unmap_region(mm, start, start + len);
}

/* ---------------------------------------------------------------- placement */

static struct vma *last_vma(struct mm *mm)
{
	return vma_last(&mm->vmas);
}

static bool hint_fits(struct mm *mm, uint64_t addr, uint64_t len)
{
	if (addr > TASK_SIZE - len || !mm_range_usable(addr, addr + len))
		return false;
	struct vma *next = vma_find(&mm->vmas, addr);
	struct vma *prev = next ? vma_prev(&mm->vmas, next) : last_vma(mm);
	if (next && addr + len > vm_start_gap(next))
		return false;
	return !prev || prev->end <= addr;
}

/* Linux's top-down search below mmap_base: the highest hole that fits. */
static int64_t top_down(struct mm *mm, uint64_t len)
{
	uint64_t top = mm->mmap_base;
	struct vma *v = last_vma(mm);
	for (;;) {
		while (v && vm_start_gap(v) >= top && v->start >= top)
			v = vma_prev(&mm->vmas, v);
		if (v && v->end > top) { /* straddles top */
			top = vm_start_gap(v);
			v = vma_prev(&mm->vmas, v);
			continue;
		}
		uint64_t lo = v ? v->end : MMAP_MIN_ADDR;
		if (lo < MMAP_MIN_ADDR)
			lo = MMAP_MIN_ADDR;
		if (top > lo && top - lo >= len)
			return (int64_t)(top - len);
		if (!v)
			return -ENOMEM;
		top = vm_start_gap(v);
		v = vma_prev(&mm->vmas, v);
	}
}

int64_t get_unmapped_area(struct mm *mm, uint64_t addr, uint64_t len,
			  bool fixed)
{
	if (len > TASK_SIZE)
		return -ENOMEM;
	if (fixed) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (addr > TASK_SIZE - len)
			return -ENOMEM;
		return (int64_t)addr;
	}
	if (addr && hint_fits(mm, addr, len))
		return (int64_t)addr;
	return top_down(mm, len);
}

/* ---------------------------------------------------------------- mmap */

struct vma *mm_map_fixed(struct mm *mm, uint64_t start, uint64_t end,
			 uint64_t vm_flags, const char *name)
{
	struct vma *v = vma_new(mm, start, end,
				vm_flags | VM_MAYREAD | VM_MAYWRITE |
					VM_MAYEXEC | VM_SOFTDIRTY,
				start >> PAGE_SHIFT);
	if (!v)
		return NULL;
	v->name = name;
	vma_tree_insert(&mm->vmas, v);
	return v;
}

static int check_mmap_type(uint64_t flags, const struct mmap_file *file)
{
	uint64_t type = flags & MAP_TYPE_MASK;
	if (file)
		return type == MAP_SHARED || type == MAP_PRIVATE ||
				       type == MAP_SHARED_VALIDATE
			       ? 0
			       : -EINVAL;
	if (type == MAP_SHARED)
		return (flags & MAP_GROWSDOWN) ? -EINVAL : 0;
	return type == MAP_PRIVATE ? 0 : -EINVAL;
}

static uint64_t mmap_vm_flags(uint64_t prot, uint64_t flags,
			      const struct mmap_file *file)
{
	uint64_t vmf = prot_to_vm(prot) | VM_MAYREAD | VM_MAYWRITE |
		       VM_MAYEXEC | VM_SOFTDIRTY;
	bool shared = (flags & MAP_TYPE_MASK) != MAP_PRIVATE;
	if (shared) {
		vmf |= VM_SHARED | VM_MAYSHARE;
		if (file && !file->writable)
			vmf &= ~(VM_MAYWRITE | VM_SHARED);
	}
	if (flags & MAP_GROWSDOWN)
		vmf |= VM_GROWSDOWN;
	if (flags & MAP_LOCKED)
		vmf |= VM_LOCKED;
	if (flags & MAP_NORESERVE)
		vmf |= VM_NORESERVE;
	else if (!shared && (vmf & VM_WRITE))
		vmf |= VM_ACCOUNT;
	return vmf;
}

static int check_file_access(uint64_t prot, uint64_t flags,
			     const struct mmap_file *file)
{
	if (!file)
		return 0;
	if ((flags & MAP_TYPE_MASK) != MAP_PRIVATE && (prot & PROT_WRITE) &&
	    !file->writable)
		return -EACCES;
	if (!file->readable)
		return -EACCES;
	if (flags & MAP_GROWSDOWN)
		return -EINVAL;
	if (!file->mmap)
		return -ENODEV;
	return 0;
}

static int64_t map_new_vma(struct mm *mm, uint64_t addr, uint64_t len,
			   uint64_t vmf, uint64_t pgoff, uint64_t flags,
			   const struct mmap_file *file)
{
	bool shared = vmf & VM_MAYSHARE;
	struct vma *v = vma_new(mm, addr, addr + len, vmf,
				(file || shared) ? pgoff : addr >> PAGE_SHIFT);
	if (!v)
		return -ENOMEM;
	if (shared && !file) {
		if (shmem_zero_setup(v)) {
			free(v);
			return -ENOMEM;
		}
	} else if (file) {
		v->name = file->name;
	}
	vma_tree_insert(&mm->vmas, v);
	if (file) {
		int err = file->mmap(v, file->cookie);
		if (err) {
			unmap_region(mm, addr, addr + len);
			return err;
		}
	}
	if (!file)
		v = merge_neighbours(mm, v);
	/* MAP_POPULATE, or a locked mapping (MAP_LOCKED, mlockall
	 * MCL_FUTURE) that is not lock-on-fault (Linux vm_mmap_pgoff). */
	if ((flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE ||
	    (vmf & VM_LOCKED_MASK) == VM_LOCKED)
		mm_populate(mm, addr, addr + len, true);
	return (int64_t)addr;
}

int64_t do_mmap(struct mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		uint64_t flags, uint64_t off, const struct mmap_file *file)
{
	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (!(flags & MAP_FIXED)) {
		addr &= PAGE_MASK;
		if (addr && addr < MMAP_MIN_ADDR)
			addr = MMAP_MIN_ADDR;
	}
	len = PAGE_ALIGN(len);
	if (!len)
		return -ENOMEM;
	uint64_t pgoff = off >> PAGE_SHIFT;
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	if (mm->vmas.count > MAX_MAP_COUNT)
		return -ENOMEM;
	int64_t at = get_unmapped_area(mm, addr, len, flags & MAP_FIXED);
	if (at < 0)
		return at;
	addr = (uint64_t)at;
	if ((flags & MAP_FIXED_NOREPLACE) &&
	    !vma_range_free(&mm->vmas, addr, addr + len))
		return -EEXIST;
	/* MAP_LOCKED, or mlockall(MCL_FUTURE): RLIMIT_MEMLOCK (mlock.c) */
	if ((flags & MAP_LOCKED) && !can_do_mlock(mm))
		return -EPERM;
	if (mlock_future_check(
		    mm, mmap_vm_flags(prot, flags, file) | mm->def_flags, len))
		return -EAGAIN;
	int err = check_file_access(prot, flags, file);
	if (!err)
		err = check_mmap_type(flags, file);
	if (err)
		return err;
	/* Anything already mapped there goes first (a failed MAP_FIXED can
	 * leave a hole, as in Linux). */
	err = unmap_region(mm, addr, addr + len);
	if (err)
		return err;
	return map_new_vma(mm, addr, len,
			   mmap_vm_flags(prot, flags, file) | mm->def_flags,
			   pgoff, flags, file);
}

/* ---------------------------------------------------------------- brk */

uint64_t do_brk(struct mm *mm, uint64_t brk)
{
	if (brk < mm->start_brk)
		return mm->brk;
	uint64_t old_end = PAGE_ALIGN(mm->brk), new_end = PAGE_ALIGN(brk);
	if (new_end == old_end) {
		mm->brk = brk;
		return brk;
	}
	if (brk < mm->brk) {
		if (unmap_region(mm, new_end, old_end))
			return mm->brk;
		mm->brk = brk;
		return brk;
	}
	struct vma *next = vma_find(&mm->vmas, old_end);
	if ((next && new_end + PAGE_SIZE > vm_start_gap(next)) ||
	    !mm_range_usable(old_end, new_end))
		return mm->brk;
	/* after mlockall(MCL_FUTURE) the heap is locked too, within
	 * RLIMIT_MEMLOCK (Linux check_brk_limits, do_brk_flags) */
	if (mlock_future_check(mm, mm->def_flags, new_end - old_end))
		return mm->brk;
	struct vma *v = vma_new(mm, old_end, new_end,
				VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE |
					VM_MAYEXEC | VM_ACCOUNT | VM_SOFTDIRTY |
					mm->def_flags,
				old_end >> PAGE_SHIFT);
	if (!v)
		return mm->brk;
	v->name = "[heap]";
	vma_tree_insert(&mm->vmas, v);
	merge_neighbours(mm, v);
	mm->brk = brk;
	if (mm->def_flags & VM_LOCKED)
		mm_populate(mm, old_end, new_end, true);
	return brk;
}
