/* The emulated CPU: Unicorn set-up, the kernel half, the page-table bank,
 * exception-latch calibration, and entry to user mode.
 *
 * Unicorn 2.0.1 facts used here (architecture.md):
 *  - register writes are raw (fact 2): CR0.PG, CR0.WP and CR4.PAE are set
 *    by hand, and without PAE the walker would silently use 32-bit paging;
 *  - there is no SYSCALL/NX (fact 5): user mode is entered with a real
 *    iretq from a CPL 0 stub, and `syscall` is caught by UC_HOOK_INSN;
 *  - RDTSC reads host time (fact 10): CR4.TSD makes it #GP at CPL 3, and
 *    the #GP handler answers from the virtual clock.
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

/* Calibration code (CPL 0): a write fault, then a read fault. */
#define CALIB_CODE_OFF 0x100
static const uint8_t calib_code[] = {
	0x48, 0xb8, 0,	  0,	0,    0,
	0,    0,    0,	  0,		    /* movabs rax, CALIB_PAGE */
	0xc6, 0x00, 0x01,		    /* mov byte [rax], 1 */
	0x8a, 0x98, 0x00, 0x10, 0x00, 0x00, /* mov bl, [rax + 0x1000] */
	0xf4,				    /* hlt (never reached) */
};

static int map_kernel(struct memu *m, char *err, size_t errlen)
{
	struct mmu *mmu = &m->mmu;
	m->kernel_pfn = frame_alloc_run(&mmu->ram, FRAME_KERNEL, KERNEL_PAGES);
	if (m->kernel_pfn == PFN_NONE) {
		snprintf(err, errlen, "no RAM for the kernel pages");
		return -1;
	}
	/* Identity translation (fact 1): the kernel pages must sit at their
	 * virtual addresses in Unicorn's map; back them by their frames. */
	if (uc_mem_map_ptr(m->uc, KERNEL_BASE, KERNEL_PAGES * PAGE_SIZE,
			   UC_PROT_ALL, mmu_pfn_host(mmu, m->kernel_pfn))) {
		snprintf(err, errlen, "cannot map the kernel half");
		return -1;
	}
	for (unsigned i = 0; i < KERNEL_PAGES; i++)
		if (pt_enter_kernel(m->proc.mm, KERNEL_BASE + i * PAGE_SIZE,
				    m->kernel_pfn + i)) {
			snprintf(err, errlen, "no page-table pages");
			return -1;
		}
	uint8_t *text = mmu_pfn_host(mmu, m->kernel_pfn);
	memcpy(text, stub_iretq, sizeof(stub_iretq));
	memcpy(text + CALIB_CODE_OFF, calib_code, sizeof(calib_code));
	uint64_t calib = CALIB_PAGE;
	memcpy(text + CALIB_CODE_OFF + 2, &calib, sizeof(calib));
	memcpy(mmu_pfn_host(mmu, m->kernel_pfn + 1), gdt, sizeof(gdt));
	return 0;
}

static void set_control_registers(struct memu *m)
{
	uc_engine *uc = m->uc;
	uint64_t cr0 = 0, cr4 = 0, cr3 = pt_root(m->proc.mm);
	uc_reg_read(uc, UC_X86_REG_CR0, &cr0);
	uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
	cr0 |= CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	cr4 |= CR4_PAE | CR4_TSD | CR4_OSFXSR | CR4_OSXMMEXCPT;
	uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
	uc_reg_write(uc, UC_X86_REG_CR3, &cr3);
	uc_reg_write(uc, UC_X86_REG_CR0, &cr0);
	uc_x86_mmr gdtr = {0, KERNEL_GDT, sizeof(gdt) - 1, 0};
	uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
}

/* ---- latch calibration */

struct calib_state {
	struct memu *m;
	uint64_t pfn;
	int stage;
	const char *failure;
};

static void calib_fault(uc_engine *uc, uint32_t intno, void *user)
{
	struct calib_state *c = user;
	struct latch *l = &c->m->latch;
	uint32_t want = c->stage == 0 ? 2 /* write, not present */ : 0;
	if (intno != 14) {
		c->failure = c->stage ? "the second fault was not a #PF (latch "
					"not cleared)"
				      : "the first fault was not a #PF";
		uc_emu_stop(uc);
		return;
	}
	if (c->stage == 0 && !latch_calibrate(l, uc, want)) {
		c->failure = l->failure;
		uc_emu_stop(uc);
		return;
	}
	uint32_t code = latch_clear(l, uc);
	if (code != want) {
		c->failure = "the #PF error code is not where it should be";
		uc_emu_stop(uc);
		return;
	}
	pt_enter_kernel(c->m->proc.mm, CALIB_PAGE + c->stage * PAGE_SIZE,
			c->pfn + c->stage);
	if (++c->stage == 2)
		uc_emu_stop(uc);
}

static int calibrate_latch(struct memu *m, char *err, size_t errlen)
{
	struct mmu *mmu = &m->mmu;
	struct calib_state c = {m, 0, 0, NULL};
	if (latch_prepare(&m->latch, m->uc)) {
		snprintf(err, errlen,
			 "unknown Unicorn context layout; need 2.0.1");
		return -1;
	}
	c.pfn = frame_alloc_run(&mmu->ram, FRAME_KERNEL, 2);
	uc_hook h;
	if (c.pfn == PFN_NONE ||
	    uc_mem_map_ptr(m->uc, CALIB_PAGE, 2 * PAGE_SIZE, UC_PROT_ALL,
			   mmu_pfn_host(mmu, c.pfn)) ||
	    uc_hook_add(m->uc, &h, UC_HOOK_INTR, (void *)calib_fault, &c, 1,
			0)) {
		snprintf(err, errlen, "cannot set up latch calibration");
		return -1;
	}
	uint64_t rsp = KERNEL_STACK_TOP - 64;
	uc_reg_write(m->uc, UC_X86_REG_RSP, &rsp);
	uc_err e = uc_emu_start(
		m->uc, KERNEL_TEXT + CALIB_CODE_OFF,
		KERNEL_TEXT + CALIB_CODE_OFF + sizeof(calib_code) - 1, 0, 0);
	uc_hook_del(m->uc, h);
	for (int i = 0; i < 2; i++)
		pt_clear(m->proc.mm, CALIB_PAGE + i * PAGE_SIZE);
	uc_mem_unmap(m->uc, CALIB_PAGE, 2 * PAGE_SIZE);
	mmu_free_frame(mmu, c.pfn);
	mmu_free_frame(mmu, c.pfn + 1);
	m->proc.mm->flush_pending = true;
	mm_flush_tlb(m->proc.mm);
	if (c.stage != 2 || c.failure) {
		snprintf(err, errlen,
			 "exception-latch calibration failed: %s (%s); this "
			 "build needs Unicorn 2.0.1",
			 c.failure ? c.failure : "faults did not arrive",
			 uc_strerror(e));
		return -1;
	}
	return 0;
}

int cpu_init(struct memu *m, char *err, size_t errlen)
{
	struct mmu *mmu = &m->mmu;
	/* The page-table bank sits at its physical address in Unicorn's map
	 * so the CPU's walker can read it (fact 1). */
	if (uc_mem_map_ptr(m->uc, PTBANK_BASE, mmu->phys.ptbank_size,
			   UC_PROT_READ | UC_PROT_WRITE,
			   phys_host(&mmu->phys, PTBANK_BASE))) {
		snprintf(err, errlen, "cannot map the page-table bank");
		return -1;
	}
	if (map_kernel(m, err, errlen))
		return -1;
	set_control_registers(m);
	return calibrate_latch(m, err, errlen);
}

/* Build the iretq frame: RIP, CS, RFLAGS, RSP, SS. */
void cpu_prepare_user_entry(struct memu *m)
{
	uint64_t frame[5] = {m->proc.entry, USER_CS, 0x202, m->proc.initial_rsp,
			     USER_SS};
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

static bool mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr,
			int size, int64_t value, void *user)
{
	(void)uc;
	(void)size;
	(void)value;
	struct memu *m = user;
	if (type == UC_MEM_FETCH_PROT)
		force_sig(m, 11, 2 /* SEGV_ACCERR */, addr, 0x14,
			  "execute of a non-executable mapping");
	else
		force_sig(m, 11, 1 /* SEGV_MAPERR */, addr, 0,
			  "no memory behind a present PTE");
	return false;
}

static bool insn_invalid(uc_engine *uc, void *user)
{
	uint64_t rip = 0;
	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	force_sig(user, 4 /* SIGILL */, 2 /* ILL_ILLOPN */, rip, 0,
		  "invalid instruction");
	return false;
}

int cpu_install_hooks(struct memu *m, char *err, size_t errlen)
{
	uc_hook h;
	uc_err e = uc_hook_add(m->uc, &h, UC_HOOK_INSN, (void *)handle_syscall,
			       m, 1, 0, UC_X86_INS_SYSCALL);
	if (!e)
		e = uc_hook_add(m->uc, &h, UC_HOOK_INTR,
				(void *)handle_exception, m, 1, 0);
	if (!e)
		e = uc_hook_add(m->uc, &h, UC_HOOK_MEM_INVALID,
				(void *)mem_invalid, m, 1, 0);
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
