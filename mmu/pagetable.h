/* x86-64 4-level page tables, the pmap (like FreeBSD's): pagetable.c is
 * the only code that knows the bits of an entry (they are in pte.h, which
 * nothing else includes).  The rest of memu enters mappings with the
 * machine-independent PTF_* flags and reads them back decoded, as a
 * struct pt_entry; a raw pte_t leaves this layer only as an opaque number
 * (events, memu_pte's raw field).  The tables live in the page-table bank
 * of emulated RAM.  memu's kernel writes entries (each one reported to the
 * event point); pt_walk() is the CPU's own page walker, run on every TLB
 * miss, which checks rights and sets Accessed and Dirty as the hardware
 * does (docs/machine.md, "Page tables").  Below it lie only frames, the
 * event point and struct mm's fields: it calls nothing else of mmu/.
 */
#ifndef MEMU_MMU_PAGETABLE_H
#define MEMU_MMU_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm.h"

typedef uint64_t pte_t;

/* The x86 page-fault error code (Linux's X86_PF_*). */
#define PF_PROT	 (1u << 0) /* present entry, rights refused */
#define PF_WRITE (1u << 1)
#define PF_USER	 (1u << 2)
#define PF_RSVD	 (1u << 3) /* reserved bit set in an entry */
#define PF_INSTR (1u << 4) /* instruction fetch */

/* How a mapping is entered (machine-independent flags). */
enum pt_flags {
	PTF_WRITE = 1 << 0,
	PTF_USER = 1 << 1,
	PTF_SPECIAL = 1 << 2,
	PTF_NOCACHE = 1 << 3,	/* PCD */
	PTF_WRITETHRU = 1 << 4, /* PWT */
	PTF_EXEC = 1 << 5,	/* NX clear */
	PTF_SOFT_DIRTY = 1 << 6 /* a page swapped in keeps its soft-dirty */
};

/* One leaf entry, decoded.  An empty slot decodes to all false, pfn 0. */
struct pt_entry {
	bool present;	/* the CPU may use it */
	bool has_frame; /* present, or PROT_NONE with its frame kept */
	bool writable, user;
	bool exec;		      /* holds a frame and NX is clear */
	bool accessed, dirty;	      /* set by the CPU as it uses the entry */
	bool nocache, writethru, pat; /* PCD, PWT, PAT: pick the PAT entry */
	bool soft_dirty; /* written since clear_refs (docs/memory.md) */
	bool special;	 /* no ordinary frame: zero frame, PFN map */
	bool protnone;	 /* access revoked, frame kept (mprotect PROT_NONE) */
	/* Not present and not empty, not PROT_NONE: Linux's swap entry
	 * (memu has no swap: a hwpoison marker, or a flipped bit). */
	bool swap;
	bool hwpoison; /* the marker memory_failure leaves (pfn: the frame) */
	/* A swap entry by its encoding (swap, not hwpoison): the page is on
	 * swap device swap_type at slot swap_offset (docs/reclaim.md); the
	 * fault path checks that the device has such a slot in use. */
	bool swapped;
	unsigned swap_type;
	uint64_t swap_offset;
	uint64_t pfn; /* the frame when has_frame or hwpoison, else 0 */
};

/* The architectural bits of an entry by number, as a fault spec names
 * them (docs/inject.md): p, rw, us, pwt, pcd, a, d, ps, g, nx; NULL for
 * the others (the frame number's, memu's software bits). */
extern const char *const pt_bit_names[64];

/* Decode a raw entry (one from pt_get or pt_for_each). */
void pte_decode(pte_t pte, struct pt_entry *e);

/* Build the kernel half and an empty user half for a new address space. */
int pt_create(struct mm *mm);
/* Free every page-table page of the address space, the PML4 included
 * (its teardown, once the user entries are gone). */
void pt_free_tables(struct mm *mm);

/* The leaf entry for va, decoded into e; returns e->present. */
bool pt_lookup(struct mm *mm, uint64_t va, struct pt_entry *e);
/* The raw leaf entry for va, or 0 when no table holds one: an opaque
 * number, for dumps and pte_decode. */
pte_t pt_get(struct mm *mm, uint64_t va);

/* Map va to pfn.  -ENOMEM when no page-table page is left. */
int pt_enter(struct mm *mm, uint64_t va, uint64_t pfn, unsigned ptf);
/* Clear the leaf entry for va; returns the old entry.  The TLB flush is
 * batched (mm->flush_pending). */
pte_t pt_clear(struct mm *mm, uint64_t va);
/* Clear W (a downgrade: batches a TLB flush) or set it. */
void pt_set_writable(struct mm *mm, uint64_t va, bool writable);
/* Revoke access but keep the frame (mprotect PROT_NONE), or restore. */
void pt_set_protnone(struct mm *mm, uint64_t va, bool none, bool writable);
/* Give or take execute permission (NX), for mprotect. */
void pt_set_exec(struct mm *mm, uint64_t va, bool exec);
/* Replace the frame of a mapped entry by a hwpoison marker naming it
 * (memory_failure's unmap: Linux try_to_unmap with TTU_HWPOISON).  The
 * TLB flush is batched.  The old entry, or 0 if it held no frame. */
pte_t pt_set_hwpoison(struct mm *mm, uint64_t va);
/* Replace the frame of an entry by a swap entry for slot offset of swap
 * device type, soft-dirty kept (reclaim's try_to_unmap).  The TLB flush
 * is batched.  The old entry, or 0 if it held no frame. */
pte_t pt_set_swap(struct mm *mm, uint64_t va, unsigned type, uint64_t offset);
/* Enter a swap entry for slot offset of swap device type where va has
 * none (fork's copy of a swapped page: Linux copy_nonpresent_pte):
 * 0, or -ENOMEM (no page for a table). */
int pt_enter_swap(struct mm *mm, uint64_t va, unsigned type, uint64_t offset,
		  bool soft_dirty);
/* Point a mapped entry at another frame, every other bit kept (a
 * migration: soft offline, a clean file page read again); batches the
 * flush.  -ENOENT when va holds no frame. */
int pt_replace_pfn(struct mm *mm, uint64_t va, uint64_t pfn);
/* Flip bit (0-63) of the entry at level (1 = PT ... 4 = PML4) that maps
 * va, as a memory fault in the page table would: no event, no flush (the
 * CPU sees it at its next walk of va).  The old entry in *old.  0, or
 * -EINVAL (level, bit), -ENOENT (no table at that level). */
int pt_flip_bit(struct mm *mm, uint64_t va, int level, unsigned bit,
		pte_t *old);
/* Move the entry at from to to (mremap). */
int pt_move(struct mm *mm, uint64_t from, uint64_t to);
/* Set A (and D for a write) as the CPU would for a kernel access. */
void pt_touch(struct mm *mm, uint64_t va, bool write);
/* clear_refs: clear A, so that the next access walks and sets it again;
 * or take write permission and soft-dirty away, so that the next write
 * faults, walks and sets soft-dirty again.  Both batch a TLB flush. */
void pt_clear_young(struct mm *mm, uint64_t va);
void pt_clear_soft_dirty(struct mm *mm, uint64_t va);

/* Page-table pages below the PML4 that map user space (Linux's
 * mm_pgtables_bytes / 4096: PDPTs, page directories, page tables). */
uint64_t pt_table_pages(struct mm *mm);

/* A frame that would sit next to a neighbour's in the same page table:
 * pfn of a mapped neighbour plus the distance, or PFN_NONE. */
uint64_t pt_neighbour_pfn(struct mm *mm, uint64_t va);

/* Call fn for every leaf entry in [start, end) that is not empty (one
 * that holds a frame, or a swap entry: a hwpoison marker), skipping
 * absent tables; fn decodes pte with pte_decode. */
typedef void (*pt_visit_fn)(struct mm *mm, uint64_t va, pte_t pte, void *arg);
void pt_for_each(struct mm *mm, uint64_t start, uint64_t end, pt_visit_fn fn,
		 void *arg);

/* The hardware page walk (Intel SDM vol. 3A 4.5), for one TLB miss. */
enum pt_access { PT_READ, PT_WRITE, PT_FETCH };
struct pt_walk {
	uint64_t pa;	/* physical address of the 4 KiB page */
	bool writable;	/* the TLB entry may allow writes (D is set) */
	bool exec;	/* the TLB entry may allow fetches */
	uint32_t error; /* when the walk faults: the #PF error code */
};
/* Translate va for an access at CPL 3 (user) or 0.  0: translated; A, and
 * D for a write, are set as the CPU sets them (and, with D, memu's
 * soft-dirty bit on an ordinary frame).  -1: a page fault, with
 * w->error holding the error code the CPU would push (PF_*). */
int pt_walk(struct mm *mm, uint64_t va, enum pt_access access, bool user,
	    struct pt_walk *w);

/* A debugger's look at the walk for va (docs/gdb.md): each level's
 * entry as the CPU would read it, from the PML4 down to the leaf or to
 * the first entry that is not present (or has reserved bits set).  No A
 * or D bit changes, no event, no fault.  Returns the number of levels
 * filled in lv (lv[0] is the PML4's entry).  When the last one maps va,
 * out->pa is the physical address of va's byte, with the rights of the
 * whole walk and the leaf's D bit; else out->pa is PT_PEEK_NONE. */
#define PT_PEEK_NONE UINT64_MAX
struct pt_level {
	int level;	   /* 4: PML4 ... 1: PT */
	unsigned index;	   /* the entry's slot in its table */
	uint64_t table_pa; /* physical address of the table */
	pte_t entry;	   /* raw: its bits by number, pt_bit_names */
	uint64_t next_pfn; /* the table or frame it points to */
	bool leaf;	   /* maps a page (PT entry, or PS above it) */
};
struct pt_peek_out {
	uint64_t pa;
	bool user, writable, dirty;
};
int pt_peek(struct mm *mm, uint64_t va, struct pt_level lv[4],
	    struct pt_peek_out *out);

/* Every present entry of every table, depth first from the PML4 (xv6's
 * vmprint order), read as pt_peek reads: fn gets the entry's level (4:
 * PML4 ... 1: PT), its index, the raw entry and the physical address it
 * points to. */
typedef void (*pt_tree_fn)(int level, unsigned index, pte_t entry,
			   uint64_t next_pa, void *arg);
void pt_walk_tree(struct mm *mm, pt_tree_fn fn, void *arg);

/* The physical address of the PML4, for CR3. */
uint64_t pt_root(struct mm *mm);

/* Map a kernel page (supervisor-only) at va; used at boot. */
int pt_enter_kernel(struct mm *mm, uint64_t va, uint64_t pfn);

#endif
