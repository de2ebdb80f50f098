/* FreeBSD's <sys/memrange.h> ABI for guests of memu: the memory-range
 * attribute ioctls (MEMRANGE_GET, MEMRANGE_SET) and MEM_EXTRACT_PADDR on
 * /dev/mem and /dev/kmem, with FreeBSD amd64's structure layouts,
 * constants and ioctl numbers, so a program written for FreeBSD's mem(4)
 * builds unchanged with musl-gcc.  The ioctl numbers are given as values:
 * they use FreeBSD's encoding, not Linux's _IOWR. */
#ifndef _SYS_MEMRANGE_H_
#define _SYS_MEMRANGE_H_

#include <stdint.h>

/* Memory range attributes (mr_flags) */
#define MDF_UNCACHEABLE	 (1 << 0) /* UC */
#define MDF_WRITECOMBINE (1 << 1) /* WC */
#define MDF_WRITETHROUGH (1 << 2) /* WT */
#define MDF_WRITEBACK	 (1 << 3) /* WB */
#define MDF_WRITEPROTECT (1 << 4) /* WP */
#define MDF_UNKNOWN	 (1 << 5) /* a type the kernel does not know */
#define MDF_ATTRMASK	 0x00ffffff

#define MDF_FIXBASE   (1 << 24) /* base cannot change */
#define MDF_FIXLEN    (1 << 25) /* length cannot change */
#define MDF_FIRMWARE  (1 << 26) /* set by firmware */
#define MDF_ACTIVE    (1 << 27) /* currently active */
#define MDF_BOGUS     (1 << 28) /* the kernel does not like it */
#define MDF_FIXACTIVE (1 << 29) /* cannot be turned off */
#define MDF_BUSY                                                               \
	(1 << 30)		    /* in use: memu holds it for the setter    \
				     * until it exits (docs/memrange.md) */
#define MDF_FORCE ((int)0x80000000) /* force risky changes */

struct mem_range_desc {
	uint64_t mr_base;
	uint64_t mr_len;
	int mr_flags;
	char mr_owner[8];
};

struct mem_range_op {
	struct mem_range_desc *mo_desc;
	int mo_arg[2];
};

#define MEMRANGE_SET_UPDATE 0
#define MEMRANGE_SET_REMOVE 1

/* _IOWR('m', 50, struct mem_range_op), _IOW('m', 51, ...) */
#define MEMRANGE_GET 0xC0106D32UL
#define MEMRANGE_SET 0x80106D33UL

struct mem_extract {
	uint64_t me_vaddr; /* in: a virtual address of the caller */
	uint64_t me_paddr; /* out: its physical address */
	int me_domain;	   /* out: the NUMA domain of that */
	int me_state;	   /* out: ME_STATE_* */
	uint64_t pad1[5];
};

#define ME_STATE_INVALID 0 /* no mapping at the address */
#define ME_STATE_VALID	 1 /* a mapping, but no page yet */
#define ME_STATE_MAPPED	 2 /* a page: me_paddr, me_domain are set */

/* _IOWR('m', 52, struct mem_extract) */
#define MEM_EXTRACT_PADDR 0xC0406D34UL

struct mem_livedump_arg {
	int fd;
	int flags;
	uint8_t compression;
	uint8_t pad1[7];
	uint64_t pad2[2];
};

/* _IOW('m', 53, struct mem_livedump_arg): not implemented by memu */
#define MEM_KERNELDUMP 0x80206D35UL

#endif
