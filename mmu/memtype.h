/* Memory types: the x86 MTRRs and PAT, and the effective type of a page.
 *
 * A faithful model of the registers (Intel SDM vol. 3A ch. 11): IA32_MTRRCAP
 * (VCNT variable ranges, FIX, WC), IA32_MTRR_DEF_TYPE (E, FE, default
 * type), the 11 fixed-range registers covering the first MiB at 64K, 16K
 * and 4K granularity, the variable base/mask pairs, and IA32_PAT.  The
 * memory type of a physical address follows the SDM's precedence rules;
 * the effective type of a mapping combines it with the PAT entry that the
 * mapping's PAT, PCD and PWT bits select (SDM Table 11-7).  What those bits
 * are in a page-table entry is pagetable.c's business: callers pass them
 * decoded (struct pt_entry's pat, nocache, writethru).
 *
 * memu's CPU does not cache, so the types change no timing; they are
 * state that /dev/mem's MEMRANGE ioctls read and write, that the page-table
 * dump shows, and that write-protect (WP) ranges enforce.
 */
#ifndef MEMU_MMU_MEMTYPE_H
#define MEMU_MMU_MEMTYPE_H

#include <stdbool.h>
#include <stdint.h>

enum mem_type {
	MT_UC = 0,
	MT_WC = 1,
	MT_WT = 4,
	MT_WP = 5,
	MT_WB = 6,
	MT_UC_MINUS = 7, /* PAT only */
};

#define MSR_MTRRCAP	0x0fe
#define MSR_MTRRVARBASE 0x200
#define MSR_MTRR64K	0x250
#define MSR_MTRR16K	0x258
#define MSR_MTRR4K	0x268
#define MSR_PAT		0x277
#define MSR_MTRRDEFTYPE 0x2ff

#define MTRR_CAP_VCNT	    0xffULL
#define MTRR_CAP_FIXED	    0x100ULL
#define MTRR_CAP_WC	    0x400ULL
#define MTRR_DEF_TYPE	    0xffULL
#define MTRR_DEF_FE	    0x400ULL
#define MTRR_DEF_E	    0x800ULL
#define MTRR_PHYSMASK_VALID 0x800ULL

#define MTRR_VAR_MAX	32
#define MTRR_FIXED_REGS 11
#define MTRR_FIXED_TOP	0x100000ULL

enum mtrr_mode {
	MTRR_ON,       /* firmware set them up and enabled them */
	MTRR_DISABLED, /* the CPU has MTRRs, firmware left E clear */
	MTRR_OFF,      /* the CPU has none (no CPUID.MTRR) */
};

struct memtype {
	enum mtrr_mode mode;
	unsigned phys_bits;
	uint64_t cap;
	uint64_t def_type;
	uint64_t fixed[MTRR_FIXED_REGS]; /* 0x250, 0x258-9, 0x268-f */
	uint64_t var_base[MTRR_VAR_MAX], var_mask[MTRR_VAR_MAX];
	uint64_t pat;
	bool any_wp; /* some WP type is in force: writes need checking */
};

/* Power-up state for a CPU with nvar variable ranges (mode decides
 * whether it has MTRRs at all). */
void memtype_reset(struct memtype *t, enum mtrr_mode mode, unsigned nvar,
		   unsigned phys_bits);

/* RDMSR/WRMSR of the MTRR and PAT registers: 0, or -1 where the CPU
 * would raise #GP (no such MSR, a reserved type, reserved bits). */
int memtype_rdmsr(const struct memtype *t, uint32_t msr, uint64_t *value);
int memtype_wrmsr(struct memtype *t, uint32_t msr, uint64_t value);

/* The MTRR type of physical address pa (SDM 11.11.4.1).  Without MTRRs
 * at all the page tables alone decide: reported as WB. */
enum mem_type mtrr_type_of(const struct memtype *t, uint64_t pa);
/* The PAT entry that a mapping's PAT, PCD and PWT bits select: entry
 * 4 * PAT + 2 * PCD + PWT (SDM 11.12.3). */
enum mem_type pat_type_of(const struct memtype *t, bool pat, bool pcd,
			  bool pwt);
/* SDM Table 11-7: the effective type of MTRR type x PAT type. */
enum mem_type effective_type(enum mem_type mtrr, enum mem_type pat);
/* A 2-3 letter name: "UC", "UC-", "WC", "WT", "WP", "WB". */
const char *mem_type_name(enum mem_type type);

/* What a PC's firmware leaves: E and FE set, default UC; fixed ranges WB
 * for the 640 KiB of low RAM, UC for the VGA window and the ROM area;
 * variable ranges WB over RAM (as many power-of-two ranges as it takes
 * and as there are registers) and over the page-table bank. */
void memtype_firmware(struct memtype *t, uint64_t ram_top, uint64_t bank,
		      uint64_t bank_size);

/* True when writes to pa are refused: its MTRR type is WP. */
bool memtype_write_protected(const struct memtype *t, uint64_t pa);

#endif
