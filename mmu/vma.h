/* Virtual memory areas and the per-address-space VMA tree.
 *
 * A VMA is a run of pages [start, end) with one set of permissions and one
 * backing.  The tree is a red-black tree from libbsd's <sys/tree.h> (the
 * same macros FreeBSD's kernel uses), ordered by address; VMAs never
 * overlap, so "the first VMA ending above addr" -- Linux's find_vma -- is
 * one RB_NFIND.  Flag values are Linux's, so /proc views can print them.
 * vma.c also makes, copies, splits and merges VMAs for the syscall code
 * (Linux's vma_merge and __split_vma, in its mm/mmap.c).
 */
#ifndef MEMU_MMU_VMA_H
#define MEMU_MMU_VMA_H

#include <bsd/sys/queue.h>
#include <bsd/sys/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_READ	       0x00000001ULL
#define VM_WRITE       0x00000002ULL
#define VM_EXEC	       0x00000004ULL
#define VM_SHARED      0x00000008ULL
#define VM_MAYREAD     0x00000010ULL
#define VM_MAYWRITE    0x00000020ULL
#define VM_MAYEXEC     0x00000040ULL
#define VM_MAYSHARE    0x00000080ULL
#define VM_GROWSDOWN   0x00000100ULL
#define VM_PFNMAP      0x00000400ULL
#define VM_LOCKED      0x00002000ULL
#define VM_DONTCOPY    0x00020000ULL /* MADV_DONTFORK */
#define VM_LOCKONFAULT 0x00080000ULL
#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)
#define VM_IO	       0x00004000ULL
#define VM_DONTEXPAND  0x00040000ULL
#define VM_ACCOUNT     0x00100000ULL
#define VM_NORESERVE   0x00200000ULL
#define VM_WIPEONFORK  0x02000000ULL /* MADV_WIPEONFORK */
#define VM_DONTDUMP    0x04000000ULL
#define VM_SOFTDIRTY   0x08000000ULL
#define VM_MIXEDMAP    0x10000000ULL

#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)
#define VM_SPECIAL	(VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)

struct mm;
struct anon_vma;
struct shmem;
struct vma;

/* A fault a driver's vm_ops->fault is asked to serve (Linux struct
 * vm_fault). */
struct vm_fault {
	struct vma *vma;
	uint64_t address; /* faulting address */
	uint64_t pgoff;	  /* page offset of the address in the mapping */
	unsigned flags;	  /* FAULT_FLAG_* */
	uint64_t pfn;	  /* out: the frame to map, when returning 0 */
};

/* Fault-handler results, Linux's values (include/linux/mm_types.h). */
typedef unsigned vm_fault_t;
#define VM_FAULT_OOM	 0x0001u
#define VM_FAULT_SIGBUS	 0x0002u
#define VM_FAULT_SIGSEGV 0x0040u
#define VM_FAULT_NOPAGE	 0x0100u /* the handler installed the PTE itself */
#define VM_FAULT_ERROR	 (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)

/* How a VMA holds the file it maps (Linux get_file / fput). */
struct vm_file_ops {
	void (*get)(void *file);
	void (*put)(void *file);
};

/* Operations a driver attaches to the VMAs its mmap creates. */
struct vm_operations {
	const char *name;
	/* A VMA was duplicated (split, mremap): take a reference. */
	void (*open)(struct vma *vma);
	/* A VMA goes away: drop the reference. */
	void (*close)(struct vma *vma);
	/* Serve a fault on a page with no entry: set vmf->pfn and return 0
	 * (memu maps it), or install it and return VM_FAULT_NOPAGE, or
	 * return VM_FAULT_SIGBUS / SIGSEGV / OOM. */
	vm_fault_t (*fault)(struct vm_fault *vmf);
};

struct vma {
	RB_ENTRY(vma) rb;
	uint64_t start, end;
	uint64_t flags;
	uint64_t pgoff; /* page offset of start in the backing */
	struct mm *mm;
	struct anon_vma *anon_vma; /* set on the first anonymous frame */
	LIST_ENTRY(vma) anon_link; /* in anon_vma->vmas */
	struct shmem *shm;	   /* shared object backing, or NULL */
	LIST_ENTRY(vma) shm_link;  /* in shm->vmas */
	const struct vm_operations *ops;
	void *vm_file; /* the file mapped, or NULL */
	const struct vm_file_ops *vm_file_ops;
	void *private_data;
	const char *name; /* "[heap]", "[stack]", a path */
};

RB_HEAD(vma_rb, vma);

struct vma_tree {
	struct vma_rb root;
	uint64_t count;
};

void vma_tree_init(struct vma_tree *t);
void vma_tree_insert(struct vma_tree *t, struct vma *v);
void vma_tree_remove(struct vma_tree *t, struct vma *v);

/* The first VMA with end > addr, or NULL (Linux find_vma). */
struct vma *vma_find(struct vma_tree *t, uint64_t addr);
/* The VMA containing addr, or NULL. */
struct vma *vma_lookup(struct vma_tree *t, uint64_t addr);
/* True when no VMA intersects [start, end). */
bool vma_range_free(struct vma_tree *t, uint64_t start, uint64_t end);

struct vma *vma_first(struct vma_tree *t);
struct vma *vma_last(struct vma_tree *t);
struct vma *vma_next(struct vma_tree *t, struct vma *v);
struct vma *vma_prev(struct vma_tree *t, struct vma *v);

/* ---- A VMA's life and shape, for mmu/'s address-space code (vma.c) */

/* A new VMA of mm for [start, end), not in the tree, with no backing. */
struct vma *vma_new(struct mm *mm, uint64_t start, uint64_t end, uint64_t flags,
		    uint64_t pgoff);
/* Free a VMA already out of the tree: its driver's close, its file
 * reference, its anon_vma and shared-object links. */
void vma_free(struct mm *mm, struct vma *v);
/* A copy of v's backing for [start, end): same anon_vma, object, ops
 * (not in the tree). */
struct vma *vma_copy(struct mm *mm, struct vma *v, uint64_t start, uint64_t end,
		     uint64_t pgoff);
/* Split v at addr: v keeps [start, addr), the new VMA, returned, gets
 * [addr, end); both are in mm's tree.  NULL when out of memory. */
struct vma *split_vma(struct mm *mm, struct vma *v, uint64_t addr);
/* Merge v with the VMAs right above and below it where Linux would (same
 * flags but soft-dirty, same backing, compatible anon_vma, contiguous
 * offsets, no driver ops); returns the VMA that now holds v's range. */
struct vma *merge_neighbours(struct mm *mm, struct vma *v);

#endif
