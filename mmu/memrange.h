/* Memory-range descriptors over the MTRRs: the layer behind FreeBSD's
 * MEMRANGE_GET / MEMRANGE_SET (sys/x86/x86/x86_mem.c), with FreeBSD's
 * descriptor layout, rules and errnos (docs/memrange.md), and one
 * deliberate difference: MDF_BUSY is managed.
 *
 * FreeBSD never sets MDF_BUSY and checks it only on an exact variable
 * match and on REMOVE (mem(4) BUGS).  memu marks ranges busy for two kinds
 * of holder: the machine's own devices, for the fixed-range entries they
 * use (VGA text memory, the BIOS ROM), and a process that asks for it by
 * setting MDF_BUSY in an UPDATE, until it exits.  A busy range cannot be
 * updated, overlapped or removed by anyone but its holder: EBUSY, on the
 * fixed-range path too.
 */
#ifndef MEMU_MMU_MEMRANGE_H
#define MEMU_MMU_MEMRANGE_H

#include <stdint.h>

#include "memtype.h"

#define MDF_UNCACHEABLE	 0x00000001
#define MDF_WRITECOMBINE 0x00000002
#define MDF_WRITETHROUGH 0x00000004
#define MDF_WRITEBACK	 0x00000008
#define MDF_WRITEPROTECT 0x00000010
#define MDF_UNKNOWN	 0x00000020
#define MDF_ATTRMASK	 0x00ffffff
#define MDF_FIXBASE	 0x01000000
#define MDF_FIXLEN	 0x02000000
#define MDF_FIRMWARE	 0x04000000
#define MDF_ACTIVE	 0x08000000
#define MDF_BOGUS	 0x10000000
#define MDF_FIXACTIVE	 0x20000000
#define MDF_BUSY	 0x40000000
#define MDF_FORCE	 ((int32_t)0x80000000u)

#define MEMRANGE_SET_UPDATE 0
#define MEMRANGE_SET_REMOVE 1

#define MEMRANGE_FIXED 88

/* FreeBSD's struct mem_range_desc (amd64: 32 bytes). */
struct mem_range_desc {
	uint64_t mr_base;
	uint64_t mr_len;
	int32_t mr_flags;
	char mr_owner[8];
};

/* Who holds a busy range. */
#define HOLDER_NONE    0
#define HOLDER_MACHINE (-1) /* memu's own devices */

struct memrange {
	struct memtype *hw;
	int backend; /* 0: the CPU has no MTRRs (EOPNOTSUPP) */
	int ndesc;   /* 0: MTRRs disabled by firmware (ENXIO) */
	int fixmtrr; /* fixed ranges in use: descriptors 0-87 */
	uint64_t physmask;
	struct mem_range_desc desc[MEMRANGE_FIXED + MTRR_VAR_MAX];
	int holder[MEMRANGE_FIXED + MTRR_VAR_MAX];
};

/* x86_mrinit: descriptors from the registers, active ones FIRMWARE. */
void memrange_init(struct memrange *mr, struct memtype *hw);
/* Copy up to *n descriptors (all with *n <= 0); *n becomes the count. */
void memrange_get(struct memrange *mr, struct mem_range_desc *out, int *n);
/* MEMRANGE_SET: 0 or -errno.  caller: the holder id of the process. */
int memrange_set(struct memrange *mr, const struct mem_range_desc *req,
		 int action, int caller);
/* A device marks the fixed descriptors covering [base, base+len) busy. */
void memrange_hold(struct memrange *mr, uint64_t base, uint64_t len,
		   const char *owner);
/* A process ended: its busy ranges are free again. */
void memrange_release(struct memrange *mr, int caller);

#endif
