/* Memory-management syscalls: thin wrappers over mmu/mmap.h (mmap.c,
 * mprotect.c, mremap.c, madvise.c), and set_mempolicy over mmu/numa.h. */
#include <errno.h>
#include <sys/mman.h>

#include "../mmu/mmap.h"
#include "../mmu/numa.h"
#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

/* The mmap_file adapter: the VMA holds the file, then the driver's
 * mmap sets it up. */
static int file_mmap(struct vma *vma, void *cookie)
{
	struct file *f = cookie;
	file_vma_attach(vma, f);
	return f->dev->fops->mmap(f, vma);
}

#define LEGACY_MAP_MASK                                                        \
	(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS |                \
	 MAP_DENYWRITE | MAP_EXECUTABLE | 0x4000000 /* UNINITIALIZED */ |      \
	 MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE |           \
	 MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | (0x3fULL << 26))

/* MAP_HUGETLB's size, log2 in bits 26-31 (0: the default, 2 MiB): the
 * huge page sizes of x86-64 (Linux hstate_sizelog). */
static bool hugetlb_size_ok(uint64_t flags)
{
	unsigned log = (flags >> 26) & 0x3f;
	return !log || log == 21 || log == 30;
}

int64_t sys_mmap(struct memu *m, const uint64_t *a)
{
	uint64_t addr = a[0], len = a[1], prot = a[2], flags = a[3];
	uint64_t off = a[5];
	if (off & 0xfff)
		return -EINVAL;
	/* Anonymous huge pages come from the hugetlb pool, which is empty
	 * (HugePages_Total 0): reserving them is ENOMEM, as on Linux
	 * (ksys_mmap_pgoff, hugetlb_reserve_pages; docs/memory.md). */
	if ((flags & MAP_ANONYMOUS) && (flags & MAP_HUGETLB)) {
		if (!hugetlb_size_ok(flags))
			return -EINVAL;
		if (!(flags & MAP_NORESERVE))
			return len ? -ENOMEM : -EINVAL;
	}
	if (flags & MAP_ANONYMOUS)
		return do_mmap(m->proc->mm, addr, len, prot, flags, off, NULL);
	struct file *f = fd_file(m, a[4]);
	if (!f)
		return -EBADF;
	if (flags & MAP_HUGETLB)
		return -EINVAL; /* no file is on hugetlbfs */
	/* No driver here takes flags beyond the legacy set. */
	if ((flags & 0xf) == MAP_SHARED_VALIDATE &&
	    (flags & ~(uint64_t)LEGACY_MAP_MASK))
		return -EOPNOTSUPP;
	struct mmap_file mf = {
		.name = f->dev->path,
		.readable = f->fmode & FMODE_READ,
		.writable = f->fmode & FMODE_WRITE,
		.mmap = f->dev->fops->mmap ? file_mmap : NULL,
		.cookie = f,
	};
	m->devices.mm = m->proc->mm;
	return do_mmap(m->proc->mm, addr, len, prot, flags, off, &mf);
}

int64_t sys_munmap(struct memu *m, const uint64_t *a)
{
	return do_munmap(m->proc->mm, a[0], a[1]);
}

int64_t sys_mprotect(struct memu *m, const uint64_t *a)
{
	return do_mprotect(m->proc->mm, a[0], a[1], a[2]);
}

int64_t sys_mremap(struct memu *m, const uint64_t *a)
{
	return do_mremap(m->proc->mm, a[0], a[1], a[2], a[3], a[4]);
}

int64_t sys_brk(struct memu *m, const uint64_t *a)
{
	return (int64_t)do_brk(m->proc->mm, a[0]);
}

int64_t sys_madvise(struct memu *m, const uint64_t *a)
{
	/* MADV_HWPOISON, MADV_SOFT_OFFLINE: emu/memory_failure.c */
	if ((int)a[2] == 100 || (int)a[2] == 101)
		return madvise_inject_error(m, a[0], a[1], (int)a[2]);
	return do_madvise(m->proc->mm, a[0], a[1], a[2]);
}

int64_t sys_mincore(struct memu *m, const uint64_t *a)
{
	return do_mincore(m->proc->mm, a[0], a[1], a[2]);
}

int64_t sys_mlock(struct memu *m, const uint64_t *a)
{
	return do_mlock(m->proc->mm, a[0], a[1], VM_LOCKED, true);
}

int64_t sys_mlock2(struct memu *m, const uint64_t *a)
{
	return do_mlock2(m->proc->mm, a[0], a[1], a[2]);
}

int64_t sys_munlock(struct memu *m, const uint64_t *a)
{
	return do_mlock(m->proc->mm, a[0], a[1], 0, false);
}

int64_t sys_mlockall(struct memu *m, const uint64_t *a)
{
	return do_mlockall(m->proc->mm, a[0]);
}

int64_t sys_munlockall(struct memu *m, const uint64_t *a)
{
	(void)a;
	return do_munlockall(m->proc->mm);
}

int64_t sys_msync(struct memu *m, const uint64_t *a)
{
	uint64_t start = a[0], len = a[1], flags = a[2];
	if (flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & 0xfff)
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	len = (len + 0xfff) & ~0xfffULL;
	uint64_t end = start + len;
	if (end < start)
		return -ENOMEM;
	/* Anonymous memory has nothing to write back; holes are ENOMEM. */
	uint64_t at = start;
	while (at < end) {
		struct vma *v = vma_find(&m->proc->mm->vmas, at);
		if (!v || v->start > at)
			return -ENOMEM;
		at = v->end;
	}
	return 0;
}

/* set_mempolicy(mode, nodemask, maxnode): the mode's flag bits
 * (MPOL_F_STATIC_NODES and friends) are accepted and ignored. */
int64_t sys_set_mempolicy(struct memu *m, const uint64_t *a)
{
	int mode = (int)(a[0] & ~(uint64_t)(0x7 << 13));
	uint64_t nodes = 0, maxnode = a[2];
	if (a[1] && maxnode > 1) {
		/* Linux reads maxnode - 1 bits; memu has at most 8 nodes. */
		uint64_t bits = maxnode - 1 < 64 ? maxnode - 1 : 64;
		if (copy_from_user(m->proc->mm, &nodes, a[1], 8))
			return -EFAULT;
		if (bits < 64)
			nodes &= (1ULL << bits) - 1;
	}
	return mm_set_mempolicy(m->proc->mm, mode, nodes);
}
