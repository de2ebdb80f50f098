#include "fault.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "numa.h"
#include "pagetable.h"
#include "pgprot.h"
#include "rmap.h"
#include "shmem.h"
#include "vmscan.h"
#include "wprotect.h"

static void fail(struct fault_outcome *out, int sig, int code,
		 const char *reason)
{
	out->sig = sig;
	out->si_code = code;
	out->reason = reason;
}

static unsigned colour_of(uint64_t addr)
{
	return (unsigned)((addr >> PAGE_SHIFT) % FRAME_BLOCK);
}

static uint64_t alloc_anon_frame(struct mm *mm, uint64_t addr)
{
	return alloc_user_frame(mm, FRAME_ANON, pt_neighbour_pfn(mm, addr),
				colour_of(addr));
}

/* Grow a VM_GROWSDOWN VMA down to addr (Linux expand_downwards). */
static int expand_downwards(struct mm *mm, struct vma *v, uint64_t addr)
{
	uint64_t new_start = addr & PAGE_MASK;
	if (new_start < MMAP_MIN_ADDR)
		return -EPERM;
	if (v->end - new_start > mm->stack_rlimit)
		return -ENOMEM;
	struct vma *prev = vma_prev(&mm->vmas, v);
	if (prev && !(prev->flags & VM_GROWSDOWN) &&
	    (prev->flags & VM_ACCESS_FLAGS) &&
	    prev->end + STACK_GUARD_GAP > new_start)
		return -ENOMEM;
	if (prev && prev->end > new_start)
		return -ENOMEM;
	if (!anon_vma_prepare(v))
		return -ENOMEM;
	/* The order of VMAs is unchanged, so the key moves in place. */
	v->pgoff -= (v->start - new_start) >> PAGE_SHIFT;
	v->start = new_start;
	event_fault(&mm->mmu->events, addr, FAULT_STACK_GROW, 0);
	return 0;
}

/* Linux's x86 access_error(). */
static bool access_error(struct vma *v, unsigned flags)
{
	if (flags & FAULT_FLAG_WRITE)
		return !(v->flags & VM_WRITE);
	/* A read or fetch the present entry refused: NX, or a kernel page. */
	if (flags & FAULT_FLAG_PROT)
		return true;
	/* Not present: any of read, write or exec will do. */
	return !(v->flags & VM_ACCESS_FLAGS);
}

static const char *access_reason(struct vma *v, unsigned flags)
{
	if (!(v->flags & VM_ACCESS_FLAGS))
		return "protection: PROT_NONE";
	if (flags & FAULT_FLAG_WRITE)
		return "write to a read-only mapping";
	if (flags & FAULT_FLAG_INSTR)
		return "execute of a non-executable mapping";
	return "protection";
}

static void oom(struct fault_outcome *out)
{
	fail(out, SIGKILL, 0, "out of memory");
}

/* alloc_user_frame found no frame.  RAM ran out: the OOM killer kills
 * the guest, the only process.  The injection failed it (fail_alloc.h):
 * Linux's allocator returned NULL before its slow path, the fault
 * returns VM_FAULT_OOM and pagefault_out_of_memory only retries it. */
static void no_frame(struct mm *mm, struct fault_outcome *out)
{
	if (!mm->mmu->fail_alloc.injected) {
		/* Reclaim found nothing more to take (vmscan.c). */
		oom_kill_process(mm);
		return fail(out, SIGKILL, 0, mm->mmu->oom_reason);
	}
	out->oom_retry = true;
	out->reason = "page allocation failed (injected)";
}

static bool frame_poisoned(struct mmu *m, uint64_t pfn)
{
	struct frame *f = mmu_frame(m, pfn);
	return f && f->hwpoison;
}

static void hwpoison(struct fault_outcome *out)
{
	/* do_swap_page on a hwpoison entry, or __do_fault on a poisoned
	 * page: VM_FAULT_HWPOISON, SIGBUS BUS_MCEERR_AR (si_addr_lsb 12). */
	fail(out, SIGBUS, BUS_MCEERR_AR, "hardware memory corruption");
}

static void do_anonymous_page(struct mm *mm, struct vma *v, uint64_t addr,
			      unsigned flags, struct fault_outcome *out)
{
	struct mmu *m = mm->mmu;
	uint64_t page = addr & PAGE_MASK;
	if (!(flags & FAULT_FLAG_WRITE)) {
		/* Read of untouched memory: the one zero frame, read-only,
		 * no anon_vma and no RSS (Linux do_anonymous_page). */
		if (pt_enter(mm, page, m->zero_pfn,
			     vm_page_prot(mm, v, m->zero_pfn, false,
					  PTF_SPECIAL)))
			return oom(out);
		event_fault(&m->events, addr, FAULT_ZERO, flags);
		return;
	}
	if (!anon_vma_prepare(v))
		return oom(out);
	uint64_t pfn = alloc_anon_frame(mm, page);
	if (pfn == PFN_NONE)
		return no_frame(mm, out);
	if (pt_enter(mm, page, pfn, vm_page_prot(mm, v, pfn, true, 0))) {
		mmu_free_frame(m, pfn);
		return oom(out);
	}
	rmap_add_anon(m, pfn, v, page);
	mm->rss_anon++;
	/* Writing pages in order: the next ones will want the next frames,
	 * so have the host back them now, in one call (the way Linux reads
	 * a file ahead).  Random or sparse writes never ask. */
	if (page == mm->last_anon_fault + PAGE_SIZE)
		frame_prefault_block(&m->ram, pfn);
	mm->last_anon_fault = page;
	event_fault(&m->events, addr, FAULT_ANON, flags);
}

static void copy_frame(struct mmu *m, uint64_t dst, uint64_t src);

/* A copy of a file's page is a file COW; of anything else, a COW. */
static enum fault_kind cow_kind(struct mmu *m, uint64_t src)
{
	struct frame *f = mmu_frame(m, src);
	return f && f->kind == FRAME_PAGECACHE ? FAULT_FILE_COW : FAULT_COW;
}

/* A write fault on a private mapping of an object's page: the page is
 * copied into anonymous memory at once (Linux do_cow_fault). */
static void do_cow_fault(struct mm *mm, struct vma *v, uint64_t addr,
			 uint64_t src, unsigned flags,
			 struct fault_outcome *out)
{
	struct mmu *m = mm->mmu;
	uint64_t page = addr & PAGE_MASK;
	if (!anon_vma_prepare(v))
		return oom(out);
	/* The source must not be reclaimed while the copy is made. */
	if (m->reclaim)
		m->reclaim->busy_pfn = src;
	uint64_t pfn = alloc_anon_frame(mm, page);
	if (m->reclaim)
		m->reclaim->busy_pfn = PFN_NONE;
	if (pfn == PFN_NONE)
		return no_frame(mm, out);
	copy_frame(m, pfn, src);
	if (pt_enter(mm, page, pfn, vm_page_prot(mm, v, pfn, true, 0))) {
		mmu_free_frame(m, pfn);
		return oom(out);
	}
	rmap_add_anon(m, pfn, v, page);
	mm->rss_anon++;
	event_fault(&m->events, addr, cow_kind(m, src), flags);
}

/* Linux's do_fault_around (fault_around_bytes, 64 KiB): a read fault
 * on a file or shared object also maps the pages around it that the
 * page cache holds up to date and that have no entry yet: the 16-page
 * aligned window from the VMA's start at the earliest, within the VMA
 * and the page table.  Only the faulting page counts as a fault. */
#define FAULT_AROUND_PAGES 16
#define PT_SPAN		   (512 * PAGE_SIZE) /* what one page table maps */

static void do_fault_around(struct mm *mm, struct vma *v, uint64_t addr,
			    bool shared)
{
	uint64_t start = addr & ~(FAULT_AROUND_PAGES * PAGE_SIZE - 1);
	if (start < v->start)
		start = v->start;
	uint64_t end = start + FAULT_AROUND_PAGES * PAGE_SIZE;
	uint64_t table_end = (start | (PT_SPAN - 1)) + 1;
	if (end > table_end)
		end = table_end;
	if (end > v->end)
		end = v->end;
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t index = v->pgoff + ((va - v->start) >> PAGE_SHIFT);
		if (va == (addr & PAGE_MASK) ||
		    !shmem_page_uptodate(v->shm, index))
			continue;
		struct pt_entry e;
		pt_lookup(mm, va, &e);
		if (e.has_frame || e.swap)
			continue;
		uint64_t pfn = shmem_find_page(v->shm, index);
		if (frame_poisoned(mm->mmu, pfn))
			continue; /* filemap_map_pages skips it */
		if (pt_enter(mm, va, pfn, vm_page_prot(mm, v, pfn, shared, 0)))
			return;
		rmap_dup(mm->mmu, pfn);
		mm->rss_shmem++;
	}
}

static void do_shared_fault(struct mm *mm, struct vma *v, uint64_t addr,
			    unsigned flags, struct fault_outcome *out)
{
	uint64_t page = addr & PAGE_MASK;
	uint64_t index = v->pgoff + ((page - v->start) >> PAGE_SHIFT);
	if (index >= v->shm->pages)
		return fail(out, SIGBUS, BUS_ADRERR,
			    "beyond the shared object");
	bool major;
	uint64_t pfn = shmem_get_page_major(mm, v->shm, index,
					    pt_neighbour_pfn(mm, page), &major);
	if (pfn == PFN_NONE)
		return no_frame(mm, out);
	/* Linux keeps a poisoned shmem page in the cache (docs/inject.md). */
	if (frame_poisoned(mm->mmu, pfn))
		return hwpoison(out);
	bool shared = v->flags & VM_SHARED;
	if (!shared && (flags & FAULT_FLAG_WRITE))
		return do_cow_fault(mm, v, addr, pfn, flags, out);
	/* No write-notify: a shared mapping gets a writable entry even on a
	 * read fault, so a later write does not fault again (Linux).  A
	 * private one maps the object's page read-only (do_read_fault). */
	if (pt_enter(mm, page, pfn, vm_page_prot(mm, v, pfn, shared, 0)))
		return oom(out);
	rmap_dup(mm->mmu, pfn);
	mm->rss_shmem++;
	if (!(flags & FAULT_FLAG_WRITE))
		do_fault_around(mm, v, addr, shared);
	enum fault_kind kind = major				 ? FAULT_SWAP
			       : v->shm->kind != FRAME_PAGECACHE ? FAULT_SHARED
			       : shared && (flags & FAULT_FLAG_WRITE)
				       ? FAULT_FILE_WRITE
				       : FAULT_FILE_READ;
	event_fault(&mm->mmu->events, addr, kind, flags);
}

/* A driver VMA: ask vm_ops->fault (Linux do_fault / __do_fault). */
static void do_driver_fault(struct mm *mm, struct vma *v, uint64_t addr,
			    unsigned flags, struct fault_outcome *out)
{
	uint64_t page = addr & PAGE_MASK;
	struct vm_fault vmf = {
		.vma = v,
		.address = addr,
		.pgoff = v->pgoff + ((page - v->start) >> PAGE_SHIFT),
		.flags = flags,
		.pfn = PFN_NONE,
	};
	vm_fault_t ret = v->ops->fault(&vmf);
	if (ret & VM_FAULT_OOM)
		return oom(out);
	if (ret & VM_FAULT_SIGBUS)
		return fail(out, SIGBUS, BUS_ADRERR,
			    "the driver has no page there");
	if (ret & VM_FAULT_SIGSEGV)
		return fail(out, SIGSEGV, SEGV_MAPERR,
			    "the driver refused the fault");
	if (!(ret & VM_FAULT_NOPAGE)) {
		/* Shared writable mappings get a writable entry; a private
		 * one copies on the first write (do_cow_fault is the write
		 * fault that follows). */
		bool w = (v->flags & VM_SHARED) != 0;
		if (vmf.pfn == PFN_NONE ||
		    pt_enter(mm, page, vmf.pfn,
			     vm_page_prot(mm, v, vmf.pfn, w, 0)))
			return oom(out);
		rmap_dup(mm->mmu, vmf.pfn);
	}
	event_fault(&mm->mmu->events, addr, FAULT_DEVICE, flags);
}

/* Copy a frame's bytes, whatever backs it (RAM or device). */
static void copy_frame(struct mmu *m, uint64_t dst, uint64_t src)
{
	uint8_t *to = mmu_pfn_host(m, dst);
	uint64_t pa = src << PAGE_SHIFT;
	if (iomem_is_memory(iomem_kind_of(&m->iomem, pa))) {
		memcpy(to, mmu_pfn_host(m, src), PAGE_SIZE);
		return;
	}
	for (uint64_t off = 0; off < PAGE_SIZE; off += 8) {
		uint64_t v = iomem_read(&m->iomem, pa + off, 8);
		memcpy(to + off, &v, 8);
	}
}

static void do_wp_page(struct mm *mm, struct vma *v, uint64_t addr,
		       const struct pt_entry *pte, unsigned flags,
		       struct fault_outcome *out)
{
	struct mmu *m = mm->mmu;
	uint64_t page = addr & PAGE_MASK;
	uint64_t old = pte->pfn;
	bool special = pte->special;
	struct frame *f = special ? NULL : mmu_frame(m, old);

	if ((v->flags & VM_SHARED) ||
	    (f && (f->kind == FRAME_ANON || f->kind == FRAME_FILE) &&
	     f->mapcount == 1 && old != m->zero_pfn)) {
		/* Shared memory, or an exclusive anonymous frame: make the
		 * entry writable, no copy (wp_page_reuse, wp_pfn_shared);
		 * a forced write leaves it read-only (maybe_mkwrite). */
		pt_set_writable(mm, page, (v->flags & VM_WRITE) != 0);
		event_fault(&m->events, addr, FAULT_WP_REUSE, flags);
		return;
	}
	if (!anon_vma_prepare(v))
		return oom(out);
	/* The source must not be reclaimed while the copy is made. */
	if (m->reclaim)
		m->reclaim->busy_pfn = old;
	uint64_t pfn = alloc_anon_frame(mm, page);
	if (m->reclaim)
		m->reclaim->busy_pfn = PFN_NONE;
	if (pfn == PFN_NONE)
		return no_frame(mm, out);
	/* A zero-frame source needs no copy: the new frame is zeroed.  A
	 * special source (a PFN map: /dev/mem) is copied from its memory;
	 * the physical page itself is never modified. */
	if (old != m->zero_pfn)
		copy_frame(m, pfn, old);
	if (pt_enter(mm, page, pfn, vm_page_prot(mm, v, pfn, true, 0))) {
		mmu_free_frame(m, pfn);
		return oom(out);
	}
	rmap_add_anon(m, pfn, v, page);
	mm->rss_anon++;
	if (f) {
		if (f->kind == FRAME_FILE)
			mm->rss_file--;
		else if (frame_kind_shmem(f->kind))
			mm->rss_shmem--;
		rmap_remove(m, old);
	}
	event_fault(&m->events, addr,
		    f && f->kind == FRAME_PAGECACHE ? FAULT_FILE_COW
						    : FAULT_COW,
		    flags);
}

/* A major fault: the page is on swap; read it back (Linux
 * do_swap_page).  A read maps it read-only, as Linux does (a write that
 * follows reuses it: exclusive); its slot is freed at once when no other
 * entry names it (docs/reclaim.md, "Swap"). */
static void do_swap_page(struct mm *mm, struct vma *v, uint64_t addr,
			 const struct pt_entry *pte, unsigned flags,
			 struct fault_outcome *out)
{
	struct mmu *m = mm->mmu;
	struct reclaim *r = m->reclaim;
	uint64_t page = addr & PAGE_MASK, slot = pte->swap_offset;
	if (!r || pte->swap_type != SWAP_TYPE || !swap_count(&r->swap, slot))
		/* No such slot: a flipped bit, which Linux's do_swap_page
		 * takes for a bad entry: SIGBUS. */
		return fail(out, SIGBUS, BUS_ADRERR,
			    "corrupted page-table entry (not present, not "
			    "empty)");
	if (!anon_vma_prepare(v))
		return oom(out);
	uint64_t pfn = alloc_anon_frame(mm, page);
	if (pfn == PFN_NONE)
		return no_frame(mm, out);
	if (swap_readpage(&r->swap, slot, mmu_pfn_host(m, pfn))) {
		mmu_free_frame(m, pfn);
		return fail(out, SIGBUS, BUS_ADRERR, "swap read error");
	}
	bool write = flags & FAULT_FLAG_WRITE;
	unsigned ptf = vm_page_prot(mm, v, pfn, write, 0) |
		       (pte->soft_dirty ? PTF_SOFT_DIRTY : 0);
	if (pt_enter(mm, page, pfn, ptf)) {
		mmu_free_frame(m, pfn);
		return oom(out);
	}
	rmap_add_anon(m, pfn, v, page);
	mm->rss_anon++;
	mm->swap_ents--;
	swap_put(&r->swap, slot);
	event_fault(&m->events, addr, FAULT_SWAP, flags);
}

static struct vma *fault_vma(struct mm *mm, uint64_t addr,
			     struct fault_outcome *out)
{
	struct vma *v = vma_find(&mm->vmas, addr);
	if (!v) {
		fail(out, SIGSEGV, SEGV_MAPERR, "no VMA");
		return NULL;
	}
	if (addr >= v->start)
		return v;
	if (!(v->flags & VM_GROWSDOWN)) {
		fail(out, SIGSEGV, SEGV_MAPERR, "no VMA");
		return NULL;
	}
	if (expand_downwards(mm, v, addr)) {
		/* Far below the stack it is just a hole. */
		fail(out, SIGSEGV, SEGV_MAPERR,
		     v->start - addr > mm->stack_rlimit
			     ? "no VMA"
			     : "stack cannot grow here (limit or guard gap)");
		return NULL;
	}
	return v;
}

void handle_mm_fault(struct mm *mm, uint64_t addr, unsigned flags,
		     struct fault_outcome *out)
{
	memset(out, 0, sizeof(*out));
	struct vma *v = addr < USER_VA_END ? fault_vma(mm, addr, out) : NULL;
	if (!v) {
		if (!out->sig)
			fail(out, SIGSEGV, SEGV_MAPERR, "kernel address");
		event_fault(&mm->mmu->events, addr, FAULT_SEGV, flags);
		return;
	}
	if (!(flags & FAULT_FLAG_FORCE) && access_error(v, flags)) {
		fail(out, SIGSEGV, SEGV_ACCERR, access_reason(v, flags));
		event_fault(&mm->mmu->events, addr, FAULT_SEGV, flags);
		return;
	}
	struct pt_entry pte;
	pt_lookup(mm, addr & PAGE_MASK, &pte);
	if (pte.protnone) {
		/* VMA allows access again; restore the entry. */
		pt_set_protnone(mm, addr & PAGE_MASK, false,
				(vm_page_prot(mm, v, pte.pfn, true, 0) &
				 PTF_WRITE) != 0);
		return;
	}
	if ((flags & FAULT_FLAG_WRITE) && pte.present &&
	    frame_write_protected(mm->mmu, pte.pfn)) {
		fail(out, SIGSEGV, SEGV_ACCERR,
		     "write to a write-protected memory range (MTRR WP)");
		event_fault(&mm->mmu->events, addr, FAULT_SEGV, flags);
		return;
	}
	if (pte.swap) {
		/* A hwpoison marker, or a page on swap (or a flipped bit,
		 * which do_swap_page refuses). */
		if (pte.hwpoison)
			hwpoison(out);
		else
			do_swap_page(mm, v, addr, &pte, flags, out);
	} else if (!pte.present) {
		if (v->ops && v->ops->fault)
			do_driver_fault(mm, v, addr, flags, out);
		else if (v->shm)
			do_shared_fault(mm, v, addr, flags, out);
		else
			do_anonymous_page(mm, v, addr, flags, out);
	} else if ((flags & FAULT_FLAG_WRITE) && !pte.writable) {
		do_wp_page(mm, v, addr, &pte, flags, out);
	}
	/* else: spurious (a stale translation); the retry succeeds. */
	if (out->sig)
		event_fault(&mm->mmu->events, addr, FAULT_SEGV, flags);
}

/* gup's errno for a fault it could not resolve (vm_fault_to_errno). */
static int gup_errno(const struct fault_outcome *out, bool hwpoison_errno)
{
	if (out->oom_retry || out->sig == SIGKILL)
		return -ENOMEM;
	if (out->sig == SIGBUS && out->si_code == BUS_MCEERR_AR)
		return hwpoison_errno ? -EHWPOISON : -EFAULT;
	return -EFAULT;
}

int populate_range(struct mm *mm, uint64_t start, uint64_t end, bool write,
		   bool hwpoison_errno)
{
	struct fault_outcome out;
	/* gup returns what it did before a failure; its callers
	 * (__mm_populate, madvise_populate) then call it again from the
	 * failed page, so a page failing after others is tried twice. */
	uint64_t call = start;
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		struct pt_entry e;
		if (pt_lookup(mm, va, &e) && (!write || e.writable))
			continue;
		handle_mm_fault(mm, va, write ? FAULT_FLAG_WRITE : 0, &out);
		if (!out.sig && !out.oom_retry) {
			/* The kernel's own access, as GUP makes it:
			 * accessed, and for a write dirty and soft-dirty
			 * (Linux's pte_mkdirty in the write fault). */
			pt_touch(mm, va, write);
			continue;
		}
		if (va != call) {
			call = va;
			va -= PAGE_SIZE;
			continue;
		}
		return gup_errno(&out, hwpoison_errno);
	}
	return 0;
}
