#include "numa.h"

#include <errno.h>

int mm_set_mempolicy(struct mm *mm, int mode, uint64_t nodes)
{
	unsigned n = mm->mmu->ram.nr_nodes;
	uint64_t online = n >= 64 ? ~0ULL : (1ULL << n) - 1;
	if (mode < 0 || mode >= MPOL_MAX_MODE)
		return -EINVAL;
	nodes &= online; /* nodes not online are not allowed */
	switch (mode) {
	case MPOL_DEFAULT_MODE:
	case MPOL_LOCAL_MODE:
		break;
	case MPOL_PREFERRED_MODE:
	case 5:
		if (!nodes)
			mode = MPOL_LOCAL_MODE;
		else
			mode = MPOL_PREFERRED_MODE;
		break;
	default: /* BIND, INTERLEAVE: need a node */
		if (!nodes)
			return -EINVAL;
		break;
	}
	mm->policy.mode = mode;
	mm->policy.nodes = nodes;
	mm->policy.next = 0;
	return 0;
}

static int first_node(uint64_t nodes)
{
	return nodes ? __builtin_ctzll(nodes) : 0;
}

/* The node to try first, for this allocation. */
static int pick_node(struct mm *mm)
{
	struct mempolicy *p = &mm->policy;
	if (p->mode == MPOL_INTERLEAVE_MODE) {
		unsigned n = mm->mmu->ram.nr_nodes;
		for (unsigned i = 0; i < n; i++) {
			unsigned node = (p->next + i) % n;
			if (p->nodes & (1ULL << node)) {
				p->next = node + 1;
				return (int)node;
			}
		}
	}
	if (p->mode == MPOL_PREFERRED_MODE || p->mode == MPOL_BIND_MODE)
		return first_node(p->nodes);
	return 0; /* the local node */
}

/* Linux runs should_fail_alloc_page before it looks for a page: an
 * injected failure leaves the allocator untouched (docs/inject.md). */
static bool injected_failure(struct mmu *m, enum frame_kind kind)
{
	struct fail_alloc *fa = &m->fail_alloc;
	fa->injected = fail_alloc_should_fail(fa, &m->events, kind);
	return fa->injected;
}

uint64_t alloc_user_frame(struct mm *mm, enum frame_kind kind, uint64_t want,
			  unsigned colour)
{
	struct zone *z = &mm->mmu->ram;
	if (injected_failure(mm->mmu, kind))
		return PFN_NONE;
	/* Free frames below the low watermark: reclaim first (vmscan.c,
	 * docs/reclaim.md). */
	if (mm->mmu->reclaim)
		mm->mmu->reclaim->balance(mm->mmu);
	int node = pick_node(mm);
	for (;;) {
		uint64_t pfn = frame_alloc_node(z, kind, want, colour, node);
		if (pfn != PFN_NONE)
			return pfn;
		/* Fall back to the other nodes, lowest first; BIND only to
		 * its own. */
		for (unsigned i = 0; i < z->nr_nodes; i++) {
			if ((int)i == node ||
			    (mm->policy.mode == MPOL_BIND_MODE &&
			     !(mm->policy.nodes & (1ULL << i))))
				continue;
			pfn = frame_alloc_node(z, kind, PFN_NONE, colour,
					       (int)i);
			if (pfn != PFN_NONE)
				return pfn;
		}
		/* __alloc_pages_may_oom: another process killed and its
		 * memory freed, try again (docs/reclaim.md). */
		if (!mm->mmu->out_of_memory ||
		    !mm->mmu->out_of_memory(mm->mmu, mm))
			return PFN_NONE;
	}
}

uint64_t alloc_migration_target(struct mmu *m, enum frame_kind kind,
				uint64_t pfn)
{
	if (injected_failure(m, kind))
		return PFN_NONE;
	struct zone *z = &m->ram;
	unsigned colour = (unsigned)(pfn % FRAME_BLOCK);
	uint64_t to = frame_alloc_node(z, kind, PFN_NONE, colour,
				       (int)zone_node_of(z, pfn));
	return to != PFN_NONE ? to : frame_alloc(z, kind, PFN_NONE, colour);
}
