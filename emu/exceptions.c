/* CPU exceptions from guest code, as UC_HOOK_INTR delivers them, and the
 * one table that turns a vector into Linux's signal, si_code and report
 * reason (arch/x86/kernel/traps.c).  Page faults never come here: in
 * virtual-TLB mode they are handled in the TLB-fill hook (tlb_miss.c).
 * Every exception that arrives clears the exception latch (latch.h).
 */
#include <signal.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "gdbstub.h"
#include "machine.h"

/* How Linux reports a vector to user space. */
struct trap {
	int sig, si_code;
	bool addr_is_ip; /* si_addr: the instruction, else 0 */
	const char *reason;
};

static const struct trap traps[] = {
	[0] = {SIGFPE, FPE_INTDIV, true, "divide error"},
	[1] = {SIGTRAP, TRAP_BRKPT, true, "debug trap (icebp)"},
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

/* Linux's fpu__exception_code(): the first unmasked exception raised. */
static int fpu_si_code(struct memu *m, unsigned vector)
{
	uint64_t err;
	if (vector == 16) {
		uint64_t swd = reg(m->uc, UC_X86_REG_FPSW);
		uint64_t cwd = reg(m->uc, UC_X86_REG_FPCW);
		err = swd & ~cwd;
	} else {
		uint64_t mxcsr = reg(m->uc, UC_X86_REG_MXCSR);
		err = ~(mxcsr >> 7) & mxcsr;
	}
	if (err & 0x001)
		return FPE_FLTINV;
	if (err & 0x004)
		return FPE_FLTDIV;
	if (err & 0x008)
		return FPE_FLTOVF;
	if (err & 0x012)
		return FPE_FLTUND;
	if (err & 0x020)
		return FPE_FLTRES;
	return 0;
}

void cpu_exception(struct memu *m, unsigned vector, uint32_t error_code)
{
	icount_settle(m); /* a fault's instruction did not retire */
	const struct trap *t = &unexpected;
	if (vector < sizeof(traps) / sizeof(traps[0]) && traps[vector].sig)
		t = &traps[vector];
	int code = t->si_code;
	if (vector == 16 || vector == 19)
		code = fpu_si_code(m, vector);
	uint64_t ip = reg(m->uc, UC_X86_REG_RIP);
	const struct sigframe_regs fr = {error_code, vector,
					 reg(m->uc, UC_X86_REG_CR2)};
	force_sig_fault(m, t->sig, code, t->addr_is_ip ? ip : 0, &fr,
			t->reason);
}

static bool is_int_n(struct memu *m, uint64_t at, uint32_t vector)
{
	uint8_t insn[2];
	return !copy_from_user(m->proc->mm, insn, at, 2) && insn[0] == 0xcd &&
	       insn[1] == vector;
}

/* Was this vector raised by `int N` (cd NN)?  Unicorn delivers software
 * interrupts with RIP after the instruction (at it for a few vectors),
 * faults with RIP at the faulting instruction; the latch tells only for
 * contributory exceptions (it is not set for benign ones such as #UD or
 * #MF), so the bytes decide.  *rip: the int instruction. */
static bool int_n(struct memu *m, uint32_t vector, uint64_t *rip)
{
	*rip = reg(m->uc, UC_X86_REG_RIP);
	if (*rip >= 2 && is_int_n(m, *rip - 2, vector)) {
		*rip -= 2;
		return true;
	}
	return is_int_n(m, *rip, vector);
}

/* int N from user mode.  Linux's IDT lets CPL 3 use only the int3 and
 * into gates; the IA32 syscall gate (0x80) exists only with
 * CONFIG_IA32_EMULATION, which memu's kernel does not model (see
 * docs/machine.md).  Any other vector is a #GP at the instruction, with
 * error code vector * 8 + 2 (an IDT entry). */
static void software_interrupt(struct memu *m, uint32_t vector, uint64_t rip)
{
	if (vector == 3 || vector == 4) {
		rip += 2; /* traps: after the instruction */
		uc_reg_write(m->uc, UC_X86_REG_RIP, &rip);
		cpu_exception(m, vector, 0);
		return;
	}
	uc_reg_write(m->uc, UC_X86_REG_RIP, &rip);
	cpu_exception(m, 13, vector * 8 + 2);
}

void invalid_opcode(struct memu *m)
{
	uint64_t rip;
	/* Unicorn reports int 6 (cd 06) as an invalid instruction. */
	if (int_n(m, 6, &rip)) {
		software_interrupt(m, 6, rip);
		return;
	}
	/* icebp (f1) is a debug trap after it, not #UD, on Linux. */
	uint8_t op = 0;
	if (!copy_from_user(m->proc->mm, &op, rip, 1) && op == 0xf1) {
		rip++;
		uc_reg_write(m->uc, UC_X86_REG_RIP, &rip);
		cpu_exception(m, 1, 0);
		return;
	}
	cpu_exception(m, 6, 0);
}

/* RDTSC/RDTSCP at CPL 3 raise #GP because of CR4.TSD. */
static bool emulate_rdtsc(struct memu *m)
{
	uint64_t rip = reg(m->uc, UC_X86_REG_RIP);
	uint8_t insn[3] = {0};
	if (copy_from_user(m->proc->mm, insn, rip, 2))
		return false;
	int len = 0;
	if (insn[0] == 0x0f && insn[1] == 0x31) {
		len = 2;
	} else if (insn[0] == 0x0f && insn[1] == 0x01 &&
		   !copy_from_user(m->proc->mm, insn, rip, 3) &&
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
	uint32_t code = 0;
	uint64_t rip;
	bool fault = latch_clear(&m->latch, m->uc, &code);
	if (m->probe.active) {
		uc_emu_stop(m->uc); /* fault_addr.c: the probe is over */
		return;
	}
	/* The end of a debugger's step (docs/gdb.md). */
	if (intno == 1 && m->gdb && gdb_debug_trap(m))
		return;
	if (!fault && int_n(m, intno, &rip))
		software_interrupt(m, intno, rip);
	else if (intno == 6)
		invalid_opcode(m);
	else if (!(intno == 13 && emulate_rdtsc(m)))
		cpu_exception(m, intno, code);
}
