/* The CPU's TLB-fill hook: memu's MMU on every TLB miss, and how a page
 * fault that ends in a signal stops the CPU (docs/machine.md, "The MMU").
 *
 * Unicorn 2.1 in virtual-TLB mode asks UC_HOOK_TLB_FILL for every miss of
 * its softmmu TLB, with the page's virtual address and the access type.
 * tlb_fill() (mmu/tlb.c) walks the page tables and handles a fault in
 * place; the hook returns the physical page and the rights.  When the
 * fault ends in a signal the hook returns false: Unicorn restores the CPU
 * to the faulting instruction and uc_emu_start returns UC_ERR_EXCEPTION,
 * and memu_run delivers the signal from there (fault_deliver) with the
 * error code and CR2 the hardware would have produced.
 */
#include <signal.h>
#include <string.h>

#include "../mmu/tlb.h"
#include "machine.h"

/* Bits 63:47 all equal: the address has a page walk at all. */
static bool canonical(uint64_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1ffff;
}

static enum pt_access access_of(uc_mem_type type)
{
	switch (type) {
	case UC_MEM_WRITE:
		return PT_WRITE;
	case UC_MEM_FETCH:
		return PT_FETCH;
	default:
		return PT_READ;
	}
}

bool tlb_miss(uc_engine *uc, uint64_t va, uc_mem_type type, uc_tlb_entry *e,
	      void *user)
{
	struct memu *m = user;
	enum pt_access access = access_of(type);
	if (m->probe.active)
		return fault_probe_fill(m, va, access, e);
	/* An event ended the run: touch nothing more, but for the window
	 * through which memu drops translated code (mmu/tlb.h), which it
	 * may open while the CPU stands still (a bit flip at a probe). */
	if (m->stop &&
	    (va != TLB_CODE_WINDOW || m->mmu.code_window_pfn == PFN_NONE))
		return false;
	/* The CPU fetches a new block: the instruction before it retired
	 * (the window page is memu's own lookup, not the CPU's fetch). */
	if (access == PT_FETCH && va != TLB_CODE_WINDOW)
		icount_fetch(m);
	if (m->inject.n && va != TLB_CODE_WINDOW)
		inject_access(m, va); /* an access trigger (inject.c) */
	if (!canonical(va)) {
		/* The CPU checks this before paging: #GP, no page fault. */
		m->fault = (struct pending_fault){
			true, true, va, access, 0, {0, 0, NULL, false}};
		return false;
	}
	/* The privilege of the access: CS's RPL.  Once the guest runs at
	 * CPL 3 nothing in memu ever returns to CPL 0, so one read of CS
	 * that says 3 is enough. */
	if (!m->cpl3) {
		uint64_t cs = 0;
		uc_reg_read(uc, UC_X86_REG_CS, &cs);
		m->cpl3 = (cs & 3) == 3;
	}
	struct tlb_fill f;
	bool ok = tlb_fill(m->proc->mm, va, access, m->cpl3, &f);
	vclock_advance_sys(&m->clock, f.faults * VCLOCK_FAULT_NS);
	/* A fault that took rights away elsewhere flushes now; the entry
	 * returned below is installed after the flush. */
	mm_flush_tlb_filling(m->proc->mm, va);
	if (!ok && !f.fault.sig) {
		/* Nothing to deliver, and no way on (a livelock). */
		m->result.stop = MEMU_STOP_ERROR;
		m->result.reason = f.fault.reason;
		m->stop = true;
		return false;
	}
	if (!ok) {
		m->fault = (struct pending_fault){true,	  false,   va,
						  access, f.error, f.fault};
		return false;
	}
	e->paddr = f.pa;
	e->perms = UC_PROT_READ | (f.writable ? UC_PROT_WRITE : 0) |
		   (f.exec ? UC_PROT_EXEC : 0);
	return true;
}

/* Within 128 bytes of RSP or RBP: memu's guess that an access used SS
 * (the hook does not see the segment; push, pop, call and [rbp+small]
 * are the usual cases); a non-canonical one is then #SS, else #GP. */
static bool near_stack(struct memu *m, uint64_t addr)
{
	uint64_t rsp = 0, rbp = 0;
	uc_reg_read(m->uc, UC_X86_REG_RSP, &rsp);
	uc_reg_read(m->uc, UC_X86_REG_RBP, &rbp);
	return addr - rsp + 128 <= 256 || addr - rbp + 128 <= 256;
}

void fault_deliver(struct memu *m)
{
	struct pending_fault *pf = &m->fault;
	pf->set = false;
	icount_settle(m); /* a data access's instruction did not retire */
	uint64_t addr = fault_address(m, pf->page, pf->access);
	if (pf->access == PT_FETCH && (pf->error & PF_USER) &&
	    emulate_vsyscall(m, addr))
		return;
	if (pf->noncanonical) {
		bool ss = pf->access != PT_FETCH && near_stack(m, addr);
		cpu_exception(m, ss ? 12 : 13, 0);
		return;
	}
	uc_reg_write(m->uc, UC_X86_REG_CR2, &addr);
	const struct sigframe_regs fr = {pf->error, 14 /* #PF */, addr};
	force_sig_fault(m, pf->out.sig, pf->out.si_code, addr, &fr,
			pf->out.reason);
}

void fetch_fault(struct memu *m, uint64_t va)
{
	uc_tlb_entry e;
	if (tlb_miss(m->uc, va & PAGE_MASK, UC_MEM_FETCH, &e, m))
		force_sig(m, SIGSEGV, SEGV_MAPERR, va, PF_USER | PF_INSTR,
			  "memu cannot run code at address 0");
	else
		fault_deliver(m);
}
