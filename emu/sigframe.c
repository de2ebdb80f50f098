/* The x86-64 signal frame, laid out as Linux 6.1 builds it
 * (arch/x86/kernel/signal.c): on the user stack, below the red zone (or at
 * the top of the alternate stack), the FPU state (fxsave format: memu's
 * CPU has no XSAVE) aligned to 64 bytes, then struct rt_sigframe - the
 * restorer's address, a ucontext whose uc_mcontext is struct sigcontext,
 * and the siginfo - with the stack pointer 16-byte aligned minus 8, as at
 * a function's entry (docs/signals.md).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "machine.h"

#define REDZONE		     128
#define FXSAVE_SIZE	     512
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4
#define EFLAGS_RESTORE_MASK  0x50dd5ULL /* Linux FIX_EFLAGS */
#define EFLAGS_TF	     0x100ULL

/* struct sigcontext (uapi asm/sigcontext.h), 64-bit. */
struct sigcontext64 {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct stack64 {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

struct ucontext64 {
	uint64_t uc_flags, uc_link;
	struct stack64 uc_stack;
	struct sigcontext64 uc_mcontext;
	uint64_t uc_sigmask;
};

struct rt_sigframe64 {
	uint64_t pretcode;
	struct ucontext64 uc;
	struct guest_siginfo info;
};

_Static_assert(sizeof(struct sigcontext64) == 256, "struct sigcontext");
_Static_assert(sizeof(struct ucontext64) == 304, "struct ucontext");
_Static_assert(sizeof(struct rt_sigframe64) == 440, "struct rt_sigframe");

/* The general registers, in sigcontext order. */
static const int gregs[] = {
	UC_X86_REG_R8,	UC_X86_REG_R9,	   UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13,	   UC_X86_REG_R14, UC_X86_REG_R15,
	UC_X86_REG_RDI, UC_X86_REG_RSI,	   UC_X86_REG_RBP, UC_X86_REG_RBX,
	UC_X86_REG_RDX, UC_X86_REG_RAX,	   UC_X86_REG_RCX, UC_X86_REG_RSP,
	UC_X86_REG_RIP, UC_X86_REG_RFLAGS,
};
#define NGREGS (sizeof(gregs) / sizeof(gregs[0]))

static uint64_t reg(struct memu *m, int id)
{
	uint64_t v = 0;
	uc_reg_read(m->uc, id, &v);
	return v;
}

static void set_reg(struct memu *m, int id, uint64_t v)
{
	uc_reg_write(m->uc, id, &v);
}

/* fxsave's image of the x87 and SSE state (Intel SDM vol. 1 10.5.1). */
static void fxsave(struct memu *m, uint8_t *fx)
{
	memset(fx, 0, FXSAVE_SIZE);
	uint16_t fcw = (uint16_t)reg(m, UC_X86_REG_FPCW);
	uint16_t fsw = (uint16_t)reg(m, UC_X86_REG_FPSW);
	uint16_t tag = (uint16_t)reg(m, UC_X86_REG_FPTAG);
	uint16_t fop = (uint16_t)reg(m, UC_X86_REG_FOP);
	uint64_t fip = reg(m, UC_X86_REG_FIP), fdp = reg(m, UC_X86_REG_FDP);
	uint32_t mxcsr = (uint32_t)reg(m, UC_X86_REG_MXCSR), mask = 0xffff;
	uint8_t abridged = 0; /* one bit a register: not empty */
	for (int i = 0; i < 8; i++)
		if (((tag >> (2 * i)) & 3) != 3)
			abridged |= (uint8_t)(1u << i);
	memcpy(fx + 0, &fcw, 2);
	memcpy(fx + 2, &fsw, 2);
	fx[4] = abridged;
	memcpy(fx + 6, &fop, 2);
	memcpy(fx + 8, &fip, 8);
	memcpy(fx + 16, &fdp, 8);
	memcpy(fx + 24, &mxcsr, 4);
	memcpy(fx + 28, &mask, 4);
	for (int i = 0; i < 8; i++) {
		uint8_t st[16] = {0};
		uc_reg_read(m->uc, UC_X86_REG_ST0 + i, st);
		memcpy(fx + 32 + 16 * i, st, 10);
	}
	for (int i = 0; i < 16; i++)
		uc_reg_read(m->uc, UC_X86_REG_XMM0 + i, fx + 160 + 16 * i);
}

static void fxrstor(struct memu *m, const uint8_t *fx)
{
	uint16_t fcw, fsw, fop;
	uint32_t mxcsr;
	memcpy(&fcw, fx + 0, 2);
	memcpy(&fsw, fx + 2, 2);
	memcpy(&fop, fx + 6, 2);
	memcpy(&mxcsr, fx + 24, 4);
	uint16_t tag = 0;
	for (int i = 0; i < 8; i++)
		if (!(fx[4] & (1u << i)))
			tag |= (uint16_t)(3u << (2 * i));
	set_reg(m, UC_X86_REG_FPCW, fcw);
	set_reg(m, UC_X86_REG_FPSW, fsw);
	set_reg(m, UC_X86_REG_FPTAG, tag);
	set_reg(m, UC_X86_REG_FOP, fop);
	/* Reserved MXCSR bits would #GP in fxrstor: Linux refuses them. */
	set_reg(m, UC_X86_REG_MXCSR, mxcsr & 0xffff);
	for (int i = 0; i < 8; i++) {
		uint8_t st[16] = {0};
		memcpy(st, fx + 32 + 16 * i, 10);
		uc_reg_write(m->uc, UC_X86_REG_ST0 + i, st);
	}
	for (int i = 0; i < 16; i++)
		uc_reg_write(m->uc, UC_X86_REG_XMM0 + i, fx + 160 + 16 * i);
}

static bool on_altstack(struct memu *m, uint64_t sp)
{
	return m->proc->altstack.size && sp > m->proc->altstack.sp &&
	       sp - m->proc->altstack.sp <= m->proc->altstack.size;
}

int setup_rt_frame(struct memu *m, int sig, const struct guest_siginfo *info,
		   const struct sigframe_regs *fr)
{
	const struct guest_sigaction *ka = &m->proc->sighand->action[sig];
	if (!(ka->flags & GUEST_SA_RESTORER))
		return -EFAULT; /* x86-64 has no stub in the kernel */
	uint64_t sp = reg(m, UC_X86_REG_RSP);
	uint64_t frame_sp = sp - REDZONE;
	if ((ka->flags & GUEST_SA_ONSTACK) && m->proc->altstack.size &&
	    !on_altstack(m, sp))
		frame_sp = m->proc->altstack.sp + m->proc->altstack.size;
	uint64_t fpstate = (frame_sp - FXSAVE_SIZE) & ~63ULL;
	uint64_t frame =
		((fpstate - sizeof(struct rt_sigframe64)) & ~15ULL) - 8;

	uint8_t fx[FXSAVE_SIZE];
	fxsave(m, fx);
	struct rt_sigframe64 f;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.uc_stack =
		(struct stack64){m->proc->altstack.sp,
				 !m->proc->altstack.size ? GUEST_SS_DISABLE
				 : on_altstack(m, sp)	 ? GUEST_SS_ONSTACK
							 : 0,
				 0, m->proc->altstack.size};
	uint64_t *g = &f.uc.uc_mcontext.r8;
	for (size_t i = 0; i < NGREGS; i++)
		g[i] = reg(m, gregs[i]);
	f.uc.uc_mcontext.cs = USER_CS;
	f.uc.uc_mcontext.ss = USER_SS;
	f.uc.uc_mcontext.err = fr->err;
	f.uc.uc_mcontext.trapno = fr->trapno;
	uint64_t mask =
		m->proc->restore_mask ? m->proc->saved_mask : m->proc->sigmask;
	f.uc.uc_mcontext.oldmask = mask;
	f.uc.uc_mcontext.cr2 = fr->cr2;
	f.uc.uc_mcontext.fpstate = fpstate;
	f.uc.uc_sigmask = mask;
	if (ka->flags & GUEST_SA_SIGINFO)
		f.info = *info;
	if (copy_to_user(m->proc->mm, fpstate, fx, sizeof(fx)) ||
	    copy_to_user(m->proc->mm, frame, &f, sizeof(f)))
		return -EFAULT;

	set_reg(m, UC_X86_REG_RDI, (uint64_t)sig);
	set_reg(m, UC_X86_REG_RAX, 0);
	set_reg(m, UC_X86_REG_RSI,
		frame + offsetof(struct rt_sigframe64, info));
	set_reg(m, UC_X86_REG_RDX, frame + offsetof(struct rt_sigframe64, uc));
	set_reg(m, UC_X86_REG_RSP, frame);
	set_reg(m, UC_X86_REG_RIP, ka->handler);
	/* The handler runs with DF and TF clear (Linux signal_setup_done). */
	set_reg(m, UC_X86_REG_RFLAGS,
		reg(m, UC_X86_REG_RFLAGS) & ~(EFLAGS_TF | 0x400ULL));
	return 0;
}

int restore_rt_frame(struct memu *m)
{
	uint64_t frame = reg(m, UC_X86_REG_RSP) - 8;
	struct rt_sigframe64 f;
	/* restore_sigcontext: an interrupted call's restart block is
	 * spent (restart_syscall returns EINTR). */
	m->proc->restart.fn = RESTART_NONE;
	if (copy_from_user(m->proc->mm, &f, frame, sizeof(f)))
		return -EFAULT;
	m->proc->sigmask = f.uc.uc_sigmask & ~GUEST_UNBLOCKABLE;
	const uint64_t *g = &f.uc.uc_mcontext.r8;
	for (size_t i = 0; i < NGREGS - 1; i++)
		set_reg(m, gregs[i], g[i]);
	uint64_t flags = reg(m, UC_X86_REG_RFLAGS);
	flags = (flags & ~EFLAGS_RESTORE_MASK) |
		(f.uc.uc_mcontext.eflags & EFLAGS_RESTORE_MASK);
	set_reg(m, UC_X86_REG_RFLAGS, flags);
	if (f.uc.uc_mcontext.fpstate) {
		uint8_t fx[FXSAVE_SIZE];
		if (copy_from_user(m->proc->mm, fx, f.uc.uc_mcontext.fpstate,
				   sizeof(fx)))
			return -EFAULT;
		fxrstor(m, fx);
	}
	/* restore_altstack: the saved stack_t, as sigaltstack would. */
	struct stack64 *ss = &f.uc.uc_stack;
	int mode = (int)((uint32_t)ss->flags & ~GUEST_SS_AUTODISARM);
	if (mode == GUEST_SS_DISABLE) {
		m->proc->altstack.sp = m->proc->altstack.size = 0;
	} else if (mode == 0 || mode == GUEST_SS_ONSTACK) {
		if (ss->size >= GUEST_MINSIGSTKSZ) {
			m->proc->altstack.sp = ss->sp;
			m->proc->altstack.size = ss->size;
		}
	}
	return 0;
}
