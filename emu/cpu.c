/* The emulated CPU: Unicorn set-up, the kernel half, the hooks, latch
 * calibration, and entry to user mode (docs/machine.md, "The CPU").
 *
 * Unicorn 2.1 runs in virtual-TLB mode: its own x86 page walker is off and
 * every TLB miss comes to tlb_miss.c, memu's MMU.  Facts used here:
 *  - register writes are raw: CR0.PG, CR0.WP and CR4.PAE are set by hand
 *    (the walker is memu's, but the CPU state should say what it models);
 *  - user mode is entered with a real iretq from a CPL 0 stub, and
 *    `syscall` is caught by UC_HOOK_INSN;
 *  - RDTSC reads host time: CR4.TSD makes it #GP at CPL 3, and the #GP
 *    handler answers from the virtual clock.
 */
#include <stdio.h>
#include <string.h>

#include "../mmu/pagetable.h"
#include "machine.h"

#define CR0_PE	       (1ULL << 0)
#define CR0_MP	       (1ULL << 1)
#define CR0_ET	       (1ULL << 4)
#define CR0_NE	       (1ULL << 5)
#define CR0_WP	       (1ULL << 16)
#define CR0_PG	       (1ULL << 31)
#define CR4_TSD	       (1ULL << 2)
#define CR4_PAE	       (1ULL << 5)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define MSR_EFER       0xc0000080u
#define EFER_SCE       (1ULL << 0)
#define EFER_NXE       (1ULL << 11)

/* GDT: Linux's selectors (__KERNEL_CS 0x10, __USER_DS 0x2b, __USER_CS
 * 0x33). */
static const uint64_t gdt[] = {
	0,
	0,
	0x00af9b000000ffffULL, /* 0x10 kernel code, 64-bit, DPL 0 */
	0x00cf93000000ffffULL, /* 0x18 kernel data */
	0x00cffb000000ffffULL, /* 0x20 user code, 32-bit (unused) */
	0x00cff3000000ffffULL, /* 0x28 user data, DPL 3 */
	0x00affb000000ffffULL, /* 0x30 user code, 64-bit, DPL 3 */
};

/* The entry stub: iretq to the frame the host built on the kernel stack. */
static const uint8_t stub_iretq[] = {0x48, 0xcf};

/* Calibration code (CPL 0): two #GP faults with distinct error codes (a
 * selector beyond the GDT loaded into DS faults with the selector as its
 * error code), then a stop. */
#define CALIB_CODE_OFF	0x100
#define CALIB_SEL_1	0x1234
#define CALIB_SEL_2	0x2344
#define CALIB_FAULT_LEN 2 /* mov ds, ax */
static const uint8_t calib_code[] = {
	0x66, 0xb8, 0x34, 0x12, /* mov ax, CALIB_SEL_1 */
	0x8e, 0xd8,		/* mov ds, ax: #GP(0x1234) */
	0x66, 0xb8, 0x44, 0x23, /* mov ax, CALIB_SEL_2 */
	0x8e, 0xd8,		/* mov ds, ax: #GP(0x2344) */
	0xf4,			/* hlt (never reached) */
};

static int map_kernel(struct memu *m, char *err, size_t errlen)
{
	struct mmu *mmu = &m->mmu;
	m->kernel_pfn = frame_alloc_run(&mmu->ram, FRAME_KERNEL, KERNEL_PAGES);
	if (m->kernel_pfn == PFN_NONE) {
		snprintf(err, errlen, "no RAM for the kernel pages");
		return -1;
	}
	for (unsigned i = 0; i < KERNEL_PAGES; i++)
		if (pt_enter_kernel(m->proc->mm, KERNEL_BASE + i * PAGE_SIZE,
				    m->kernel_pfn + i)) {
			snprintf(err, errlen, "no page-table pages");
			return -1;
		}
	uint8_t *text = mmu_pfn_host(mmu, m->kernel_pfn);
	memcpy(text, stub_iretq, sizeof(stub_iretq));
	memcpy(text + CALIB_CODE_OFF, calib_code, sizeof(calib_code));
	memcpy(mmu_pfn_host(mmu, m->kernel_pfn + 1), gdt, sizeof(gdt));
	return 0;
}

static void set_control_registers(struct memu *m)
{
	uc_engine *uc = m->uc;
	uint64_t cr0 = 0, cr4 = 0, cr3 = pt_root(m->proc->mm);
	uc_x86_msr efer = {MSR_EFER, 0};
	uc_reg_read(uc, UC_X86_REG_CR0, &cr0);
	uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
	uc_reg_read(uc, UC_X86_REG_MSR, &efer);
	cr0 |= CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	cr4 |= CR4_PAE | CR4_TSD | CR4_OSFXSR | CR4_OSXMMEXCPT;
	efer.value |= EFER_SCE | EFER_NXE;
	uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
	uc_reg_write(uc, UC_X86_REG_CR3, &cr3);
	uc_reg_write(uc, UC_X86_REG_CR0, &cr0);
	uc_reg_write(uc, UC_X86_REG_MSR, &efer);
	uc_x86_mmr gdtr = {0, KERNEL_GDT, sizeof(gdt) - 1, 0};
	uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
}

/* ---- latch calibration */

struct calib_state {
	struct memu *m;
	int stage;
	const char *failure;
};

static void calib_fault(uc_engine *uc, uint32_t intno, void *user)
{
	struct calib_state *c = user;
	struct latch *l = &c->m->latch;
	uint32_t want = c->stage == 0 ? CALIB_SEL_1 : CALIB_SEL_2;
	if (intno != 13) {
		c->failure = c->stage ? "the second fault was not a #GP (latch "
					"not cleared)"
				      : "the first fault was not a #GP";
		uc_emu_stop(uc);
		return;
	}
	if (c->stage == 0 && !latch_calibrate(l, uc, 13, want)) {
		c->failure = l->failure;
		uc_emu_stop(uc);
		return;
	}
	uint32_t code = 0;
	if (!latch_clear(l, uc, &code) || code != want) {
		c->failure = "the #GP error code is not where it should be";
		uc_emu_stop(uc);
		return;
	}
	uint64_t rip;
	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	rip += CALIB_FAULT_LEN;
	uc_reg_write(uc, UC_X86_REG_RIP, &rip);
	if (++c->stage == 2)
		uc_emu_stop(uc);
}

static int calibrate_latch(struct memu *m, char *err, size_t errlen)
{
	struct calib_state c = {m, 0, NULL};
	if (latch_prepare(&m->latch, m->uc)) {
		snprintf(err, errlen,
			 "unknown Unicorn context layout; need Unicorn 2.1");
		return -1;
	}
	uc_hook h;
	if (uc_hook_add(m->uc, &h, UC_HOOK_INTR, (void *)calib_fault, &c, 1,
			0)) {
		snprintf(err, errlen, "cannot set up latch calibration");
		return -1;
	}
	uint64_t rsp = KERNEL_STACK_TOP - 64;
	uc_reg_write(m->uc, UC_X86_REG_RSP, &rsp);
	uc_err e = uc_emu_start(m->uc, KERNEL_TEXT + CALIB_CODE_OFF, RUN_UNTIL,
				0, 0);
	uc_hook_del(m->uc, h);
	if (c.stage != 2 || c.failure) {
		snprintf(err, errlen,
			 "exception-latch calibration failed: %s (%s); this "
			 "build needs Unicorn 2.1",
			 c.failure ? c.failure : "faults did not arrive",
			 uc_strerror(e));
		return -1;
	}
	return 0;
}

int cpu_init(struct memu *m, char *err, size_t errlen)
{
	/* Virtual-TLB mode: every TLB miss asks tlb_miss.c. */
	uc_hook h;
	if (uc_ctl_tlb_mode(m->uc, UC_TLB_VIRTUAL) ||
	    uc_hook_add(m->uc, &h, UC_HOOK_TLB_FILL, (void *)tlb_miss, m, 1,
			0)) {
		snprintf(err, errlen,
			 "this Unicorn has no virtual-TLB mode; need 2.1");
		return -1;
	}
	if (map_kernel(m, err, errlen))
		return -1;
	set_control_registers(m);
	return 0;
}

/* Build the iretq frame: RIP, CS, RFLAGS, RSP, SS. */
void cpu_prepare_user_entry(struct memu *m)
{
	uint64_t frame[5] = {m->proc->entry, USER_CS, 0x202,
			     m->proc->initial_rsp, USER_SS};
	uint8_t *stack =
		mmu_pfn_host(&m->mmu, m->kernel_pfn + KERNEL_PAGES - 1);
	memcpy(stack + PAGE_SIZE - sizeof(frame), frame, sizeof(frame));
	uint64_t rsp = KERNEL_STACK_TOP - sizeof(frame), zero = 0;
	uc_reg_write(m->uc, UC_X86_REG_RSP, &rsp);
	int regs[] = {UC_X86_REG_RAX,	  UC_X86_REG_RBX,    UC_X86_REG_RCX,
		      UC_X86_REG_RDX,	  UC_X86_REG_RSI,    UC_X86_REG_RDI,
		      UC_X86_REG_RBP,	  UC_X86_REG_R8,     UC_X86_REG_R9,
		      UC_X86_REG_R10,	  UC_X86_REG_R11,    UC_X86_REG_R12,
		      UC_X86_REG_R13,	  UC_X86_REG_R14,    UC_X86_REG_R15,
		      UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE};
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		uc_reg_write(m->uc, regs[i], &zero);
	uint64_t rip = KERNEL_TEXT;
	uc_reg_write(m->uc, UC_X86_REG_RIP, &rip);
}

/* in/out at CPL 3 with IOPL 0 and no I/O bitmap is a #GP on x86; Unicorn
 * runs them through these hooks instead.  The hook sees RIP at the
 * instruction (QEMU syncs it for the I/O permission check). */
static void io_denied(struct memu *m)
{
	if (m->stop)
		return;
	uc_reg_read(m->uc, UC_X86_REG_RIP, &m->gp_rip);
	m->gp_pending = true;
	m->stop = true;
	uc_emu_stop(m->uc);
}

static uint32_t insn_in(uc_engine *uc, uint32_t port, int size, void *user)
{
	(void)uc;
	(void)port;
	(void)size;
	io_denied(user);
	return 0;
}

static void insn_out(uc_engine *uc, uint32_t port, int size, uint32_t value,
		     void *user)
{
	(void)uc;
	(void)port;
	(void)size;
	(void)value;
	io_denied(user);
}

static bool insn_invalid(uc_engine *uc, void *user)
{
	(void)uc;
	struct memu *m = user;
	m->insn_invalid = true;
	return false;
}

int cpu_start(struct memu *m, char *err, size_t errlen)
{
	if (bus_map(m, err, errlen) || calibrate_latch(m, err, errlen))
		return -1;
	uc_hook h;
	uc_err e = uc_hook_add(m->uc, &h, UC_HOOK_INSN, (void *)handle_syscall,
			       m, 1, 0, UC_X86_INS_SYSCALL);
	if (!e)
		e = uc_hook_add(m->uc, &h, UC_HOOK_INTR,
				(void *)handle_exception, m, 1, 0);
	if (!e)
		e = uc_hook_add(m->uc, &h, UC_HOOK_INSN, (void *)insn_in, m, 1,
				0, UC_X86_INS_IN);
	if (!e)
		e = uc_hook_add(m->uc, &h, UC_HOOK_INSN, (void *)insn_out, m, 1,
				0, UC_X86_INS_OUT);
	if (!e)
		e = uc_hook_add(m->uc, &h, UC_HOOK_INSN_INVALID,
				(void *)insn_invalid, m, 1, 0);
	if (e) {
		snprintf(err, errlen, "cannot install CPU hooks: %s",
			 uc_strerror(e));
		return -1;
	}
	return 0;
}
