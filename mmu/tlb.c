#include "tlb.h"

#include <signal.h>
#include <unicorn/unicorn.h>

/* Linux's fault flags from the error code the walk produced. */
static unsigned fault_flags(uint32_t error)
{
	return ((error & PF_WRITE) ? FAULT_FLAG_WRITE : 0) |
	       ((error & PF_USER) ? FAULT_FLAG_USER : 0) |
	       ((error & PF_INSTR) ? FAULT_FLAG_INSTR : 0) |
	       ((error & PF_PROT) ? FAULT_FLAG_PROT : 0);
}

static void mark_code(struct mmu *m, uint64_t pa)
{
	struct frame *f = mmu_frame(m, pa >> PAGE_SHIFT);
	if (f)
		f->code = 1;
}

bool tlb_fill(struct mm *mm, uint64_t va, enum pt_access access, bool user,
	      struct tlb_fill *out)
{
	struct mmu *m = mm->mmu;
	out->faults = 0;
	out->error = 0;
	out->fault.sig = 0;
	if (va == TLB_CODE_WINDOW && m->code_window_pfn != PFN_NONE) {
		out->pa = m->code_window_pfn << PAGE_SHIFT;
		out->writable = false;
		out->exec = true;
		return true;
	}
	struct pt_walk w;
	/* A resolved fault makes the next walk succeed, or fault for a
	 * reason the handler turns into a signal (a fetch from a page that
	 * was just made present in a non-executable VMA, say); three walks
	 * are always enough, a fourth would be a handler that lies. */
	for (int tries = 0; tries < 3; tries++) {
		if (pt_walk(mm, va, access, user, &w) == 0) {
			out->pa = w.pa;
			out->writable = w.writable;
			out->exec = w.exec;
			if (w.exec)
				mark_code(m, w.pa);
			return true;
		}
		out->error = w.error;
		out->faults++;
		if (w.error & PF_RSVD) {
			out->fault = (struct fault_outcome){
				SIGSEGV, SEGV_MAPERR,
				"reserved bit set in a page-table entry"};
			return false;
		}
		handle_mm_fault(mm, va, fault_flags(w.error), &out->fault);
		if (out->fault.sig)
			return false;
	}
	out->fault = (struct fault_outcome){
		SIGKILL, 0, "the fault handler did not resolve the fault"};
	return false;
}

void tlb_flush(struct mmu *m, uint64_t reason)
{
	uc_ctl_flush_tlb(m->uc);
	struct event e = {EV_TLB_FLUSH, reason, 0, 0, 0};
	event_emit(&m->events, &e);
}

void code_invalidate(struct mmu *m, uint64_t pfn)
{
	struct frame *f = mmu_frame(m, pfn);
	if (!f || !f->code)
		return;
	f->code = 0;
	/* Unicorn drops translated code by virtual address, looking it up
	 * through the TLB: open the window page onto the frame, flush any
	 * stale entry for it, drop the code behind it, and flush again so
	 * that no entry for the window outlives this call (the guest could
	 * use it). */
	m->code_window_pfn = pfn;
	uc_ctl_flush_tlb(m->uc);
	uc_ctl_remove_cache(m->uc, TLB_CODE_WINDOW,
			    TLB_CODE_WINDOW + PAGE_SIZE);
	m->code_window_pfn = PFN_NONE;
	uc_ctl_flush_tlb(m->uc);
}
