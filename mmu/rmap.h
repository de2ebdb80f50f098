/* Reverse mapping: from a frame to every (address space, virtual page)
 * that maps it.
 *
 * As in Linux, an anonymous frame does not list its mappings; it names
 * its anon_vma and its page offset (index).  Every VMA that may map the
 * frame is on that anon_vma's list, and a VMA maps index i at
 * start + (i - pgoff) pages.  A VMA gets its anon_vma on the first
 * anonymous frame it maps (anon_vma_prepare); split halves and mremap
 * moves keep it.  Shared-object frames are found the same way through the
 * object's VMA list.
 */
#ifndef MEMU_MMU_RMAP_H
#define MEMU_MMU_RMAP_H

#include <stddef.h>
#include <stdint.h>

#include "mm.h"
#include "vma.h"

struct anon_vma {
	LIST_HEAD(, vma) vmas;
	uint64_t refs; /* VMAs on the list plus frames owned */
	uint64_t id;
};

struct anon_vma *anon_vma_prepare(struct vma *v);
/* Put v on av's list (a split half, a moved copy). */
void anon_vma_link(struct vma *v, struct anon_vma *av);
void anon_vma_unlink(struct vma *v);

/* Record that v maps the fresh anonymous frame pfn at va. */
void rmap_add_anon(struct mmu *m, uint64_t pfn, struct vma *v, uint64_t va);
/* One more / one fewer mapping of an already owned frame. */
void rmap_dup(struct mmu *m, uint64_t pfn);
/* Drop one mapping; frees an anonymous frame when none is left.
 * Returns the mappings left. */
uint32_t rmap_remove(struct mmu *m, uint64_t pfn);

/* After an address space is gone: free the anonymous frames no entry led
 * to any more (a page-table entry a bit flip bent, docs/inject.md), so
 * their anon_vmas go too. */
void rmap_sweep_orphans(struct mmu *m);

struct rmap_entry {
	struct mm *mm;
	struct vma *vma;
	uint64_t va;
};
/* Fill out (up to max) with the mappings of pfn; returns how many exist. */
size_t rmap_walk(struct mmu *m, uint64_t pfn, struct rmap_entry *out,
		 size_t max);

/* The virtual address at which v maps page offset index (may lie outside
 * the VMA). */
static inline uint64_t vma_address(const struct vma *v, uint64_t index)
{
	return v->start + ((index - v->pgoff) << PAGE_SHIFT);
}

#endif
