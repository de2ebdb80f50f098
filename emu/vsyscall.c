/* The legacy vsyscall page at 0xffffffffff600000, as Linux 6.1 serves it
 * by default (vsyscall=xonly, arch/x86/entry/vsyscall/vsyscall_64.c): the
 * page cannot be read, and a call into it is a fetch fault that the kernel
 * answers by running gettimeofday (+0x000), time (+0x400) or getcpu
 * (+0x800) and then a `ret` for the guest.  Any other address in the page,
 * an unreadable return address, or a bad pointer is SIGSEGV.
 */
#include <errno.h>
#include <signal.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

static uint64_t reg(struct memu *m, int id)
{
	uint64_t v = 0;
	uc_reg_read(m->uc, id, &v);
	return v;
}

static int64_t vgetcpu(struct memu *m, const uint64_t *a)
{
	uint32_t zero = 0; /* CPU 0 on node 0 */
	if ((a[0] && copy_to_user(m->proc->mm, a[0], &zero, sizeof(zero))) ||
	    (a[1] && copy_to_user(m->proc->mm, a[1], &zero, sizeof(zero))))
		return -EFAULT;
	return 0;
}

bool emulate_vsyscall(struct memu *m, uint64_t addr)
{
	if ((addr & PAGE_MASK) != VSYSCALL_ADDR)
		return false;
	uint64_t a[2] = {reg(m, UC_X86_REG_RDI), reg(m, UC_X86_REG_RSI)};
	uint64_t sp = reg(m, UC_X86_REG_RSP), caller;
	int64_t ret = -EFAULT;
	if (!copy_from_user(m->proc->mm, &caller, sp, sizeof(caller))) {
		switch (addr - VSYSCALL_ADDR) {
		case 0x000:
			ret = sys_gettimeofday(m, a);
			break;
		case 0x400:
			ret = sys_time(m, a);
			break;
		case 0x800:
			ret = vgetcpu(m, a);
			break;
		default:
			break; /* misaligned entry */
		}
	}
	if (ret == -EFAULT) {
		force_sig(m, SIGSEGV, SI_KERNEL, 0, 0,
			  "bad vsyscall (address, stack or pointer)");
		return true;
	}
	sp += 8;
	uc_reg_write(m->uc, UC_X86_REG_RAX, &ret);
	uc_reg_write(m->uc, UC_X86_REG_RIP, &caller);
	uc_reg_write(m->uc, UC_X86_REG_RSP, &sp);
	vclock_advance_sys(&m->clock, VCLOCK_SYSCALL_NS);
	return true;
}
