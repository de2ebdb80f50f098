/* mlock(2), mlock2, munlock, mlockall, munlockall (Linux mm/mlock.c), and
 * populating a range (Linux __mm_populate, mm/gup.c).  A lock changes
 * what is populated, what MADV_DONTNEED may drop and what reclaim may
 * take.  RLIMIT_MEMLOCK binds a task without CAP_IPC_LOCK (the guest
 * starts as root with it; capset(2) can drop it): mm->memlock_limit
 * (docs/memory.md, "Locked memory and its limit").
 */
#include "mmap.h"

#include <errno.h>

#include "fault.h"
#include "internal.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

/* Linux mlock_fixup: new lock flags on [start, end) of v, splitting and
 * merging VMAs; special mappings are left as they are.  The VMA that now
 * holds end - 1 (Linux's *prev): a merge may have taken it past end. */
static struct vma *mlock_fixup(struct mm *mm, struct vma *v, uint64_t start,
			       uint64_t end, uint64_t newflags)
{
	if (newflags == v->flags || (v->flags & VM_SPECIAL))
		return v;
	if (v->start < start) {
		v = split_vma(mm, v, start);
		if (!v)
			return NULL;
	}
	if (v->end > end && !split_vma(mm, v, end))
		return NULL;
	v->flags = newflags;
	return merge_neighbours(mm, v);
}

/* Linux apply_vma_lock_flags: every VMA of [start, start + len), which
 * must have no hole. */
static int apply_vma_lock_flags(struct mm *mm, uint64_t start, uint64_t len,
				uint64_t flags)
{
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	struct vma *v = vma_find(&mm->vmas, start);
	if (!v || v->start > start)
		return -ENOMEM;
	for (uint64_t at = start;;) {
		uint64_t stop = v->end < end ? v->end : end;
		uint64_t newflags = (v->flags & ~VM_LOCKED_MASK) | flags;
		struct vma *done = mlock_fixup(mm, v, at, stop, newflags);
		if (!done)
			return -ENOMEM;
		/* Go on after the VMA that holds stop - 1, past what a
		 * merge with the next VMA added to it. */
		at = done->end > stop ? done->end : stop;
		if (at >= end)
			return 0;
		v = vma_find(&mm->vmas, done->end);
		if (!v || v->start != at)
			return -ENOMEM;
	}
}

uint64_t mm_locked_vm(struct mm *mm)
{
	uint64_t pages = 0;
	struct vma_tree *t = &mm->vmas;
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v))
		if (v->flags & VM_LOCKED)
			pages += (v->end - v->start) >> PAGE_SHIFT;
	return pages;
}

/* Linux's mm->total_vm: the pages of every VMA. */
static uint64_t mm_total_vm(struct mm *mm)
{
	uint64_t pages = 0;
	struct vma_tree *t = &mm->vmas;
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v))
		pages += (v->end - v->start) >> PAGE_SHIFT;
	return pages;
}

bool can_do_mlock(const struct mm *mm)
{
	return mm->cap_ipc_lock || mm->memlock_limit != 0;
}

int mlock_future_check(struct mm *mm, uint64_t vm_flags, uint64_t len)
{
	if (!(vm_flags & VM_LOCKED) || mm->cap_ipc_lock)
		return 0;
	uint64_t locked = (len >> PAGE_SHIFT) + mm_locked_vm(mm);
	return locked > mm->memlock_limit >> PAGE_SHIFT ? -EAGAIN : 0;
}

/* Linux count_mm_mlocked_page_nr: the locked pages of [start, start +
 * len) that mm->locked_vm already counts, by its arithmetic (a locked
 * VMA that begins before start gives back the part before start). */
static uint64_t count_mm_mlocked_page_nr(struct mm *mm, uint64_t start,
					 uint64_t len)
{
	int64_t count = 0;
	struct vma_tree *t = &mm->vmas;
	for (struct vma *v = vma_find(t, start); v; v = vma_next(t, v)) {
		if (start + len <= v->start)
			break;
		if (!(v->flags & VM_LOCKED))
			continue;
		if (start > v->start)
			count -= (int64_t)(start - v->start);
		if (start + len < v->end) {
			count += (int64_t)(start + len - v->start);
			break;
		}
		count += (int64_t)(v->end - v->start);
	}
	return (uint64_t)count >> PAGE_SHIFT;
}

/* Linux do_mlock's limit check: may [start, start + len) be locked? */
static bool mlock_within_limit(struct mm *mm, uint64_t start, uint64_t len)
{
	if (mm->cap_ipc_lock)
		return true;
	uint64_t lock_limit = mm->memlock_limit >> PAGE_SHIFT;
	uint64_t locked = (len >> PAGE_SHIFT) + mm_locked_vm(mm);
	if (locked > lock_limit)
		locked -= count_mm_mlocked_page_nr(mm, start, len);
	return locked <= lock_limit;
}

int mm_populate(struct mm *mm, uint64_t start, uint64_t end, bool ignore_errors)
{
	for (uint64_t at = start; at < end;) {
		struct vma *v = vma_find(&mm->vmas, at);
		if (!v || v->start >= end)
			break;
		uint64_t lo = v->start > at ? v->start : at;
		uint64_t hi = v->end < end ? v->end : end;
		at = hi;
		if (v->flags & (VM_IO | VM_PFNMAP))
			continue;
		if ((v->flags & VM_LOCKED_MASK) == VM_LOCKED_MASK)
			continue;  /* lock on fault: nothing now */
		int err = -EFAULT; /* gup refuses a PROT_NONE mapping */
		if (v->flags & VM_ACCESS_FLAGS) {
			/* Write faults break COW in private writable
			 * mappings; shared ones are only read. */
			bool write =
				(v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
			err = populate_range(mm, lo, hi, write, false);
		}
		if (err && !ignore_errors)
			return err;
	}
	return 0;
}

int do_mlock(struct mm *mm, uint64_t start, uint64_t len, uint64_t vm_lock,
	     bool populate)
{
	if (vm_lock && !can_do_mlock(mm))
		return -EPERM;
	len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
	start &= PAGE_MASK;
	if (vm_lock && !mlock_within_limit(mm, start, len))
		return -ENOMEM;
	int err = apply_vma_lock_flags(mm, start, len, vm_lock);
	if (err || !populate)
		return err;
	err = mm_populate(mm, start, start + len, false);
	/* __mlock_posix_error_return */
	return err == -EFAULT ? -ENOMEM : err == -ENOMEM ? -EAGAIN : err;
}

int do_mlock2(struct mm *mm, uint64_t start, uint64_t len, uint64_t flags)
{
	if (flags & ~(uint64_t)MLOCK_ONFAULT)
		return -EINVAL;
	bool onfault = flags & MLOCK_ONFAULT;
	return do_mlock(mm, start, len,
			VM_LOCKED | (onfault ? VM_LOCKONFAULT : 0), !onfault);
}

/* Linux apply_mlockall_flags. */
static void apply_mlockall_flags(struct mm *mm, uint64_t flags)
{
	uint64_t to_add = 0;
	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
		if (!(flags & MCL_CURRENT))
			return;
	}
	if (flags & MCL_CURRENT) {
		to_add |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			to_add |= VM_LOCKONFAULT;
	}
	for (struct vma *v = vma_first(&mm->vmas); v;) {
		uint64_t end = v->end;
		struct vma *done =
			mlock_fixup(mm, v, v->start, v->end,
				    (v->flags & ~VM_LOCKED_MASK) | to_add);
		v = vma_find(&mm->vmas, done ? done->end : end);
	}
}

int do_mlockall(struct mm *mm, uint64_t flags)
{
	if (!flags ||
	    (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(mm))
		return -EPERM;
	if ((flags & MCL_CURRENT) && !mm->cap_ipc_lock &&
	    mm_total_vm(mm) > mm->memlock_limit >> PAGE_SHIFT)
		return -ENOMEM;
	apply_mlockall_flags(mm, flags);
	if (flags & MCL_CURRENT)
		mm_populate(mm, 0, TASK_SIZE, true);
	return 0;
}

int do_munlockall(struct mm *mm)
{
	apply_mlockall_flags(mm, 0);
	return 0;
}
