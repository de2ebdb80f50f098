#include "memtype.h"

#include <string.h>

/* Power-up PAT: PA0 WB, PA1 WT, PA2 UC-, PA3 UC, and again for 4-7. */
#define PAT_POWER_UP 0x0007040600070406ULL

static bool valid_type(uint64_t type, bool pat)
{
	return type == MT_UC || type == MT_WC || type == MT_WT ||
	       type == MT_WP || type == MT_WB || (pat && type == MT_UC_MINUS);
}

void memtype_reset(struct memtype *t, enum mtrr_mode mode, unsigned nvar,
		   unsigned phys_bits)
{
	memset(t, 0, sizeof(*t));
	t->mode = mode;
	t->phys_bits = phys_bits;
	if (nvar > MTRR_VAR_MAX)
		nvar = MTRR_VAR_MAX;
	t->cap = mode == MTRR_OFF ? 0 : (nvar | MTRR_CAP_FIXED | MTRR_CAP_WC);
	t->pat = PAT_POWER_UP;
}

static uint64_t physmask(const struct memtype *t)
{
	return ((1ULL << t->phys_bits) - 1) & ~0xfffULL;
}

static unsigned nvar(const struct memtype *t)
{
	return (unsigned)(t->cap & MTRR_CAP_VCNT);
}

/* The fixed register index for an MSR number, or -1. */
static int fixed_index(uint32_t msr)
{
	if (msr == MSR_MTRR64K)
		return 0;
	if (msr >= MSR_MTRR16K && msr <= MSR_MTRR16K + 1)
		return 1 + (int)(msr - MSR_MTRR16K);
	if (msr >= MSR_MTRR4K && msr <= MSR_MTRR4K + 7)
		return 3 + (int)(msr - MSR_MTRR4K);
	return -1;
}

static bool var_msr(const struct memtype *t, uint32_t msr, unsigned *k,
		    bool *is_mask)
{
	if (msr < MSR_MTRRVARBASE || msr >= MSR_MTRRVARBASE + 2 * nvar(t))
		return false;
	*k = (msr - MSR_MTRRVARBASE) / 2;
	*is_mask = (msr - MSR_MTRRVARBASE) & 1;
	return true;
}

int memtype_rdmsr(const struct memtype *t, uint32_t msr, uint64_t *value)
{
	unsigned k;
	bool is_mask;
	int f = fixed_index(msr);
	if (msr == MSR_PAT) {
		*value = t->pat;
		return 0;
	}
	if (t->mode == MTRR_OFF)
		return -1;
	if (msr == MSR_MTRRCAP)
		*value = t->cap;
	else if (msr == MSR_MTRRDEFTYPE)
		*value = t->def_type;
	else if (f >= 0)
		*value = t->fixed[f];
	else if (var_msr(t, msr, &k, &is_mask))
		*value = is_mask ? t->var_mask[k] : t->var_base[k];
	else
		return -1;
	return 0;
}

static bool fixed_value_ok(uint64_t v)
{
	for (int i = 0; i < 8; i++)
		if (!valid_type((v >> (8 * i)) & 0xff, false))
			return false;
	return true;
}

static void note_wp(struct memtype *t);

int memtype_wrmsr(struct memtype *t, uint32_t msr, uint64_t value)
{
	unsigned k;
	bool is_mask;
	int f = fixed_index(msr);
	if (msr == MSR_PAT) {
		for (int i = 0; i < 8; i++)
			if (!valid_type((value >> (8 * i)) & 0xff, true))
				return -1;
		t->pat = value;
		return 0;
	}
	if (t->mode == MTRR_OFF)
		return -1;
	if (msr == MSR_MTRRDEFTYPE) {
		if ((value & ~(MTRR_DEF_TYPE | MTRR_DEF_FE | MTRR_DEF_E)) ||
		    !valid_type(value & MTRR_DEF_TYPE, false))
			return -1;
		t->def_type = value;
	} else if (f >= 0) {
		if (!fixed_value_ok(value))
			return -1;
		t->fixed[f] = value;
	} else if (var_msr(t, msr, &k, &is_mask)) {
		uint64_t allowed =
			physmask(t) | (is_mask ? MTRR_PHYSMASK_VALID : 0xffULL);
		if ((value & ~allowed) ||
		    (!is_mask && !valid_type(value & 0xff, false)))
			return -1;
		if (is_mask)
			t->var_mask[k] = value;
		else
			t->var_base[k] = value;
	} else {
		return -1;
	}
	note_wp(t);
	return 0;
}

/* Type of pa from the fixed ranges (pa < 1 MiB). */
static enum mem_type fixed_type(const struct memtype *t, uint64_t pa)
{
	int reg, byte;
	if (pa < 0x80000) {
		reg = 0;
		byte = (int)(pa >> 16);
	} else if (pa < 0xc0000) {
		reg = 1 + (int)((pa - 0x80000) >> 17);
		byte = (int)(((pa - 0x80000) >> 14) & 7);
	} else {
		reg = 3 + (int)((pa - 0xc0000) >> 15);
		byte = (int)(((pa - 0xc0000) >> 12) & 7);
	}
	return (enum mem_type)((t->fixed[reg] >> (8 * byte)) & 0xff);
}

/* SDM 11.11.4.1: one match, or identical types; UC wins; WT beats WB;
 * anything else is undefined, taken as UC (as Linux does). */
static enum mem_type variable_type(const struct memtype *t, uint64_t pa,
				   bool *matched)
{
	enum mem_type type = MT_UC;
	*matched = false;
	for (unsigned k = 0; k < nvar(t); k++) {
		uint64_t mask = t->var_mask[k];
		if (!(mask & MTRR_PHYSMASK_VALID))
			continue;
		mask &= physmask(t);
		if ((pa & mask) != (t->var_base[k] & mask))
			continue;
		enum mem_type k_type = (enum mem_type)(t->var_base[k] & 0xff);
		if (!*matched || k_type == type) {
			type = k_type;
		} else if (type == MT_UC || k_type == MT_UC) {
			type = MT_UC;
		} else if ((type == MT_WT && k_type == MT_WB) ||
			   (type == MT_WB && k_type == MT_WT)) {
			type = MT_WT;
		} else {
			type = MT_UC;
		}
		*matched = true;
	}
	return type;
}

enum mem_type mtrr_type_of(const struct memtype *t, uint64_t pa)
{
	if (t->mode == MTRR_OFF)
		return MT_WB;
	if (!(t->def_type & MTRR_DEF_E))
		return MT_UC;
	if ((t->def_type & MTRR_DEF_FE) && (t->cap & MTRR_CAP_FIXED) &&
	    pa < MTRR_FIXED_TOP)
		return fixed_type(t, pa);
	bool matched;
	enum mem_type v = variable_type(t, pa, &matched);
	return matched ? v : (enum mem_type)(t->def_type & MTRR_DEF_TYPE);
}

enum mem_type pat_type_of(const struct memtype *t, bool pat, bool pcd, bool pwt)
{
	unsigned index = (pat ? 4u : 0u) | (pcd ? 2u : 0u) | (pwt ? 1u : 0u);
	return (enum mem_type)((t->pat >> (8 * index)) & 0xff);
}

enum mem_type effective_type(enum mem_type mtrr, enum mem_type pat)
{
	/* SDM Table 11-7, rows MTRR, columns PAT. */
	switch (pat) {
	case MT_UC:
		return MT_UC;
	case MT_WC:
		return MT_WC;
	case MT_UC_MINUS:
		return mtrr == MT_WC || mtrr == MT_WP ? MT_WC : MT_UC;
	case MT_WT:
		return mtrr == MT_UC || mtrr == MT_WC ? MT_UC : MT_WT;
	case MT_WP:
		return mtrr == MT_UC || mtrr == MT_WC ? MT_UC : MT_WP;
	case MT_WB:
		return mtrr;
	}
	return MT_UC;
}

const char *mem_type_name(enum mem_type type)
{
	switch (type) {
	case MT_UC:
		return "UC";
	case MT_WC:
		return "WC";
	case MT_WT:
		return "WT";
	case MT_WP:
		return "WP";
	case MT_WB:
		return "WB";
	case MT_UC_MINUS:
		return "UC-";
	}
	return "??";
}

/* Remember whether any register holds WP, so the write path can skip
 * the lookup when none does. */
static void note_wp(struct memtype *t)
{
	bool wp = (t->def_type & MTRR_DEF_TYPE) == MT_WP;
	for (int i = 0; i < MTRR_FIXED_REGS && !wp; i++)
		for (int b = 0; b < 8; b++)
			wp |= ((t->fixed[i] >> (8 * b)) & 0xff) == MT_WP;
	for (unsigned k = 0; k < nvar(t) && !wp; k++)
		wp = (t->var_mask[k] & MTRR_PHYSMASK_VALID) &&
		     (t->var_base[k] & 0xff) == MT_WP;
	t->any_wp = wp;
}

bool memtype_write_protected(const struct memtype *t, uint64_t pa)
{
	return t->any_wp && mtrr_type_of(t, pa) == MT_WP;
}

/* Cover [start, end) with naturally aligned power-of-two variable ranges,
 * largest first, from slot *k on. */
static void cover_wb(struct memtype *t, uint64_t start, uint64_t end,
		     unsigned *k)
{
	while (start < end && *k < nvar(t)) {
		uint64_t size = start ? start & -start : 1ULL << 62;
		while (size > end - start)
			size >>= 1;
		t->var_base[*k] = start | MT_WB;
		t->var_mask[*k] =
			(physmask(t) & ~(size - 1)) | MTRR_PHYSMASK_VALID;
		(*k)++;
		start += size;
	}
}

void memtype_firmware(struct memtype *t, uint64_t ram_top, uint64_t bank,
		      uint64_t bank_size)
{
	if (t->mode == MTRR_OFF)
		return;
	const uint64_t wb8 = 0x0606060606060606ULL;
	t->fixed[0] = wb8; /* 0x00000-0x7ffff */
	t->fixed[1] = wb8; /* 0x80000-0x9ffff */
	t->fixed[2] = 0;   /* 0xa0000-0xbffff: the VGA window, UC */
	for (int i = 3; i < MTRR_FIXED_REGS; i++)
		t->fixed[i] = 0; /* 0xc0000-0xfffff: ROM area, UC */
	unsigned k = 0;
	cover_wb(t, 0, ram_top, &k);
	cover_wb(t, bank, bank + bank_size, &k);
	t->def_type =
		MT_UC | MTRR_DEF_FE | (t->mode == MTRR_ON ? MTRR_DEF_E : 0);
	note_wp(t);
}
