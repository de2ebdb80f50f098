/* The exact address of a page fault: CR2 and si_addr.
 *
 * What: Unicorn 2.1 gives UC_HOOK_TLB_FILL the faulting virtual address
 * masked to its page (qemu/softmmu/unicorn_vtlb.c passes `address &
 * TARGET_PAGE_MASK`); the byte address it records for itself
 * (uc_struct.invalid_addr) is private.  Linux reports the byte.
 *
 * How: a fault that ends in a signal leaves the CPU stopped at the
 * faulting instruction with its state restored (docs/machine.md, "The
 * MMU").  memu saves that state, runs from that instruction again in
 * probe mode, and restores the state: in probe mode tlb_miss() sends the
 * faulting page to a probe I/O page and every other data page to a sink
 * page (reads give 0, writes vanish), so nothing in memory changes; the
 * probe page records the first offset touched there - by the faulting
 * instruction, the first to run - and stops the CPU.  Syscalls and
 * exceptions in probe mode stop it too, and the probe runs with the trap
 * flag (RFLAGS.TF) set, so the CPU's single-step #DB stops it after that
 * one instruction even if it never touches the page; a string
 * instruction that only ever reaches the sink is stopped after
 * PROBE_SINK_MAX accesses.  No host timeout: Unicorn makes and joins a
 * thread for every run with one, which cost 90 microseconds a signal.
 * Instruction fetches go to the real pages; a fetch fault needs no probe (the
 * address is RIP when RIP lies in the page, else the page's first byte: an
 * instruction crossing into it). The cost, about a retranslation, is paid only
 * by faults that end in a signal.
 *
 * Verified by: the guest tests that assert si_addr to the byte (mm_test,
 * memrange_test) and the CPU battery in robustness_test, run natively and
 * under memu.
 */
#include <string.h>

#include "machine.h"

/* Sink accesses a probe may make before it is stopped (then the page's
 * first byte is reported): a bound on a REP string instruction whose
 * count is huge.  Translated code and registers are unaffected either
 * way. */
#define PROBE_SINK_MAX 65536
#define RFLAGS_TF      0x100

static uint64_t probe_read(uc_engine *uc, uint64_t offset, unsigned size,
			   void *opaque)
{
	(void)size;
	struct memu *m = opaque;
	if (!m->probe.active)
		return ~0ULL; /* like unclaimed bus */
	if (offset < PAGE_SIZE && m->probe.offset < 0) {
		m->probe.offset = (int64_t)offset;
		uc_emu_stop(uc); /* the rest of the block runs on the sink */
	} else if (offset >= PAGE_SIZE && ++m->probe.sink > PROBE_SINK_MAX) {
		uc_emu_stop(uc);
	}
	return 0;
}

static void probe_write(uc_engine *uc, uint64_t offset, unsigned size,
			uint64_t value, void *opaque)
{
	(void)value;
	probe_read(uc, offset, size, opaque);
}

int fault_probe_map(struct memu *m)
{
	if (uc_context_alloc(m->uc, &m->probe.saved))
		return -1;
	return uc_mmio_map(m->uc, PROBE_PA, 2 * PAGE_SIZE, probe_read, m,
			   probe_write, m)
		       ? -1
		       : 0;
}

void fault_probe_unmap(struct memu *m)
{
	if (m->probe.saved)
		uc_context_free(m->probe.saved);
	m->probe.saved = NULL;
}

bool fault_probe_fill(struct memu *m, uint64_t va, enum pt_access access,
		      uc_tlb_entry *e)
{
	if (access == PT_FETCH) {
		struct pt_walk w;
		if (pt_walk(m->proc->mm, va, PT_FETCH, true, &w))
			return false;
		e->paddr = w.pa;
		e->perms = UC_PROT_READ | UC_PROT_EXEC;
		return true;
	}
	e->paddr = va == m->probe.page ? PROBE_PA : PROBE_PA + PAGE_SIZE;
	e->perms = UC_PROT_READ | UC_PROT_WRITE;
	return true;
}

uint64_t fault_address(struct memu *m, uint64_t page, enum pt_access access)
{
	uint64_t rip = 0;
	uc_reg_read(m->uc, UC_X86_REG_RIP, &rip);
	if (access == PT_FETCH)
		return (rip & PAGE_MASK) == page ? rip : page;
	if (!m->probe.saved || uc_context_save(m->uc, m->probe.saved))
		return page;
	m->probe.active = true;
	m->probe.page = page;
	m->probe.offset = -1;
	m->probe.sink = 0;
	uc_ctl_flush_tlb(m->uc);
	/* No instruction count (removing Unicorn's counting hook flushes
	 * all translated code) and no timeout (a thread a run): the probe
	 * page's first access stops the CPU, and the single-step trap
	 * after one instruction does if nothing else has. */
	uint64_t rflags = 0;
	uc_reg_read(m->uc, UC_X86_REG_RFLAGS, &rflags);
	rflags |= RFLAGS_TF;
	uc_reg_write(m->uc, UC_X86_REG_RFLAGS, &rflags);
	uc_emu_start(m->uc, rip, RUN_UNTIL, 0, 0);
	m->probe.active = false;
	uc_context_restore(m->uc, m->probe.saved);
	uc_ctl_flush_tlb(m->uc);
	return m->probe.offset >= 0 ? page + (uint64_t)m->probe.offset : page;
}
