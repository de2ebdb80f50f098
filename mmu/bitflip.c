#include "bitflip.h"

#include <errno.h>

#include "pagetable.h"

int flip_phys_bit(struct mmu *m, uint64_t pa, unsigned bit)
{
	if (bit > 7)
		return -EINVAL;
	if (!iomem_is_memory(iomem_kind_of(&m->iomem, pa)) ||
	    !phys_backed(&m->phys, pa, 1))
		return -ENXIO;
	uint8_t b;
	mmu_phys_read(m, pa, &b, 1);
	b ^= (uint8_t)(1u << bit);
	mmu_phys_write(m, pa, &b, 1);
	m->bit_flips++;
	struct event e = {EV_INJECT, m->events.inject_spec,
			  INJECT_BITFLIP_FRAME, pa, bit};
	event_emit(&m->events, &e);
	return 0;
}

int flip_user_bit(struct mm *mm, uint64_t va, unsigned bit)
{
	struct pt_entry e;
	pt_lookup(mm, va & PAGE_MASK, &e);
	if (!e.has_frame)
		return -EFAULT;
	return flip_phys_bit(mm->mmu, (e.pfn << PAGE_SHIFT) | (va & ~PAGE_MASK),
			     bit);
}

int flip_pte_bit(struct mm *mm, uint64_t va, int level, unsigned bit)
{
	pte_t old;
	int err = pt_flip_bit(mm, va, level, bit, &old);
	if (err)
		return err;
	mm->mmu->bit_flips++;
	struct event e = {EV_INJECT, mm->mmu->events.inject_spec,
			  INJECT_BITFLIP_PTE, va, bit | (uint64_t)level << 8};
	event_emit(&mm->mmu->events, &e);
	return 0;
}
