/* CPU exceptions from guest code, as UC_HOOK_INTR delivers them, and the
 * one table that turns a vector into Linux's signal, si_code and report
 * reason (arch/x86/kernel/traps.c).  Page faults never come here: in
 * virtual-TLB mode they are handled in the TLB-fill hook (tlb_miss.c).
 * Every exception that arrives clears the exception latch (latch.h).
 */
#include <signal.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "machine.h"

/* How Linux reports a vector to user space. */
struct trap {
	int sig, si_code;
	bool addr_is_ip; /* si_addr: the instruction, else 0 */
	const char *reason;
};

static const struct trap traps[] = {
	[0] = {SIGFPE, FPE_INTDIV, true, "divide error"},
	[1] = {SIGTRAP, TRAP_BRKPT, true, "debug trap"},
	[3] = {SIGTRAP, SI_KERNEL, false, "breakpoint (int3)"},
	[4] = {SIGSEGV, SI_KERNEL, false, "overflow (into)"},
	[5] = {SIGSEGV, SI_KERNEL, false, "bounds"},
	[6] = {SIGILL, ILL_ILLOPN, true, "invalid opcode"},
	[7] = {SIGSEGV, SI_KERNEL, false, "device not available"},
	[8] = {SIGKILL, 0, false,
	       "double fault: the exception latch was not cleared"},
	[10] = {SIGSEGV, SI_KERNEL, false, "invalid TSS"},
	[11] = {SIGBUS, SI_KERNEL, false, "segment not present"},
	[12] = {SIGBUS, SI_KERNEL, false, "stack segment"},
	[13] = {SIGSEGV, SI_KERNEL, false,
		"general protection (privileged instruction or "
		"non-canonical address)"},
	[16] = {SIGFPE, 0, true, "floating-point exception"},
	[17] = {SIGBUS, BUS_ADRALN, false, "alignment check"},
	[19] = {SIGFPE, 0, true, "SIMD floating-point exception"},
};

static const struct trap unexpected = {SIGSEGV, SI_KERNEL, false,
				       "unexpected interrupt or exception"};

static uint64_t reg(uc_engine *uc, int id)
{
	uint64_t v = 0;
	uc_reg_read(uc, id, &v);
	return v;
}

void cpu_exception(struct memu *m, unsigned vector, uint32_t error_code)
{
	const struct trap *t = &unexpected;
	if (vector < sizeof(traps) / sizeof(traps[0]) && traps[vector].sig)
		t = &traps[vector];
	uint64_t ip = reg(m->uc, UC_X86_REG_RIP);
	force_sig(m, t->sig, t->si_code, t->addr_is_ip ? ip : 0, error_code,
		  t->reason);
}

/* RDTSC/RDTSCP at CPL 3 raise #GP because of CR4.TSD. */
static bool emulate_rdtsc(struct memu *m)
{
	uint64_t rip = reg(m->uc, UC_X86_REG_RIP);
	uint8_t insn[3] = {0};
	if (copy_from_user(m->proc.mm, insn, rip, 2))
		return false;
	int len = 0;
	if (insn[0] == 0x0f && insn[1] == 0x31) {
		len = 2;
	} else if (insn[0] == 0x0f && insn[1] == 0x01 &&
		   !copy_from_user(m->proc.mm, insn, rip, 3) &&
		   insn[2] == 0xf9) {
		uint64_t zero = 0; /* TSC_AUX: CPU 0 */
		uc_reg_write(m->uc, UC_X86_REG_RCX, &zero);
		len = 3;
	} else {
		return false;
	}
	uint64_t tsc = m->clock.ns, lo = tsc & 0xffffffff, hi = tsc >> 32;
	uc_reg_write(m->uc, UC_X86_REG_RAX, &lo);
	uc_reg_write(m->uc, UC_X86_REG_RDX, &hi);
	rip += (uint64_t)len;
	uc_reg_write(m->uc, UC_X86_REG_RIP, &rip);
	vclock_advance(&m->clock, 1);
	return true;
}

void handle_exception(uc_engine *uc, uint32_t intno, void *user)
{
	(void)uc;
	struct memu *m = user;
	uint32_t code = latch_clear(&m->latch, m->uc);
	if (m->probe.active) {
		uc_emu_stop(m->uc); /* fault_addr.c: the probe is over */
		return;
	}
	if (intno == 13 && emulate_rdtsc(m))
		return;
	cpu_exception(m, intno, code);
}
