#include "memrange.h"

#include <errno.h>
#include <string.h>

#define MR_NDESC_MAX (MEMRANGE_FIXED + MTRR_VAR_MAX)

static const struct {
	int flag;
	enum mem_type type;
} types[] = {
	{MDF_UNCACHEABLE, MT_UC},  {MDF_WRITECOMBINE, MT_WC},
	{MDF_WRITETHROUGH, MT_WT}, {MDF_WRITEPROTECT, MT_WP},
	{MDF_WRITEBACK, MT_WB},
};

/* x86_mtrr2mrt: hardware type to attribute flag. */
static int mtrr2mrt(uint64_t type)
{
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].flag;
	return MDF_UNKNOWN;
}

/* x86_mtrrtype: the attribute bits must be exactly one type, or -1. */
static int mtrrtype(int flags)
{
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if ((flags & MDF_ATTRMASK) == types[i].flag)
			return types[i].type;
	return -1;
}

static uint64_t mrt2mtrr(int flags, uint64_t old)
{
	int t = mtrrtype(flags);
	return t < 0 ? old : (uint64_t)t;
}

static int nvar(const struct memrange *mr)
{
	return (int)(mr->hw->cap & MTRR_CAP_VCNT);
}

static int first_var(const struct memrange *mr)
{
	return mr->fixmtrr ? MEMRANGE_FIXED : 0;
}

/* Fixed descriptor i: its MSR register index and byte. */
static void fixed_slot(int i, int *reg, int *byte)
{
	if (i < 8) {
		*reg = 0;
		*byte = i;
	} else if (i < 24) {
		*reg = 1 + (i - 8) / 8;
		*byte = (i - 8) % 8;
	} else {
		*reg = 3 + (i - 24) / 8;
		*byte = (i - 24) % 8;
	}
}

static bool mrvalid(uint64_t base, uint64_t len)
{
	return !(base & 0xfff) && len >= 0x1000 && !(len & (len - 1)) &&
	       !(base & (len - 1));
}

static void set_owner(struct mem_range_desc *d, const char *owner)
{
	memset(d->mr_owner, 0, sizeof(d->mr_owner));
	strncpy(d->mr_owner, owner, sizeof(d->mr_owner) - 1);
}

/* x86_mrfetch: read the registers into the descriptors. */
static void fetch(struct memrange *mr)
{
	struct mem_range_desc *d = mr->desc;
	if (mr->fixmtrr) {
		for (int i = 0; i < MEMRANGE_FIXED; i++, d++) {
			int reg, byte;
			fixed_slot(i, &reg, &byte);
			uint64_t t = (mr->hw->fixed[reg] >> (8 * byte)) & 0xff;
			d->mr_flags = (d->mr_flags & ~MDF_ATTRMASK) |
				      mtrr2mrt(t) | MDF_ACTIVE;
			if (!d->mr_owner[0])
				set_owner(d, "BIOS");
		}
	}
	for (int k = 0; k < nvar(mr); k++, d++) {
		uint64_t base = mr->hw->var_base[k], mask = mr->hw->var_mask[k];
		d->mr_flags =
			(d->mr_flags & ~MDF_ATTRMASK) | mtrr2mrt(base & 0xff);
		d->mr_base = base & mr->physmask;
		if (mask & MTRR_PHYSMASK_VALID)
			d->mr_flags |= MDF_ACTIVE;
		else
			d->mr_flags &= ~MDF_ACTIVE;
		d->mr_len =
			(~(mask & mr->physmask) & (mr->physmask | 0xfff)) + 1;
		if (!mrvalid(d->mr_base, d->mr_len))
			d->mr_flags |= MDF_BOGUS;
		if ((d->mr_flags & MDF_ACTIVE) && !d->mr_owner[0])
			set_owner(d, "BIOS");
	}
}

/* x86_mrstore: rewrite every register from the descriptors. */
static void store(struct memrange *mr)
{
	struct memtype *hw = mr->hw;
	uint64_t def = hw->def_type;
	memtype_wrmsr(hw, MSR_MTRRDEFTYPE, def & ~MTRR_DEF_E);
	struct mem_range_desc *d = mr->desc;
	if (mr->fixmtrr) {
		for (int i = 0; i < MEMRANGE_FIXED; i++) {
			int reg, byte;
			fixed_slot(i, &reg, &byte);
			uint64_t old = (hw->fixed[reg] >> (8 * byte)) & 0xff;
			uint64_t t = mrt2mtrr(d[i].mr_flags, old);
			hw->fixed[reg] =
				(hw->fixed[reg] & ~(0xffULL << (8 * byte))) |
				(t << (8 * byte));
		}
		d += MEMRANGE_FIXED;
	}
	for (int k = 0; k < nvar(mr); k++, d++) {
		uint64_t base = 0, mask = 0;
		if (d->mr_flags & MDF_ACTIVE) {
			base = (d->mr_base & mr->physmask) |
			       mrt2mtrr(d->mr_flags, hw->var_base[k] & 0xff);
			mask = MTRR_PHYSMASK_VALID |
			       (mr->physmask & ~(d->mr_len - 1));
		}
		hw->var_base[k] = base;
		hw->var_mask[k] = mask;
	}
	memtype_wrmsr(hw, MSR_MTRRDEFTYPE, def);
}

void memrange_init(struct memrange *mr, struct memtype *hw)
{
	memset(mr, 0, sizeof(*mr));
	mr->hw = hw;
	if (hw->mode == MTRR_OFF)
		return;
	mr->backend = 1;
	if (!(hw->def_type & MTRR_DEF_E))
		return;
	mr->physmask = ((1ULL << hw->phys_bits) - 1) & ~0xfffULL;
	mr->ndesc = nvar(mr);
	if ((hw->cap & MTRR_CAP_FIXED) && (hw->def_type & MTRR_DEF_FE)) {
		mr->fixmtrr = 1;
		mr->ndesc += MEMRANGE_FIXED;
		for (int i = 0; i < MEMRANGE_FIXED; i++) {
			struct mem_range_desc *d = &mr->desc[i];
			if (i < 8) {
				d->mr_base = (uint64_t)i * 0x10000;
				d->mr_len = 0x10000;
			} else if (i < 24) {
				d->mr_base =
					0x80000 + (uint64_t)(i - 8) * 0x4000;
				d->mr_len = 0x4000;
			} else {
				d->mr_base =
					0xc0000 + (uint64_t)(i - 24) * 0x1000;
				d->mr_len = 0x1000;
			}
			d->mr_flags = MDF_FIXBASE | MDF_FIXLEN | MDF_FIXACTIVE;
		}
	}
	fetch(mr);
	for (int i = 0; i < mr->ndesc; i++)
		if (mr->desc[i].mr_flags & MDF_ACTIVE)
			mr->desc[i].mr_flags |= MDF_FIRMWARE;
}

void memrange_get(struct memrange *mr, struct mem_range_desc *out, int *n)
{
	if (*n <= 0 || *n > mr->ndesc) {
		if (*n <= 0) {
			*n = mr->ndesc;
			return;
		}
		*n = mr->ndesc;
	}
	memcpy(out, mr->desc, (size_t)*n * sizeof(*out));
}

static bool overlaps(const struct mem_range_desc *a, uint64_t base,
		     uint64_t len)
{
	return a->mr_base < base + len && base < a->mr_base + a->mr_len;
}

/* Busy, and held by someone other than the caller. */
static bool busy_for(const struct memrange *mr, int i, int caller)
{
	return mr->holder[i] != HOLDER_NONE && mr->holder[i] != caller;
}

/* memu's busy rule: no active busy range of another holder may be
 * overlapped (covers exact matches and the fixed path too). */
static bool blocked_by_busy(const struct memrange *mr, uint64_t base,
			    uint64_t len, int caller)
{
	for (int i = 0; i < mr->ndesc; i++)
		if (busy_for(mr, i, caller) &&
		    (mr->desc[i].mr_flags & MDF_ACTIVE) &&
		    overlaps(&mr->desc[i], base, len))
			return true;
	return false;
}

/* The holder, and MDF_BUSY in the flags so GET shows it. */
static void set_holder(struct memrange *mr, int i, int holder)
{
	mr->holder[i] = holder;
	if (holder == HOLDER_NONE)
		mr->desc[i].mr_flags &= ~MDF_BUSY;
	else
		mr->desc[i].mr_flags |= MDF_BUSY;
}

/* A process that asks (MDF_BUSY in its UPDATE) holds the range. */
static void take_busy(struct memrange *mr, int i,
		      const struct mem_range_desc *req, int caller)
{
	set_holder(mr, i, (req->mr_flags & MDF_BUSY) ? caller : HOLDER_NONE);
}

static int set_low(struct memrange *mr, const struct mem_range_desc *req,
		   int caller)
{
	int first = -1, last = -1;
	uint64_t end = req->mr_base + req->mr_len - 1;
	for (int i = 0; i < MEMRANGE_FIXED; i++) {
		const struct mem_range_desc *d = &mr->desc[i];
		if (req->mr_base >= d->mr_base &&
		    req->mr_base < d->mr_base + d->mr_len)
			first = i;
		if (end >= d->mr_base && end < d->mr_base + d->mr_len)
			last = i;
	}
	if (first < 0 || last < 0)
		return -EINVAL;
	for (int i = first; i <= last; i++) {
		if (!(req->mr_flags & MDF_FORCE) &&
		    (mr->desc[i].mr_flags & MDF_ATTRMASK) == MDF_UNKNOWN)
			return -EACCES;
		if (busy_for(mr, i, caller))
			return -EBUSY;
	}
	for (int i = first; i <= last; i++) {
		struct mem_range_desc *d = &mr->desc[i];
		d->mr_flags = (d->mr_flags & ~MDF_ATTRMASK & ~MDF_FIRMWARE) |
			      (req->mr_flags & MDF_ATTRMASK);
		memcpy(d->mr_owner, req->mr_owner, sizeof(d->mr_owner));
		take_busy(mr, i, req, caller);
	}
	return 0;
}

/* x86_mtrrconflict: only equal types, or UC with WB, may overlap. */
static bool conflict(int a, int b)
{
	a &= MDF_ATTRMASK;
	b &= MDF_ATTRMASK;
	if (a == MDF_UNKNOWN || b == MDF_UNKNOWN)
		return true;
	if (a == b)
		return false;
	return !((a == MDF_UNCACHEABLE && b == MDF_WRITEBACK) ||
		 (a == MDF_WRITEBACK && b == MDF_UNCACHEABLE));
}

static int set_variable(struct memrange *mr, const struct mem_range_desc *req,
			int caller)
{
	int slot = -1;
	if (blocked_by_busy(mr, req->mr_base, req->mr_len, caller))
		return -EBUSY;
	for (int i = first_var(mr); i < mr->ndesc; i++) {
		struct mem_range_desc *d = &mr->desc[i];
		if (!(d->mr_flags & MDF_ACTIVE)) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (d->mr_base == req->mr_base && d->mr_len == req->mr_len) {
			if (!(req->mr_flags & MDF_FORCE) &&
			    (d->mr_flags & MDF_ATTRMASK) == MDF_UNKNOWN)
				return -EACCES;
			slot = i;
			break;
		}
		if (overlaps(d, req->mr_base, req->mr_len) &&
		    conflict(d->mr_flags, req->mr_flags))
			return -EINVAL;
	}
	if (slot < 0)
		return -ENOSPC;
	struct mem_range_desc *d = &mr->desc[slot];
	d->mr_base = req->mr_base;
	d->mr_len = req->mr_len;
	d->mr_flags = MDF_ACTIVE | (req->mr_flags & MDF_ATTRMASK);
	memcpy(d->mr_owner, req->mr_owner, sizeof(d->mr_owner));
	take_busy(mr, slot, req, caller);
	return 0;
}

static int remove_range(struct memrange *mr, const struct mem_range_desc *req,
			int caller)
{
	for (int i = 0; i < mr->ndesc; i++) {
		struct mem_range_desc *d = &mr->desc[i];
		if (d->mr_base != req->mr_base || d->mr_len != req->mr_len)
			continue;
		if (d->mr_flags & MDF_FIXACTIVE)
			return -EPERM;
		if (busy_for(mr, i, caller))
			return -EBUSY;
		d->mr_flags &= ~MDF_ACTIVE;
		d->mr_owner[0] = '\0';
		set_holder(mr, i, HOLDER_NONE);
		return 0;
	}
	return -ENOENT;
}

int memrange_set(struct memrange *mr, const struct mem_range_desc *req,
		 int action, int caller)
{
	int err;
	if (!mr->backend)
		return -EOPNOTSUPP;
	if (action == MEMRANGE_SET_UPDATE) {
		if (!mrvalid(req->mr_base, req->mr_len) ||
		    mtrrtype(req->mr_flags) < 0)
			return -EINVAL;
		if (mr->fixmtrr && req->mr_base + req->mr_len <= MTRR_FIXED_TOP)
			err = set_low(mr, req, caller);
		else
			err = set_variable(mr, req, caller);
	} else if (action == MEMRANGE_SET_REMOVE) {
		err = remove_range(mr, req, caller);
	} else {
		return -EOPNOTSUPP;
	}
	if (err)
		return err;
	store(mr);
	fetch(mr);
	return 0;
}

void memrange_hold(struct memrange *mr, uint64_t base, uint64_t len,
		   const char *owner)
{
	for (int i = 0; mr->fixmtrr && i < MEMRANGE_FIXED; i++)
		if (overlaps(&mr->desc[i], base, len)) {
			set_holder(mr, i, HOLDER_MACHINE);
			set_owner(&mr->desc[i], owner);
		}
}

void memrange_release(struct memrange *mr, int caller)
{
	for (int i = 0; i < MR_NDESC_MAX; i++)
		if (mr->holder[i] == caller)
			set_holder(mr, i, HOLDER_NONE);
}
