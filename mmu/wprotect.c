#include "wprotect.h"

#include "pagetable.h"

bool frame_write_protected(struct mmu *m, uint64_t pfn)
{
	return memtype_write_protected(&m->memtype, pfn << PAGE_SHIFT);
}

static void protect_one(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)arg;
	struct pt_entry e;
	pte_decode(pte, &e);
	if (e.present && e.writable && frame_write_protected(mm->mmu, e.pfn))
		pt_set_writable(mm, va, false);
}

void write_protect_sweep(struct mm *mm)
{
	if (mm->mmu->memtype.any_wp)
		pt_for_each(mm, 0, USER_VA_END, protect_one, NULL);
}
