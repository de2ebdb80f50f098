#include "clear_refs.h"

#include "pagetable.h"

static void young_one(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)arg;
	struct pt_entry e;
	pte_decode(pte, &e);
	if (!e.special)
		pt_clear_young(mm, va);
}

void clear_refs_young(struct mm *mm, struct vma *v)
{
	pt_for_each(mm, v->start, v->end, young_one, NULL);
}

static void soft_dirty_one(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)pte;
	(void)arg;
	pt_clear_soft_dirty(mm, va);
}

void clear_refs_soft_dirty(struct mm *mm)
{
	struct vma_tree *t = &mm->vmas;
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v))
		v->flags &= ~VM_SOFTDIRTY;
	/* Linux's walk skips PFN maps (clear_refs_test_walk). */
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v))
		if (!(v->flags & VM_PFNMAP))
			pt_for_each(mm, v->start, v->end, soft_dirty_one, NULL);
}
