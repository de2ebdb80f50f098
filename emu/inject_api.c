/* The fault-injection primitives of include/memu.h (docs/inject.md,
 * "Primitives") that need nothing of the emulator but the machine:
 * allocation failure (mmu/fail_alloc.c), bit flips (mmu/bitflip.c) and
 * lost TLB flushes (mmu/lost_flush.c).  Hardware memory errors are
 * memory_failure.c's. */
#include <errno.h>

#include "../mmu/bitflip.h"
#include "../mmu/tlb.h"
#include "machine.h"

int memu_fail_alloc(struct memu *m, const struct memu_fail_alloc *cfg)
{
	if (!cfg)
		return fail_alloc_set(&m->mmu.fail_alloc, NULL);
	const struct fail_alloc_attr attr = {
		.probability = cfg->probability,
		.interval = cfg->interval,
		.times = cfg->times,
		.space = cfg->space,
		.nth = cfg->nth,
		.seed = cfg->seed,
	};
	int err = fail_alloc_set(&m->mmu.fail_alloc, &attr);
	m->mmu.fail_alloc.spec = m->mmu.events.inject_spec;
	return err;
}

int memu_flip_phys_bit(struct memu *m, uint64_t pa, unsigned bit)
{
	return flip_phys_bit(&m->mmu, pa, bit);
}

/* In the current process's address space; none once it has exited (a
 * fault due as it ends, docs/processes.md). */
int memu_flip_virt_bit(struct memu *m, uint64_t va, unsigned bit)
{
	return m->proc->mm ? flip_user_bit(m->proc->mm, va, bit) : -ENOENT;
}

int memu_flip_pte_bit(struct memu *m, uint64_t va, int level, unsigned bit)
{
	return m->proc->mm ? flip_pte_bit(m->proc->mm, va, level, bit)
			   : -ENOENT;
}

int memu_lose_tlb_flushes(struct memu *m, unsigned n, unsigned reasons)
{
	if (reasons & ~TLB_FLUSH_ALL || (n && !reasons))
		return -EINVAL;
	tlb_lose_flushes(&m->mmu, n, reasons);
	m->mmu.lost_flush.spec = m->mmu.events.inject_spec;
	return 0;
}
