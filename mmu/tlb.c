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

static void flush_all(struct mmu *m)
{
	uc_ctl_flush_tlb(m->uc);
	m->tlb_gen++;
	m->fills_since_flush = 0;
}

/* QEMU sizes its TLB (256 entries up to 1M) only when it is flushed,
 * doubling it when most entries were used.  memu flushes rarely, so a
 * guest whose working set outgrows the TLB would miss on most accesses for
 * good.  So after many fills without a flush, memu flushes to let the TLB
 * grow, as a hardware TLB loses entries to its capacity; each time it
 * waits twice as long, so that a working set the grown TLB holds is
 * refilled before the next one.  Not a flush the guest asked for: no
 * event, no statistic. */
#define FILLS_BEFORE_RESIZE 8192
#define RESIZE_STEPS_MAX    12

static void maybe_grow(struct mmu *m)
{
	if (++m->fills_since_flush < (uint64_t)FILLS_BEFORE_RESIZE
					     << m->resize_steps)
		return;
	if (m->resize_steps < RESIZE_STEPS_MAX)
		m->resize_steps++;
	flush_all(m);
}

/* Could the TLB hold an entry with these rights for f? */
static bool rights_live(struct mmu *m, struct frame *f, uint8_t rights)
{
	return f->tlb_gen == (uint16_t)m->tlb_gen && (f->tlb_rights & rights);
}

static void note_rights(struct mmu *m, struct frame *f, uint8_t rights)
{
	if (f->tlb_gen != (uint16_t)m->tlb_gen) {
		f->tlb_gen = (uint16_t)m->tlb_gen;
		f->tlb_rights = 0;
	}
	f->tlb_rights |= rights;
}

/* Translated code and writable entries of one frame at different virtual
 * addresses must never meet.  Unicorn notices a store to a page it has
 * code for only through the entry at the code's own virtual address (it
 * re-arms the slow store path by virtual address when it translates), so
 * a store through another alias would leave stale code running.  memu
 * keeps them apart: granting write drops the frame's code first, and
 * granting execute flushes any writable entry first.  A frame that is
 * only ever read and executed, or only read and written, costs nothing.
 * (A 16-bit generation may wrap into a false "live": one flush too many,
 * never one too few.) */
static void grant(struct mmu *m, uint64_t pa, bool writable, bool exec)
{
	struct frame *f = mmu_frame(m, pa >> PAGE_SHIFT);
	if (!f || !(writable || exec))
		return;
	if (writable && f->code)
		code_invalidate(m, pa >> PAGE_SHIFT);
	if (exec && rights_live(m, f, FRAME_TLB_W))
		flush_all(m);
	note_rights(m, f,
		    (writable ? FRAME_TLB_W : 0) | (exec ? FRAME_TLB_X : 0));
	if (exec)
		f->code = 1;
}

static uint8_t rights_of(bool writable, bool exec)
{
	return (uint8_t)(1u | (writable ? 2u : 0) | (exec ? 4u : 0));
}

static void give(struct mmu *m, uint64_t va, enum pt_access access, uint64_t pa,
		 bool writable, bool exec, struct tlb_fill *out)
{
	out->pa = pa;
	out->writable = writable;
	out->exec = exec;
	grant(m, pa, writable, exec);
	uint8_t rights = rights_of(writable, exec);
	struct event e = {EV_TLB_FILL, va, pa, access, rights};
	event_emit(&m->events, &e);
	lost_flush_note(&m->lost_flush, va, pa, rights);
}

/* After a lost flush: the CPU still holds the entry it had for va (see
 * lost_flush.h), if it allows the access. */
static bool stale_entry(struct mmu *m, uint64_t va, enum pt_access access,
			struct tlb_fill *out)
{
	static const uint8_t need[] = {
		[PT_READ] = 1, [PT_WRITE] = 2, [PT_FETCH] = 4};
	uint64_t pa;
	uint8_t rights;
	if (!lost_flush_lookup(&m->lost_flush, va, need[access], &pa, &rights))
		return false;
	give(m, va, access, pa, rights & 2, rights & 4, out);
	return true;
}

/* Consecutive failed retries of one fault, with an allocation failure
 * injected for ever (times -1), after which memu calls it the livelock
 * Linux would spin in (docs/inject.md). */
#define OOM_RETRIES_MAX 1000

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
	maybe_grow(m);
	if (stale_entry(m, va, access, out))
		return true;
	/* A resolved fault makes the next walk succeed, or fault for a
	 * reason the handler turns into a signal (a fetch from a page that
	 * was just made present in a non-executable VMA, say); three walks
	 * are always enough, a fourth would be a handler that lies.  A
	 * fault Linux retries (an injected allocation failure) is not a
	 * try: the CPU faults again, as long as the injection fails it. */
	unsigned retries = 0;
	for (int tries = 0; tries < 3; tries++) {
		if (pt_walk(mm, va, access, user, &w) == 0) {
			give(m, va, access, w.pa, w.writable, w.exec, out);
			return true;
		}
		out->error = w.error;
		out->faults++;
		if (w.error & PF_RSVD) {
			/* Linux's pgtable_bad: the task is killed. */
			out->fault = (struct fault_outcome){
				.sig = SIGKILL,
				.reason = "corrupted page table (reserved bit "
					  "set)"};
			return false;
		}
		handle_mm_fault(mm, va, fault_flags(w.error), &out->fault);
		if (out->fault.oom_retry) {
			if (fail_alloc_unbounded(&m->fail_alloc) &&
			    ++retries == OOM_RETRIES_MAX) {
				out->fault = (struct fault_outcome){
					.reason = "livelock: a page fault "
						  "retried 1000 times, its "
						  "allocation failed by "
						  "injection every time"};
				return false;
			}
			tries--;
			continue;
		}
		if (out->fault.sig)
			return false;
	}
	/* The handler found nothing to do, yet the walk faults again (an
	 * entry a bit flip bent: U or W cleared above the leaf, a write to
	 * an entry whose user bit is gone).  Linux returns to the
	 * instruction and takes the same fault for ever: a livelock. */
	out->fault = (struct fault_outcome){
		.reason = "livelock: a page fault the handler resolves, yet "
			  "the walk faults again"};
	return false;
}

void tlb_flush(struct mmu *m, uint64_t reason)
{
	if (lost_flush_take(&m->lost_flush, (unsigned)reason)) {
		struct event e = {EV_INJECT, m->lost_flush.spec,
				  INJECT_LOST_FLUSH, reason, 0};
		event_emit(&m->events, &e);
		return;
	}
	flush_all(m);
	lost_flush_done(&m->lost_flush);
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
	flush_all(m);
	uc_ctl_remove_cache(m->uc, TLB_CODE_WINDOW,
			    TLB_CODE_WINDOW + PAGE_SIZE);
	m->code_window_pfn = PFN_NONE;
	flush_all(m);
}

void tlb_switch_mm(struct mmu *m)
{
	flush_all(m);
	lost_flush_done(&m->lost_flush);
}

void tlb_lose_flushes(struct mmu *m, unsigned n, unsigned reasons)
{
	/* From now on memu must know every entry the CPU holds: start from
	 * an empty TLB (a flush nobody asked for: no event). */
	if (n && !m->lost_flush.recording)
		flush_all(m);
	lost_flush_arm(&m->lost_flush, n, reasons);
}
