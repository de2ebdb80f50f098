/* /proc/meminfo in Linux 6.1's format (meminfo_proc_show), field for
 * field as an x86-64 kernel with CONFIG_ZSWAP, CONFIG_MEMORY_FAILURE,
 * THP and hugetlb pages (none reserved) prints it, from memu's frame
 * counters and the page tables when it is read (docs/memory.md, "/proc"):
 *
 *   MemTotal   RAM and the page-table bank, less the frames that are never
 *              handed out (frame 0, the ISA hole) and memu's kernel half
 *              and zero frame (Linux's kernel image is not counted either)
 *   MemFree    free frames; MemAvailable the same (memu reclaims nothing)
 *   Cached     the program image's frames and shared memory (Shmem)
 *   Inactive   every page on an LRU list (memu does not age pages); the
 *              pages of locked VMAs are Unevictable and Mlocked instead
 *   AnonPages  anonymous frames; Mapped the file and shared frames mapped
 *   PageTables the page-table bank's frames in use
 *   CommitLimit   half of MemTotal (overcommit_ratio 50) plus swap
 *   SwapTotal, SwapFree  the swap device's slots (docs/reclaim.md)
 *   Committed_AS  private writable mappings (VM_ACCOUNT), shared
 *              anonymous objects by size, memfd pages allocated
 *   DirectMap  the direct map Linux would build: the first 2 MiB and any
 *              unaligned ends in 4 KiB pages, the rest in 2 MiB pages
 *
 * Everything memu does not have (the swap cache, slab, vmalloc, per-CPU
 * memory, writeback, bounce buffers, huge pages) is 0.
 */
#include <stdlib.h>

#include "../mmu/pagetable.h"
#include "../mmu/shmem.h"
#include "memfd.h"
#include "proc_mm.h"
#include "proc_text.h"

#define OVERCOMMIT_RATIO 50
#define KERNEL_STACK_KB	 16		/* one task's THREAD_SIZE */
#define VMALLOC_TOTAL_KB 34359738367ULL /* 32 TiB less a byte, in kB */
#define HUGEPAGE_KB	 2048
#define DIRECT_2M	 (2ULL << 20)

struct mapped_page {
	uint64_t pfn;
	enum proc_page kind;
	bool locked;
};

struct page_list {
	struct mapped_page *p;
	size_t n, cap;
	bool locked; /* the VMA being walked is VM_LOCKED */
	bool failed;
};

static void collect(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)va;
	struct page_list *l = arg;
	struct pt_entry e;
	struct frame *f;
	pte_decode(pte, &e);
	if (proc_page_of(mm, &e, &f) == PROC_PAGE_NONE || l->failed)
		return;
	/* by the frame's kind, as the counters behind AnonPages and
	 * Cached count it */
	enum proc_page kind = f->kind == FRAME_ANON	? PROC_PAGE_ANON
			      : f->kind == FRAME_SHARED ? PROC_PAGE_SHMEM
							: PROC_PAGE_FILE;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct mapped_page *p = realloc(l->p, cap * sizeof(*p));
		if (!p) {
			l->failed = true;
			return;
		}
		l->p = p;
		l->cap = cap;
	}
	l->p[l->n++] = (struct mapped_page){e.pfn, kind, l->locked};
}

static int by_pfn(const void *a, const void *b)
{
	const struct mapped_page *x = a, *y = b;
	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return (int)y->locked - (int)x->locked; /* locked first */
}

struct page_counts {
	uint64_t mapped;	       /* NR_FILE_MAPPED */
	uint64_t mlocked;	       /* NR_MLOCK */
	uint64_t mlocked_file;	       /* of those, on the file LRU */
	uint64_t memfd_pages;	       /* allocated pages of memfds mapped */
	uint64_t shared_objects_pages; /* shared anonymous objects, by size */
};

/* Each frame once, however many entries map it. */
static void count_pages(struct mm *mm, struct page_counts *c)
{
	struct page_list l = {0};
	struct vma_tree *t = &mm->vmas;
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v)) {
		l.locked = v->flags & VM_LOCKED;
		pt_for_each(mm, v->start, v->end, collect, &l);
	}
	qsort(l.p, l.n, sizeof(*l.p), by_pfn);
	for (size_t i = 0; i < l.n; i++) {
		if (i && l.p[i].pfn == l.p[i - 1].pfn)
			continue;
		if (l.p[i].kind != PROC_PAGE_ANON)
			c->mapped++;
		if (l.p[i].locked) {
			c->mlocked++;
			if (l.p[i].kind == PROC_PAGE_FILE)
				c->mlocked_file++;
		}
	}
	free(l.p);
}

static int by_object(const void *a, const void *b)
{
	const struct vma *x = *(struct vma *const *)a;
	const struct vma *y = *(struct vma *const *)b;
	uintptr_t p = (uintptr_t)x->shm, q = (uintptr_t)y->shm;
	if (p != q)
		return p < q ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Shared objects, each once: memfds by the pages they hold (accounted
 * as they are allocated), the others by size unless the first mapping
 * was MAP_NORESERVE. */
static void count_objects(struct mm *mm, struct page_counts *c)
{
	struct vma_tree *t = &mm->vmas;
	size_t n = 0;
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v))
		n += v->shm != NULL;
	struct vma **list = n ? malloc(n * sizeof(*list)) : NULL;
	if (!list)
		return;
	n = 0;
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v))
		if (v->shm)
			list[n++] = v;
	qsort(list, n, sizeof(*list), by_object);
	for (size_t i = 0; i < n; i++) {
		const struct vma *v = list[i];
		if (i && list[i - 1]->shm == v->shm)
			continue;
		const struct file *f = v->vm_file;
		if (f && f->inode) { /* a file's pages: tmpfs, memfd */
			c->memfd_pages += shmem_nr_frames(v->shm);
		} else if (!(v->flags & VM_NORESERVE)) {
			c->shared_objects_pages += v->shm->pages;
		}
	}
	free(list);
}

static void show_kb(struct proc_text *t, const char *name, uint64_t pages)
{
	text_printf(t, "%s%8llu kB\n", name, (unsigned long long)(pages * 4));
}

/* The 4 KiB and 2 MiB parts of the direct map of [start, end). */
static void direct_map(uint64_t start, uint64_t end, uint64_t *k4, uint64_t *m2)
{
	uint64_t lo = (start + DIRECT_2M - 1) & ~(DIRECT_2M - 1);
	uint64_t hi = end & ~(DIRECT_2M - 1);
	if (start == 0 && lo == 0)
		lo = DIRECT_2M; /* the first 2 MiB: 4 KiB pages */
	if (lo >= hi) {
		*k4 += end - start;
		return;
	}
	*k4 += (lo - start) + (end - hi);
	*m2 += hi - lo;
}

static void show_meminfo(struct proc_text *t, struct file *f)
{
	struct mmu *mmu = f->ctx->mmu;
	struct mm *mm = f->ctx->mm;
	const uint64_t *now = mmu->events.frames_now;
	uint64_t frames = mmu->ram.nr + mmu->ptbank.nr;
	uint64_t free = mmu->ram.nr_free + mmu->ptbank.nr_free;
	uint64_t used = 0;
	for (int k = FRAME_KERNEL; k < FRAME_KINDS; k++)
		used += now[k];
	uint64_t reserved = frames - free - used;
	uint64_t total =
		frames - reserved - now[FRAME_KERNEL] - now[FRAME_ZERO];
	struct page_counts c = {0};
	count_pages(mm, &c);
	count_objects(mm, &c);
	struct proc_vm vm;
	proc_vm_count(mm, &vm);
	uint64_t anon_lru = now[FRAME_ANON] + now[FRAME_SHARED];
	uint64_t file_lru = now[FRAME_FILE];
	uint64_t mlocked_anon = c.mlocked - c.mlocked_file;
	uint64_t inactive_anon =
		anon_lru > mlocked_anon ? anon_lru - mlocked_anon : 0;
	/* With swap, the policy's active list (docs/reclaim.md). */
	uint64_t active_anon = 0;
	if (mmu->reclaim) {
		active_anon = lru_count(&mmu->reclaim->lru, LRU_ACTIVE);
		if (active_anon > inactive_anon)
			active_anon = inactive_anon;
		inactive_anon -= active_anon;
	}
	uint64_t inactive_file =
		file_lru > c.mlocked_file ? file_lru - c.mlocked_file : 0;

	const struct reclaim *r = mmu->reclaim;
	uint64_t swap_pages = r ? swap_total(&r->swap) : 0;
	uint64_t swap_free = r ? swap_free_slots(&r->swap) : 0;
	show_kb(t, "MemTotal:       ", total);
	show_kb(t, "MemFree:        ", free);
	show_kb(t, "MemAvailable:   ", free);
	show_kb(t, "Buffers:        ", 0);
	show_kb(t, "Cached:         ", now[FRAME_FILE] + now[FRAME_SHARED]);
	show_kb(t, "SwapCached:     ", 0);
	show_kb(t, "Active:         ", active_anon);
	show_kb(t, "Inactive:       ", inactive_anon + inactive_file);
	show_kb(t, "Active(anon):   ", active_anon);
	show_kb(t, "Inactive(anon): ", inactive_anon);
	show_kb(t, "Active(file):   ", 0);
	show_kb(t, "Inactive(file): ", inactive_file);
	show_kb(t, "Unevictable:    ", c.mlocked);
	show_kb(t, "Mlocked:        ", c.mlocked);
	show_kb(t, "SwapTotal:      ", swap_pages);
	show_kb(t, "SwapFree:       ", swap_free);
	text_puts(t, "Zswap:                 0 kB\n"
		     "Zswapped:              0 kB\n");
	show_kb(t, "Dirty:          ", 0);
	show_kb(t, "Writeback:      ", 0);
	show_kb(t, "AnonPages:      ", now[FRAME_ANON]);
	show_kb(t, "Mapped:         ", c.mapped);
	show_kb(t, "Shmem:          ", now[FRAME_SHARED]);
	show_kb(t, "KReclaimable:   ", 0);
	show_kb(t, "Slab:           ", 0);
	show_kb(t, "SReclaimable:   ", 0);
	show_kb(t, "SUnreclaim:     ", 0);
	text_printf(t, "KernelStack:    %8u kB\n", KERNEL_STACK_KB);
	show_kb(t, "PageTables:     ", now[FRAME_PAGETABLE]);
	show_kb(t, "SecPageTables:  ", 0);
	show_kb(t, "NFS_Unstable:   ", 0);
	show_kb(t, "Bounce:         ", 0);
	show_kb(t, "WritebackTmp:   ", 0);
	show_kb(t, "CommitLimit:    ",
		total * OVERCOMMIT_RATIO / 100 + swap_pages);
	show_kb(t, "Committed_AS:   ",
		vm.committed + c.shared_objects_pages + c.memfd_pages);
	text_printf(t, "VmallocTotal:   %8llu kB\n", VMALLOC_TOTAL_KB);
	show_kb(t, "VmallocUsed:    ", 0);
	show_kb(t, "VmallocChunk:   ", 0);
	show_kb(t, "Percpu:         ", 0);
	text_printf(t, "HardwareCorrupted: %5u kB\n", 0U);
	show_kb(t, "AnonHugePages:  ", 0);
	show_kb(t, "ShmemHugePages: ", 0);
	show_kb(t, "ShmemPmdMapped: ", 0);
	show_kb(t, "FileHugePages:  ", 0);
	show_kb(t, "FilePmdMapped:  ", 0);
	text_printf(t,
		    "HugePages_Total:   %5u\nHugePages_Free:    %5u\n"
		    "HugePages_Rsvd:    %5u\nHugePages_Surp:    %5u\n"
		    "Hugepagesize:   %8u kB\n",
		    0U, 0U, 0U, 0U, HUGEPAGE_KB);
	text_printf(t, "Hugetlb:        %8u kB\n", 0U);
	uint64_t k4 = 0, m2 = 0;
	for (int i = 0; i < mmu->iomem.count; i++) {
		const struct iomem_resource *r = &mmu->iomem.res[i];
		if (r->depth)
			continue;
		/* RAM and the ISA hole below it are one run: [0, ram_top) */
		if (r->start == 0)
			direct_map(0, mmu->phys.ram_top, &k4, &m2);
		else if (r->kind == IOMEM_RAM && r->start >= mmu->phys.ram_top)
			direct_map(r->start, r->end, &k4, &m2);
	}
	text_printf(t, "DirectMap4k:    %8llu kB\n",
		    (unsigned long long)(k4 >> 10));
	text_printf(t, "DirectMap2M:    %8llu kB\n",
		    (unsigned long long)(m2 >> 10));
}

PROC_ENTRY_FOPS(meminfo_fops, show_meminfo);

const struct chardev proc_meminfo_dev = {
	.path = "/proc/meminfo",
	.mode = 0444,
	.regular = true,
	.fops = &meminfo_fops,
};
