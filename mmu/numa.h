/* NUMA: RAM split into domains (--numa N), and the memory policy that
 * picks the domain a process's pages come from, as set_mempolicy(2)
 * sets it.  The one CPU sits on node 0, so without a policy pages come
 * from node 0 first (first touch on the local node). */
#ifndef MEMU_MMU_NUMA_H
#define MEMU_MMU_NUMA_H

#include <stdint.h>

#include "mm.h"

/* Linux's MPOL_* modes */
enum mpol_mode {
	MPOL_DEFAULT_MODE = 0,
	MPOL_PREFERRED_MODE = 1,
	MPOL_BIND_MODE = 2,
	MPOL_INTERLEAVE_MODE = 3,
	MPOL_LOCAL_MODE = 4,
	MPOL_MAX_MODE = 6, /* PREFERRED_MANY (5) is taken as PREFERRED */
};

/* Set the process policy: 0 or -EINVAL. */
int mm_set_mempolicy(struct mm *mm, int mode, uint64_t nodes);

/* A frame for user memory under the process's policy; PFN_NONE when RAM
 * is out, or when the allocation-failure injection fails it
 * (mmu->fail_alloc.injected tells which). */
uint64_t alloc_user_frame(struct mm *mm, enum frame_kind kind, uint64_t want,
			  unsigned colour);
/* The new home of user frame pfn that soft offline moves (Linux
 * alloc_migration_target): on pfn's node first, subject to the injection
 * as user frames are. */
uint64_t alloc_migration_target(struct mmu *m, enum frame_kind kind,
				uint64_t pfn);

#endif
