#include "mmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fault.h"
#include "pagetable.h"
#include "rmap.h"
#include "shmem.h"
#include "tlb.h"
#include "wprotect.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#define MAP_TYPE_MASK 0x0f
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#define MAX_MAP_COUNT	      65530
#define MREMAP_DONTUNMAP_FLAG 4

/* ---------------------------------------------------------------- mm */

struct mm *mm_create(struct mmu *mmu)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	mm->mmu = mmu;
	vma_tree_init(&mm->vmas);
	mm->mmap_base = MMAP_BASE;
	mm->stack_rlimit = STACK_RLIMIT;
	mm->flush_page = NO_PAGE;
	if (pt_create(mm)) {
		free(mm);
		return NULL;
	}
	return mm;
}

static void vma_free(struct mm *mm, struct vma *v);
static void zap_range(struct mm *mm, uint64_t start, uint64_t end);

void mm_destroy(struct mm *mm)
{
	if (!mm)
		return;
	struct vma *v;
	while ((v = vma_first(&mm->vmas))) {
		zap_range(mm, v->start, v->end);
		vma_tree_remove(&mm->vmas, v);
		vma_free(mm, v);
	}
	pt_free_tables(mm);
	free(mm);
}

void mm_flush_tlb(struct mm *mm)
{
	if (!mm->flush_pending && mm->flush_page == NO_PAGE)
		return;
	mm->flush_pending = false;
	mm->flush_page = NO_PAGE;
	tlb_flush(mm->mmu, 0);
}

void mm_flush_tlb_filling(struct mm *mm, uint64_t va)
{
	if (!mm->flush_pending && mm->flush_page == va)
		mm->flush_page = NO_PAGE;
	mm_flush_tlb(mm);
}

bool mm_range_usable(uint64_t start, uint64_t end)
{
	return start < end && end <= TASK_SIZE;
}

/* ---------------------------------------------------------------- VMAs */

static struct vma *vma_new(struct mm *mm, uint64_t start, uint64_t end,
			   uint64_t flags, uint64_t pgoff)
{
	struct vma *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->mm = mm;
	v->start = start;
	v->end = end;
	v->flags = flags;
	v->pgoff = pgoff;
	return v;
}

static void vma_free(struct mm *mm, struct vma *v)
{
	if (v->ops && v->ops->close)
		v->ops->close(v);
	if (v->vm_file)
		v->vm_file_ops->put(v->vm_file);
	anon_vma_unlink(v);
	shmem_unlink(mm->mmu, v);
	free(v);
}

/* A copy of v's backing for [start, end): same anon_vma, object, ops. */
static struct vma *vma_copy(struct mm *mm, struct vma *v, uint64_t start,
			    uint64_t end, uint64_t pgoff)
{
	struct vma *n = vma_new(mm, start, end, v->flags, pgoff);
	if (!n)
		return NULL;
	n->ops = v->ops;
	n->vm_file = v->vm_file;
	n->vm_file_ops = v->vm_file_ops;
	if (n->vm_file)
		n->vm_file_ops->get(n->vm_file);
	n->private_data = v->private_data;
	n->name = v->name;
	if (n->ops && n->ops->open)
		n->ops->open(n);
	anon_vma_link(n, v->anon_vma);
	if (v->shm)
		shmem_link(n, v->shm);
	return n;
}

/* Split v at addr: v keeps [start, addr), the new VMA gets [addr, end). */
static struct vma *split_vma(struct mm *mm, struct vma *v, uint64_t addr)
{
	struct vma *n = vma_copy(mm, v, addr, v->end,
				 v->pgoff + ((addr - v->start) >> PAGE_SHIFT));
	if (!n)
		return NULL;
	vma_tree_remove(&mm->vmas, v);
	v->end = addr;
	vma_tree_insert(&mm->vmas, v);
	vma_tree_insert(&mm->vmas, n);
	return n;
}

static uint64_t vma_pages(const struct vma *v)
{
	return (v->end - v->start) >> PAGE_SHIFT;
}

/* Linux is_mergeable_vma + is_mergeable_anon_vma, for a directly below b. */
static bool can_merge(const struct vma *a, const struct vma *b)
{
	return a->end == b->start &&
	       ((a->flags ^ b->flags) & ~VM_SOFTDIRTY) == 0 &&
	       !(a->flags & VM_SPECIAL) && !a->ops && !b->ops &&
	       a->shm == b->shm && a->vm_file == b->vm_file &&
	       a->name == b->name &&
	       (!a->anon_vma || !b->anon_vma || a->anon_vma == b->anon_vma) &&
	       a->pgoff + vma_pages(a) == b->pgoff;
}

/* Fold b (directly above a) into a. */
static void merge_into(struct mm *mm, struct vma *a, struct vma *b)
{
	vma_tree_remove(&mm->vmas, b);
	vma_tree_remove(&mm->vmas, a);
	a->end = b->end;
	a->flags |= b->flags & VM_SOFTDIRTY;
	if (!a->anon_vma && b->anon_vma)
		anon_vma_link(a, b->anon_vma);
	vma_tree_insert(&mm->vmas, a);
	vma_free(mm, b);
}

static struct vma *merge_neighbours(struct mm *mm, struct vma *v)
{
	struct vma *next = vma_next(&mm->vmas, v);
	if (next && can_merge(v, next))
		merge_into(mm, v, next);
	struct vma *prev = vma_prev(&mm->vmas, v);
	if (prev && can_merge(prev, v)) {
		merge_into(mm, prev, v);
		v = prev;
	}
	return v;
}

/* ---------------------------------------------------------------- zap */

static void zap_pte(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)arg;
	struct pt_entry e;
	pte_decode(pte, &e);
	pt_clear(mm, va);
	if (e.special)
		return;
	uint64_t pfn = e.pfn;
	struct frame *f = mmu_frame(mm->mmu, pfn);
	if (!f)
		return;
	if (f->kind == FRAME_ANON)
		mm->rss_anon--;
	else if (f->kind == FRAME_SHARED)
		mm->rss_shmem--;
	else if (f->kind == FRAME_FILE)
		mm->rss_file--;
	rmap_remove(mm->mmu, pfn);
}

/* Remove every mapping in [start, end) (Linux zap_page_range). */
static void zap_range(struct mm *mm, uint64_t start, uint64_t end)
{
	pt_for_each(mm, start, end, zap_pte, NULL);
}

/* Unmap [start, end): split the edge VMAs and drop what lies inside. */
static int unmap_region(struct mm *mm, uint64_t start, uint64_t end)
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

static uint64_t vm_start_gap(const struct vma *v)
{
	uint64_t gap = (v->flags & VM_GROWSDOWN) ? STACK_GUARD_GAP : 0;
	return v->start > gap ? v->start - gap : 0;
}

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

static int64_t get_unmapped_area(struct mm *mm, uint64_t addr, uint64_t len,
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

static uint64_t prot_to_vm(uint64_t prot)
{
	return ((prot & PROT_READ) ? VM_READ : 0) |
	       ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

static int insert_vma(struct mm *mm, struct vma *v, struct vma **out)
{
	vma_tree_insert(&mm->vmas, v);
	*out = v;
	return 0;
}

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
	struct vma *out;
	if (insert_vma(mm, v, &out)) {
		free(v);
		return NULL;
	}
	return out;
}

static void mmap_populate(struct mm *mm, struct vma *v, uint64_t start,
			  uint64_t end)
{
	if (!(v->flags & VM_ACCESS_FLAGS) || (v->flags & (VM_IO | VM_PFNMAP)))
		return;
	bool write = !(v->flags & VM_SHARED) && (v->flags & VM_WRITE);
	populate_range(mm, start, end, write); /* errors are ignored */
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
	int err = insert_vma(mm, v, &v);
	if (err) {
		vma_free(mm, v);
		return err;
	}
	if (file) {
		err = file->mmap(v, file->cookie);
		if (err) {
			unmap_region(mm, addr, addr + len);
			return err;
		}
	}
	if (!file)
		v = merge_neighbours(mm, v);
	if ((flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE)
		mmap_populate(mm, v, addr, addr + len);
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
	return map_new_vma(mm, addr, len, mmap_vm_flags(prot, flags, file),
			   pgoff, flags, file);
}

/* ---------------------------------------------------------------- mprotect */

struct protect_ctx {
	struct vma *vma;
};

static void protect_pte(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	struct vma *v = ((struct protect_ctx *)arg)->vma;
	if (!(v->flags & VM_ACCESS_FLAGS)) {
		pt_set_protnone(mm, va, true, false);
		return;
	}
	struct pt_entry e;
	pte_decode(pte, &e);
	/* Writable only where a write would not need a fault anyway:
	 * shared memory, or a frame exclusively ours (anon, mapcount 1). */
	bool writable = false;
	if (v->flags & VM_WRITE) {
		struct frame *f = e.special ? NULL : mmu_frame(mm->mmu, e.pfn);
		writable = (v->flags & VM_SHARED) ||
			   (f && f->kind == FRAME_ANON && f->mapcount == 1);
		if (e.pfn == mm->mmu->zero_pfn)
			writable = false;
	}
	if (writable && frame_write_protected(mm->mmu, e.pfn))
		writable = false;
	if (e.protnone)
		pt_set_protnone(mm, va, false, writable);
	else
		pt_set_writable(mm, va, writable);
	pt_set_exec(mm, va, v->flags & VM_EXEC);
}

static int mprotect_fixup(struct mm *mm, struct vma *v, uint64_t start,
			  uint64_t end, uint64_t newflags, struct vma **out)
{
	if (v->start < start) {
		v = split_vma(mm, v, start);
		if (!v)
			return -ENOMEM;
	}
	if (v->end > end && !split_vma(mm, v, end))
		return -ENOMEM;
	v->flags = newflags;
	struct protect_ctx ctx = {v};
	pt_for_each(mm, v->start, v->end, protect_pte, &ctx);
	*out = merge_neighbours(mm, v);
	return 0;
}

int do_mprotect(struct mm *mm, uint64_t start, uint64_t len, uint64_t prot)
{
	const uint64_t grows = PROT_GROWSDOWN | PROT_GROWSUP;
	if ((prot & grows) == grows)
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	uint64_t end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | grows))
		return -EINVAL;
	struct vma *v = vma_find(&mm->vmas, start);
	if (!v)
		return -ENOMEM;
	if (prot & PROT_GROWSDOWN) {
		if (v->start >= end)
			return -ENOMEM;
		if (!(v->flags & VM_GROWSDOWN))
			return -EINVAL;
		start = v->start;
	} else if (v->start > start) {
		return -ENOMEM;
	} else if (prot & PROT_GROWSUP) {
		return -EINVAL; /* no VM_GROWSUP on x86 */
	}
	uint64_t want = prot_to_vm(prot);
	uint64_t at = start;
	while (v && v->start < end && at < end) {
		if (v->start > at)
			return -ENOMEM; /* a hole; earlier VMAs stay changed */
		if ((want & VM_WRITE) && !(v->flags & VM_MAYWRITE))
			return -EACCES;
		if ((want & VM_EXEC) && !(v->flags & VM_MAYEXEC))
			return -EACCES;
		uint64_t newflags = (v->flags & ~VM_ACCESS_FLAGS) | want;
		uint64_t stop = v->end < end ? v->end : end;
		int err = mprotect_fixup(mm, v, at, stop, newflags, &v);
		if (err)
			return err;
		at = stop;
		v = vma_find(&mm->vmas, at);
	}
	return at < end ? -ENOMEM : 0;
}

/* ---------------------------------------------------------------- mremap */

static int move_ptes(struct mm *mm, uint64_t from, uint64_t len, uint64_t to);

struct collect_ctx {
	uint64_t *vas;
	size_t n, cap;
};

static void collect_va(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)mm;
	(void)pte;
	struct collect_ctx *c = arg;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		uint64_t *p = realloc(c->vas, cap * sizeof(*p));
		if (!p)
			return;
		c->vas = p;
		c->cap = cap;
	}
	c->vas[c->n++] = va;
}

static int move_ptes(struct mm *mm, uint64_t from, uint64_t len, uint64_t to)
{
	struct collect_ctx c = {0};
	pt_for_each(mm, from, from + len, collect_va, &c);
	int err = 0;
	for (size_t i = 0; i < c.n && !err; i++)
		err = pt_move(mm, c.vas[i], to + (c.vas[i] - from));
	free(c.vas);
	return err;
}

static int64_t move_vma(struct mm *mm, struct vma *v, uint64_t old_addr,
			uint64_t old_len, uint64_t new_len, uint64_t new_addr,
			bool dontunmap)
{
	uint64_t pgoff = v->pgoff + ((old_addr - v->start) >> PAGE_SHIFT);
	struct vma *n = vma_copy(mm, v, new_addr, new_addr + new_len, pgoff);
	if (!n)
		return -ENOMEM;
	n->flags |= VM_SOFTDIRTY;
	int err = insert_vma(mm, n, &n);
	if (err) {
		vma_free(mm, n);
		return err;
	}
	uint64_t moved = old_len < new_len ? old_len : new_len;
	if (old_len) {
		err = move_ptes(mm, old_addr, moved, new_addr);
		if (err)
			return err;
	}
	if (old_len && !dontunmap) {
		err = unmap_region(mm, old_addr, old_addr + old_len);
		if (err)
			return err;
	}
	n = vma_find(&mm->vmas, new_addr);
	if (n && !n->ops)
		merge_neighbours(mm, n);
	return (int64_t)new_addr;
}

/* Linux vma_to_resize: the VMA for [addr, addr + old_len). */
static int64_t vma_to_resize(struct mm *mm, uint64_t addr, uint64_t old_len,
			     uint64_t new_len, struct vma **out)
{
	struct vma *v = vma_lookup(&mm->vmas, addr);
	if (!v)
		return -EFAULT;
	if (old_len > v->end - addr)
		return -EFAULT;
	if (!old_len && !(v->flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if (new_len > old_len && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EFAULT;
	*out = v;
	return 0;
}

static int64_t mremap_to(struct mm *mm, uint64_t addr, uint64_t old_len,
			 uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	bool fixed = flags & MREMAP_FIXED;
	bool dontunmap = flags & MREMAP_DONTUNMAP_FLAG;
	if (fixed) {
		if (new_addr & ~PAGE_MASK)
			return -EINVAL;
		if (new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len)
			return -EINVAL;
		if (addr + old_len > new_addr && new_addr + new_len > addr)
			return -EINVAL;
		if (!mm_range_usable(new_addr, new_addr + new_len))
			return -ENOMEM;
		int err = unmap_region(mm, new_addr, new_addr + new_len);
		if (err)
			return err;
	}
	if (old_len > new_len) {
		int err = do_munmap(mm, addr + new_len, old_len - new_len);
		if (err)
			return err;
		old_len = new_len;
	}
	struct vma *v;
	int64_t err = vma_to_resize(mm, addr, old_len, new_len, &v);
	if (err)
		return err;
	if (dontunmap && (v->flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EINVAL;
	if (!fixed) {
		int64_t at = get_unmapped_area(mm, new_addr, new_len, false);
		if (at < 0)
			return at;
		new_addr = (uint64_t)at;
	}
	return move_vma(mm, v, addr, old_len, new_len, new_addr, dontunmap);
}

static bool vma_expandable(struct mm *mm, struct vma *v, uint64_t delta)
{
	uint64_t end = v->end + delta;
	if (end < v->end || end > TASK_SIZE || !mm_range_usable(v->start, end))
		return false;
	struct vma *next = vma_next(&mm->vmas, v);
	return !next || vm_start_gap(next) >= end;
}

int64_t do_mremap(struct mm *mm, uint64_t addr, uint64_t old_len,
		  uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP_FLAG))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP_FLAG) &&
	    (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!new_len)
		return -EINVAL;
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP_FLAG))
		return mremap_to(mm, addr, old_len, new_len, flags, new_addr);
	if (old_len >= new_len) {
		int err = do_munmap(mm, addr + new_len, old_len - new_len);
		if (err < 0 && old_len != new_len)
			return err;
		return (int64_t)addr;
	}
	struct vma *v;
	int64_t err = vma_to_resize(mm, addr, old_len, new_len, &v);
	if (err)
		return err;
	uint64_t delta = new_len - old_len;
	if (old_len == v->end - addr && vma_expandable(mm, v, delta)) {
		uint64_t end = v->end + delta;
		vma_tree_remove(&mm->vmas, v);
		v->end = end;
		vma_tree_insert(&mm->vmas, v);
		merge_neighbours(mm, v);
		return (int64_t)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	int64_t at = get_unmapped_area(mm, 0, new_len, false);
	if (at < 0)
		return at;
	return move_vma(mm, v, addr, old_len, new_len, (uint64_t)at, false);
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
	struct vma *v = vma_new(mm, old_end, new_end,
				VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE |
					VM_MAYEXEC | VM_ACCOUNT | VM_SOFTDIRTY,
				old_end >> PAGE_SHIFT);
	if (!v)
		return mm->brk;
	v->name = "[heap]";
	if (insert_vma(mm, v, &v)) {
		free(v);
		return mm->brk;
	}
	merge_neighbours(mm, v);
	mm->brk = brk;
	return brk;
}

/* ---------------------------------------------------------------- madvise */

static bool madvise_known(uint64_t advice)
{
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_FREE:
	case MADV_REMOVE:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case 22:
	case 23:
	case 24:
		return true;
	default: /* MERGEABLE/UNMERGEABLE: no KSM; HWPOISON: no */
		return false;
	}
}

static void shmem_drop_range(struct mm *mm, struct vma *v, uint64_t start,
			     uint64_t end)
{
	uint64_t first = v->pgoff + ((start - v->start) >> PAGE_SHIFT);
	uint64_t n = (end - start) >> PAGE_SHIFT;
	/* Only frames no other mapping still uses. */
	for (uint64_t i = first; i < first + n && i < v->shm->pages; i++) {
		uint64_t pfn = v->shm->pfns[i];
		struct frame *f =
			pfn == PFN_NONE ? NULL : mmu_frame(mm->mmu, pfn);
		if (f && f->mapcount == 0) {
			mmu_free_frame(mm->mmu, pfn);
			v->shm->pfns[i] = PFN_NONE;
		}
	}
}

static int madvise_vma(struct mm *mm, struct vma *v, uint64_t start,
		       uint64_t end, uint64_t advice)
{
	switch (advice) {
	case MADV_DONTNEED:
	case 24: /* MADV_DONTNEED_LOCKED */
		if ((v->flags & VM_PFNMAP) ||
		    (advice == MADV_DONTNEED && (v->flags & VM_LOCKED)))
			return -EINVAL;
		zap_range(mm, start, end);
		return 0;
	case MADV_FREE:
		return (v->flags & VM_SHARED) || v->ops ? -EINVAL : 0;
	case MADV_REMOVE:
		if (!v->shm)
			return -EINVAL;
		if (!(v->flags & VM_SHARED) || !(v->flags & VM_WRITE))
			return -EACCES;
		zap_range(mm, start, end);
		shmem_drop_range(mm, v, start, end);
		return 0;
	case 22: /* MADV_POPULATE_READ */
	case 23: /* MADV_POPULATE_WRITE */
		if ((v->flags & (VM_IO | VM_PFNMAP)) ||
		    (advice == 22 && !(v->flags & VM_READ)) ||
		    (advice == 23 && !(v->flags & VM_WRITE)))
			return -EINVAL;
		return populate_range(mm, start, end, advice == 23);
	case MADV_DOFORK:
		return (v->flags & VM_IO) ? -EINVAL : 0;
	case MADV_WIPEONFORK:
		return (v->flags & VM_SHARED) || v->ops ? -EINVAL : 0;
	case MADV_DODUMP:
		return (v->flags & VM_SPECIAL) ? -EINVAL : 0;
	default:
		return 0;
	}
}

int do_madvise(struct mm *mm, uint64_t start, uint64_t len_in, uint64_t advice)
{
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!madvise_known(advice))
		return -EINVAL;
	uint64_t len = PAGE_ALIGN(len_in);
	if (len_in && !len)
		return -EINVAL;
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	int unmapped = 0;
	uint64_t at = start;
	struct vma *v = vma_find(&mm->vmas, start);
	if (!v)
		return -ENOMEM;
	while (v && v->start < end && at < end) {
		if (v->start > at)
			unmapped = -ENOMEM;
		uint64_t lo = v->start > at ? v->start : at;
		uint64_t hi = v->end < end ? v->end : end;
		int err = madvise_vma(mm, v, lo, hi, advice);
		if (err)
			return err;
		at = hi;
		v = vma_find(&mm->vmas, at);
	}
	return at < end ? -ENOMEM : unmapped;
}
