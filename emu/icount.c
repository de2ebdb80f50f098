/* The guest's instruction count, exact while a trace is on
 * (docs/trace.md, "n and rip").
 *
 * Unicorn 2.1 counts no instructions of its own (uc_emu_start's count is
 * a code hook too) and its block hook gets a block's size in bytes, not
 * its instructions; nor does anything sync RIP inside a block, so the
 * block an event falls in would not say which of its instructions made
 * it.  So the trace uses UC_HOOK_CODE over user addresses: the translator
 * calls it before every instruction, with RIP synced to it.  Installed
 * only by memu_trace, before any user code is translated: with the trace
 * off no code calls it and nothing here runs.
 *
 * A hook call means the instruction started.  It retires unless it
 * faults: a page fault that ends in a signal, #GP, #UD, #DE and the like
 * leave RIP at the instruction, which runs again (or never); such an
 * instruction is uncounted when the CPU settles (icount_settle).  Traps
 * (int3, into, icebp) and emulated ones (rdtsc) leave RIP after it: they
 * retired.  The probe that finds a fault's address (fault_addr.c) runs
 * the faulting instruction once more; it is not counted.
 *
 * QEMU runs a REP string instruction one iteration at a time, each a
 * pass through the instruction that calls the hook again: an instruction
 * at the same address as the one before, when it is a REP string
 * instruction, is the same instruction going on.  (Nothing else runs the
 * same instruction twice in a row but a branch to itself, which is not
 * a string instruction, and an instruction that faulted, which
 * icount_settle has uncounted.)
 *
 * The counter also stops the guest at a count (memu_insn_limit,
 * memu_pause_at): the hook of the instruction after the last one to run
 * asks Unicorn to stop, and Unicorn checks for that request right after
 * the hook, before the instruction runs.
 */
#include <string.h>

#include "../mmu/mm.h"
#include "../mmu/pagetable.h"
#include "gdbstub.h"
#include "machine.h"

#define X86_MAX_INSN 15
#define NO_INSN	     UINT64_MAX

/* The code byte at va as the CPU fetches it, or -1: the page walk of a
 * fetch (which sets only A, set already by the fetch that ran the
 * instruction) and a physical read - no fault, no event. */
static int code_byte(struct memu *m, uint64_t va)
{
	struct pt_walk w;
	if (pt_walk(m->proc->mm, va, PT_FETCH, true, &w))
		return -1;
	uint8_t b;
	mmu_phys_read(&m->mmu, w.pa | (va & ~PAGE_MASK), &b, 1);
	return b;
}

/* REP or REPNE, then movs, cmps, stos, lods, scas, ins or outs. */
static bool rep_string(struct memu *m, uint64_t va)
{
	bool rep = false;
	for (int i = 0; i < X86_MAX_INSN; i++) {
		int b = code_byte(m, va + (uint64_t)i);
		if (b == 0xf2 || b == 0xf3)
			rep = true;
		else if (!(b == 0x66 || b == 0x67 || b == 0xf0 || b == 0x26 ||
			   b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
			   b == 0x65 || (b >= 0x40 && b <= 0x4f)))
			return rep && ((b >= 0xa4 && b <= 0xa7) ||
				       (b >= 0xaa && b <= 0xaf) ||
				       (b >= 0x6c && b <= 0x6f));
	}
	return false;
}

static void update_stop(struct icount *ic)
{
	ic->stop_at = UINT64_MAX;
	if (ic->limit_set)
		ic->stop_at = ic->limit;
	if (ic->pause_set && ic->pause < ic->stop_at)
		ic->stop_at = ic->pause;
}

bool icount_resumable(int stop)
{
	return stop == MEMU_STOP_PROBE || stop == MEMU_STOP_PAUSE;
}

/* Before instruction n + 1, n = stop_at: the limit or the pause. */
static void stop_here(struct memu *m, uint64_t address)
{
	struct icount *ic = &m->icount;
	bool limit = ic->limit_set && ic->n >= ic->limit;
	ic->in_insn = false; /* the one before has retired */
	if (!limit) {
		ic->pause_set = false; /* once */
		update_stop(ic);
	}
	if (m->stop && !icount_resumable(m->result.stop))
		return; /* already ended */
	memset(&m->result, 0, sizeof(m->result));
	m->result.stop = limit ? MEMU_STOP_LIMIT : MEMU_STOP_PAUSE;
	m->result.reason = limit ? "instruction limit" : NULL;
	m->result.rip = address;
	uc_reg_read(m->uc, UC_X86_REG_RSP, &m->result.rsp);
	m->stop = true;
	uc_emu_stop(m->uc);
}

static void count_insn(uc_engine *uc, uint64_t address, uint32_t size,
		       void *user)
{
	(void)uc;
	(void)size;
	struct memu *m = user;
	if (m->probe.active)
		return;
	if (address == m->icount.rip && rep_string(m, address)) {
		m->icount.in_insn = true; /* the next iteration */
		return;
	}
	if (m->icount.n == m->icount.gdb_at && gdb_arrive(m, address))
		return; /* it starts again: counted then */
	if (m->icount.n >= m->icount.stop_at) {
		stop_here(m, address);
		return;
	}
	if (m->inject.insns) {
		/* The one before has retired: n of them, the next not
		 * started (what an injection's event reports). */
		m->icount.in_insn = false;
		inject_insn(m, m->icount.n);
	}
	m->icount.n++;
	m->icount.rip = address;
	m->icount.in_insn = true;
}

int icount_start(struct memu *m)
{
	uc_hook h;
	if (uc_hook_add(m->uc, &h, UC_HOOK_CODE, (void *)count_insn, m, 0,
			USER_VA_END - 1))
		return -1;
	/* The translator asks for the hook as it translates: no user code
	 * has been yet (memu_trace comes before memu_load), so all of it
	 * will call the hook.  (No uc_ctl_flush_tb: in Unicorn 2.1.1 it
	 * touches the whole 1 GiB translation buffer, 0.2 s and 1 GiB of
	 * host memory.) */
	m->icount.on = true;
	m->icount.gdb_at = UINT64_MAX;
	update_stop(&m->icount);
	return 0;
}

int memu_count_instructions(struct memu *m)
{
	if (m->icount.on)
		return 0;
	if (m->loaded)
		return -1; /* code translated without the hook would not count
			    */
	return icount_start(m);
}

int memu_insn_limit(struct memu *m, uint64_t n)
{
	if (!m->icount.on)
		return -1;
	m->icount.limit_set = true;
	m->icount.limit = n;
	update_stop(&m->icount);
	return 0;
}

int memu_pause_at(struct memu *m, uint64_t n)
{
	if (!m->icount.on || n < memu_instructions(m))
		return -1;
	m->icount.pause_set = true;
	m->icount.pause = n;
	update_stop(&m->icount);
	return 0;
}

void icount_fetch(struct memu *m)
{
	m->icount.in_insn = false;
}

static uint64_t rip_now(struct memu *m)
{
	uint64_t rip = 0;
	uc_reg_read(m->uc, UC_X86_REG_RIP, &rip);
	return rip;
}

void icount_settle(struct memu *m)
{
	struct icount *ic = &m->icount;
	if (!ic->in_insn)
		return;
	if (rip_now(m) == ic->rip) {
		ic->n--;
		ic->rip = NO_INSN; /* it runs again as a new instruction */
	}
	ic->in_insn = false;
}

void icount_position(struct memu *m, uint64_t *n, uint64_t *rip)
{
	const struct icount *ic = &m->icount;
	if (ic->in_insn) {
		*n = ic->n - 1;
		*rip = ic->rip;
	} else {
		*n = ic->n;
		*rip = rip_now(m);
	}
}

uint64_t memu_instructions(struct memu *m)
{
	return m->icount.n - m->icount.in_insn;
}
