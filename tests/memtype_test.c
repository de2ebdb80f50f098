/* The MTRR/PAT model (mmu/memtype.c): the effective-type table cell by
 * cell against Intel SDM Table 11-7, MTRR precedence, the registers'
 * #GP cases, the firmware layout; and busy ranges between holders
 * (mmu/memrange.c). */
#include <criterion/criterion.h>
#include <errno.h>

#include "mmu/memrange.h"
#include "mmu/memtype.h"

#define NT 6
static const enum mem_type pat_cols[NT] = {MT_UC, MT_UC_MINUS, MT_WC,
					   MT_WT, MT_WB,       MT_WP};
static const enum mem_type mtrr_rows[5] = {MT_UC, MT_WC, MT_WT, MT_WB, MT_WP};

/* SDM Table 11-7 (CR0.CD = 0), rows MTRR, columns PAT, as the SDM
 * gives it. */
static const enum mem_type sdm[5][NT] = {
	/* PAT:  UC     UC-    WC     WT     WB     WP */
	/*UC*/ {MT_UC, MT_UC, MT_WC, MT_UC, MT_UC, MT_UC},
	/*WC*/ {MT_UC, MT_WC, MT_WC, MT_UC, MT_WC, MT_UC},
	/*WT*/ {MT_UC, MT_UC, MT_WC, MT_WT, MT_WT, MT_WP},
	/*WB*/ {MT_UC, MT_UC, MT_WC, MT_WT, MT_WB, MT_WP},
	/*WP*/ {MT_UC, MT_WC, MT_WC, MT_WT, MT_WP, MT_WP},
};

Test(memtype, effective_type_matches_sdm_table_11_7_cell_by_cell)
{
	for (int r = 0; r < 5; r++)
		for (int c = 0; c < NT; c++)
			cr_assert_eq(effective_type(mtrr_rows[r], pat_cols[c]),
				     sdm[r][c], "MTRR %s x PAT %s",
				     mem_type_name(mtrr_rows[r]),
				     mem_type_name(pat_cols[c]));
}

static struct memtype t;

static void on(unsigned nvar)
{
	memtype_reset(&t, MTRR_ON, nvar, 40);
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRRDEFTYPE,
				   MTRR_DEF_E | MTRR_DEF_FE | MT_UC),
		     0);
}

static void var(unsigned k, uint64_t base, uint64_t len, enum mem_type type)
{
	uint64_t mask = (((1ULL << 40) - 1) & ~(len - 1) & ~0xfffULL) |
			MTRR_PHYSMASK_VALID;
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRRVARBASE + 2 * k, base | type),
		     0);
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRRVARBASE + 2 * k + 1, mask), 0);
}

Test(memtype, power_up_pat_selects_by_pat_pcd_pwt)
{
	on(8);
	/* PA0 WB, PA1 WT, PA2 UC-, PA3 UC, PA4..7 the same again;
	 * arguments: PAT, PCD, PWT */
	cr_assert_eq(pat_type_of(&t, false, false, false), MT_WB);
	cr_assert_eq(pat_type_of(&t, false, false, true), MT_WT);
	cr_assert_eq(pat_type_of(&t, false, true, false), MT_UC_MINUS);
	cr_assert_eq(pat_type_of(&t, false, true, true), MT_UC);
	cr_assert_eq(pat_type_of(&t, true, false, false), MT_WB);
	cr_assert_eq(memtype_wrmsr(&t, MSR_PAT, 0x0001040600070406ULL), 0);
	cr_assert_eq(pat_type_of(&t, true, true, true), MT_UC);
	cr_assert_eq(pat_type_of(&t, true, true, false), MT_WC);
}

Test(memtype, precedence_default_fixed_variable)
{
	on(8);
	cr_assert_eq(mtrr_type_of(&t, 0x200000), MT_UC, "default type");
	var(0, 0x0, 0x10000000, MT_WB);
	cr_assert_eq(mtrr_type_of(&t, 0x200000), MT_WB, "one match");
	cr_assert_eq(mtrr_type_of(&t, 0x10000000), MT_UC, "past the range");
	cr_assert_eq(mtrr_type_of(&t, 0x1000), MT_UC, "fixed ranges first");
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRR64K, 0x0606060606060606ULL), 0);
	cr_assert_eq(mtrr_type_of(&t, 0x1000), MT_WB);
	var(1, 0x8000000, 0x1000000, MT_UC);
	cr_assert_eq(mtrr_type_of(&t, 0x8000000), MT_UC, "UC wins an overlap");
	var(1, 0x8000000, 0x1000000, MT_WT);
	cr_assert_eq(mtrr_type_of(&t, 0x8000000), MT_WT, "WT beats WB");
	var(1, 0x8000000, 0x1000000, MT_WC);
	cr_assert_eq(mtrr_type_of(&t, 0x8000000), MT_UC, "undefined: UC");
	memtype_wrmsr(&t, MSR_MTRRDEFTYPE, MTRR_DEF_E | MT_UC);
	cr_assert_eq(mtrr_type_of(&t, 0x1000), MT_WB, "FE=0: variable rules");
	memtype_wrmsr(&t, MSR_MTRRDEFTYPE, MT_WB);
	cr_assert_eq(mtrr_type_of(&t, 0x200000), MT_UC, "E=0: all UC");
}

Test(memtype, reserved_types_and_bits_raise_gp)
{
	on(2);
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRRVARBASE, 0x2), -1);
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRRVARBASE, 7), -1);
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRRVARBASE, 1ULL << 45), -1);
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRR64K, 0x03), -1);
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRRDEFTYPE, 0x1000), -1);
	cr_assert_eq(memtype_wrmsr(&t, MSR_PAT, 0x02), -1);
	cr_assert_eq(memtype_wrmsr(&t, MSR_MTRRVARBASE + 4, 0), -1,
		     "only 2 variable ranges");
	uint64_t v;
	cr_assert_eq(memtype_rdmsr(&t, MSR_MTRRCAP, &v), 0);
	cr_assert_eq(v, 2 | MTRR_CAP_FIXED | MTRR_CAP_WC);
	memtype_reset(&t, MTRR_OFF, 8, 40);
	cr_assert_eq(memtype_rdmsr(&t, MSR_MTRRCAP, &v), -1, "no MTRRs");
	cr_assert_eq(mtrr_type_of(&t, 0), MT_WB, "page tables alone decide");
}

Test(memtype, firmware_layout)
{
	memtype_reset(&t, MTRR_ON, 8, 40);
	memtype_firmware(&t, 0x18000000 /* 384 MiB */, 0xf000000000ULL,
			 16 << 20);
	cr_assert_eq(mtrr_type_of(&t, 0x9f000), MT_WB, "low RAM");
	cr_assert_eq(mtrr_type_of(&t, 0xb8000), MT_UC, "VGA window");
	cr_assert_eq(mtrr_type_of(&t, 0xf0000), MT_UC, "ROM area");
	cr_assert_eq(mtrr_type_of(&t, 0x17fff000), MT_WB, "RAM: 256M + 128M");
	cr_assert_eq(mtrr_type_of(&t, 0x18000000), MT_UC, "above RAM");
	cr_assert_eq(mtrr_type_of(&t, 0xf000fff000ULL), MT_WB, "PT bank");
	cr_assert_eq(t.var_mask[3] & MTRR_PHYSMASK_VALID, 0, "3 ranges used");
	cr_assert_not(t.any_wp);
	memtype_reset(&t, MTRR_DISABLED, 8, 40);
	memtype_firmware(&t, 0x10000000, 0xf000000000ULL, 16 << 20);
	cr_assert_eq(mtrr_type_of(&t, 0x200000), MT_UC, "left disabled");
}

Test(memtype, write_protect_is_noticed)
{
	on(8);
	var(0, 0x100000, 0x100000, MT_WP);
	cr_assert(t.any_wp);
	cr_assert(memtype_write_protected(&t, 0x100000));
	cr_assert_not(memtype_write_protected(&t, 0x200000));
	var(0, 0x100000, 0x100000, MT_WB);
	cr_assert_not(t.any_wp);
}

/* ---- busy ranges between two holders (mmu/memrange.c directly: one
 * guest process cannot play both) */

static struct memrange mr;

static struct mem_range_desc range(uint64_t base, uint64_t len, int flags)
{
	struct mem_range_desc d = {base, len, flags, "t"};
	return d;
}

static void machine_with_mtrrs(void)
{
	memtype_reset(&t, MTRR_ON, 8, 40);
	memtype_firmware(&t, 0x10000000, 0xf000000000ULL, 16 << 20);
	memrange_init(&mr, &t);
	cr_assert_eq(mr.ndesc, 88 + 8);
}

Test(memtype, busy_range_is_only_its_holders)
{
	machine_with_mtrrs();
	const uint64_t base = 0x100000000ULL;
	struct mem_range_desc busy =
		range(base, 0x100000, MDF_UNCACHEABLE | MDF_BUSY);
	cr_assert_eq(memrange_set(&mr, &busy, MEMRANGE_SET_UPDATE, 1), 0);
	struct mem_range_desc wc = range(base, 0x100000, MDF_WRITECOMBINE);
	cr_assert_eq(memrange_set(&mr, &wc, MEMRANGE_SET_UPDATE, 2), -EBUSY,
		     "another holder cannot update it");
	struct mem_range_desc over = range(base, 0x200000, MDF_UNCACHEABLE);
	cr_assert_eq(memrange_set(&mr, &over, MEMRANGE_SET_UPDATE, 2), -EBUSY,
		     "nor overlap it");
	cr_assert_eq(memrange_set(&mr, &busy, MEMRANGE_SET_REMOVE, 2), -EBUSY,
		     "nor remove it");
	cr_assert_eq(mtrr_type_of(&t, base), MT_UC, "still UC");
	memrange_release(&mr, 1); /* the holder exits */
	cr_assert_eq(memrange_set(&mr, &wc, MEMRANGE_SET_UPDATE, 2), 0);
	cr_assert_eq(mtrr_type_of(&t, base), MT_WC);
}

Test(memtype, device_held_fixed_ranges_refuse_everyone)
{
	machine_with_mtrrs();
	memrange_hold(&mr, 0xb8000, 0x8000, "vga");
	struct mem_range_desc wc = range(0xb8000, 0x4000, MDF_WRITECOMBINE);
	cr_assert_eq(memrange_set(&mr, &wc, MEMRANGE_SET_UPDATE, 1), -EBUSY);
	cr_assert_eq(mtrr_type_of(&t, 0xb8000), MT_UC, "unchanged");
	struct mem_range_desc free_fixed =
		range(0xa0000, 0x4000, MDF_WRITECOMBINE);
	cr_assert_eq(memrange_set(&mr, &free_fixed, MEMRANGE_SET_UPDATE, 1), 0);
	cr_assert_eq(mtrr_type_of(&t, 0xa0000), MT_WC, "stored in MSR 0x259");
}
