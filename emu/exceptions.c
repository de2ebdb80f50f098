/* CPU exceptions from guest code, as UC_HOOK_INTR delivers them.
 *
 * #PF (14) is precise (architecture, fact 3): CR2 holds the address, RIP
 * the faulting instruction, and returning from the hook re-executes it.
 * Every handled exception clears the exception latch (fact 4).
 */
#include <signal.h>
#include <string.h>

#include "../mmu/fault.h"
#include "../mmu/uaccess.h"
#include "machine.h"

#define PF_P	(1u << 0)
#define PF_W	(1u << 1)
#define PF_U	(1u << 2)
#define PF_RSVD (1u << 3)

static uint64_t reg(uc_engine *uc, int id)
{
	uint64_t v = 0;
	uc_reg_read(uc, id, &v);
	return v;
}

static void page_fault(struct memu *m, uint32_t code)
{
	uint64_t addr = reg(m->uc, UC_X86_REG_CR2);
	vclock_advance(&m->clock, VCLOCK_FAULT_NS);
	if (code & PF_RSVD) {
		force_sig(m, SIGSEGV, SEGV_MAPERR, addr, code,
			  "reserved bit set in a page-table entry");
		return;
	}
	unsigned flags =
		FAULT_FLAG_USER | ((code & PF_W) ? FAULT_FLAG_WRITE : 0);
	struct fault_outcome out;
	handle_mm_fault(m->proc.mm, addr, flags, &out);
	mm_flush_tlb(m->proc.mm);
	if (out.sig)
		force_sig(m, out.sig, out.si_code, addr, code, out.reason);
}

/* RDTSC/RDTSCP at CPL 3 raise #GP because of CR4.TSD (fact 10). */
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

static void other_exception(struct memu *m, uint32_t intno)
{
	uint64_t rip = reg(m->uc, UC_X86_REG_RIP);
	switch (intno) {
	case 0:
		force_sig(m, SIGFPE, FPE_INTDIV, rip, 0, "divide error");
		break;
	case 1:
	case 3:
		force_sig(m, SIGTRAP, TRAP_BRKPT, rip, 0, "breakpoint");
		break;
	case 6:
		force_sig(m, SIGILL, ILL_ILLOPN, rip, 0, "invalid opcode");
		break;
	case 13:
		if (emulate_rdtsc(m))
			return;
		force_sig(m, SIGSEGV, SI_KERNEL, 0, 0,
			  "general protection (privileged instruction or "
			  "non-canonical address)");
		break;
	case 16:
	case 19:
		force_sig(m, SIGFPE, 0, rip, 0, "floating-point exception");
		break;
	case 17:
		force_sig(m, SIGBUS, BUS_ADRALN, rip, 0, "alignment check");
		break;
	case 8:
		force_sig(m, SIGKILL, 0, rip, 0,
			  "double fault: the exception latch was not cleared");
		break;
	default:
		force_sig(m, SIGSEGV, SI_KERNEL, 0, 0,
			  "unexpected interrupt or exception");
		break;
	}
}

void handle_exception(uc_engine *uc, uint32_t intno, void *user)
{
	(void)uc;
	struct memu *m = user;
	uint32_t code = latch_clear(&m->latch, m->uc);
	if (intno == 14)
		page_fault(m, code);
	else
		other_exception(m, intno);
}
