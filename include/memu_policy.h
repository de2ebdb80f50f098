/* A page-replacement policy as a loadable module: `memu run --swap SIZE
 * --reclaim PATH.so` loads a shared object that gives memu one
 * `struct memu_policy` (docs/reclaim.md, "A policy as a module").  It is
 * the interface of memu's own policies (LRU, CLOCK, FIFO), made public:
 *
 * The reclaim engine owns the mechanics - unmapping a frame from every
 * page table through the reverse map, writing it to swap, freeing it.
 * A policy only orders the reclaimable frames on up to two lists and
 * picks the next victim.  It learns about use through one question,
 * memu_referenced(scan, pfn): did the CPU set the Accessed bit in any
 * entry mapping pfn since it was last asked?  The question clears the
 * bits, so each access is seen once.  A policy must depend only on these
 * calls and its lists, never on host state (time, addresses, random
 * numbers), so that runs repeat exactly.
 *
 * A module is one C file ending in MEMU_POLICY_MODULE(its_policy), built
 * with
 *
 *     cc -shared -fPIC -o NAME.so NAME.c $(pkg-config --cflags memu)
 *
 * memu checks what the policy hands back (a victim must be a frame of
 * RAM it took off its lists) and every list call it makes (a pfn
 * outside RAM is ignored and said on stderr): a wrong policy makes the
 * guest run out of memory, never memu crash where it can check.
 */
#ifndef MEMU_POLICY_H
#define MEMU_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEMU_POLICY_ABI 1
#ifndef MEMU_PFN_NONE
#define MEMU_PFN_NONE UINT64_MAX
#endif

struct memu_lru;  /* the policy's lists, one per machine */
struct memu_scan; /* one search for a victim */

/* The lists: what each means is the policy's (Linux's LRU uses both,
 * FIFO and CLOCK the first). */
enum memu_lru_list {
	MEMU_LRU_NONE,	   /* on no list */
	MEMU_LRU_INACTIVE, /* list 1 */
	MEMU_LRU_ACTIVE,   /* list 2 */
};

struct memu_policy {
	unsigned abi;	  /* MEMU_POLICY_ABI */
	const char *name; /* what --stats says: "reclaim (NAME)" */
	/* A frame was mapped for the first time: reclaimable from now on.
	 * Not called again while it stays mapped. */
	void (*page_added)(struct memu_lru *l, uint64_t pfn);
	/* madvise(MADV_COLD): pfn will not be used soon (NULL: as
	 * page_putback). */
	void (*page_cold)(struct memu_lru *l, uint64_t pfn);
	/* The next victim, taken off the lists, or MEMU_PFN_NONE when the
	 * lists hold none that should go. */
	uint64_t (*pick_victim)(struct memu_lru *l, struct memu_scan *s);
	/* The engine could not reclaim pfn (mlocked, swap full): put it
	 * back on the lists. */
	void (*page_putback)(struct memu_lru *l, uint64_t pfn);
};

/* memu's side, through a table it hands the module (a module needs no
 * symbol of memu's). */
struct memu_policy_kernel {
	unsigned abi;
	bool (*referenced)(struct memu_scan *s, uint64_t pfn);
	void (*scanned)(struct memu_scan *s);
	enum memu_lru_list (*on)(struct memu_lru *l, uint64_t pfn);
	void (*add_head)(struct memu_lru *l, enum memu_lru_list id,
			 uint64_t pfn);
	void (*add_tail)(struct memu_lru *l, enum memu_lru_list id,
			 uint64_t pfn);
	void (*add_before)(struct memu_lru *l, uint64_t at, uint64_t pfn);
	void (*del)(struct memu_lru *l, uint64_t pfn);
	uint64_t (*first)(struct memu_lru *l, enum memu_lru_list id);
	uint64_t (*last)(struct memu_lru *l, enum memu_lru_list id);
	uint64_t (*next)(struct memu_lru *l, uint64_t pfn);
	uint64_t (*prev)(struct memu_lru *l, uint64_t pfn);
	uint64_t (*count)(struct memu_lru *l, enum memu_lru_list id);
	uint64_t (*hand)(struct memu_lru *l);
	void (*set_hand)(struct memu_lru *l, uint64_t pfn);
};

extern const struct memu_policy_kernel *memu_policy_kernel;

/* The module's entry point: memu calls memu_policy_init with its table
 * and takes the policy it returns (NULL: the module refuses it). */
#define MEMU_POLICY_MODULE(policy)                                             \
	const struct memu_policy_kernel *memu_policy_kernel;                   \
	const struct memu_policy *memu_policy_init(                            \
		const struct memu_policy_kernel *k);                           \
	const struct memu_policy *memu_policy_init(                            \
		const struct memu_policy_kernel *k)                            \
	{                                                                      \
		if (!k || k->abi != MEMU_POLICY_ABI)                           \
			return NULL;                                           \
		memu_policy_kernel = k;                                        \
		return &(policy);                                              \
	}

/* Did the CPU use pfn (set an Accessed bit) since the last question?
 * Clears the bits. */
static inline bool memu_referenced(struct memu_scan *s, uint64_t pfn)
{
	return memu_policy_kernel->referenced(s, pfn);
}
/* Count one frame examined ("pages scanned" in --stats). */
static inline void memu_scanned(struct memu_scan *s)
{
	memu_policy_kernel->scanned(s);
}
/* The list pfn is on. */
static inline enum memu_lru_list memu_lru_on(struct memu_lru *l, uint64_t pfn)
{
	return memu_policy_kernel->on(l, pfn);
}
/* Put pfn at the head or the tail of a list (off its old list first),
 * or just before at on at's list. */
static inline void memu_lru_add_head(struct memu_lru *l, enum memu_lru_list id,
				     uint64_t pfn)
{
	memu_policy_kernel->add_head(l, id, pfn);
}
static inline void memu_lru_add_tail(struct memu_lru *l, enum memu_lru_list id,
				     uint64_t pfn)
{
	memu_policy_kernel->add_tail(l, id, pfn);
}
static inline void memu_lru_add_before(struct memu_lru *l, uint64_t at,
				       uint64_t pfn)
{
	memu_policy_kernel->add_before(l, at, pfn);
}
/* Take pfn off its list (a hand on it moves to the next frame). */
static inline void memu_lru_del(struct memu_lru *l, uint64_t pfn)
{
	memu_policy_kernel->del(l, pfn);
}
/* The list's first / last frame, the one after / before pfn:
 * MEMU_PFN_NONE at the end. */
static inline uint64_t memu_lru_first(struct memu_lru *l, enum memu_lru_list id)
{
	return memu_policy_kernel->first(l, id);
}
static inline uint64_t memu_lru_last(struct memu_lru *l, enum memu_lru_list id)
{
	return memu_policy_kernel->last(l, id);
}
static inline uint64_t memu_lru_next(struct memu_lru *l, uint64_t pfn)
{
	return memu_policy_kernel->next(l, pfn);
}
static inline uint64_t memu_lru_prev(struct memu_lru *l, uint64_t pfn)
{
	return memu_policy_kernel->prev(l, pfn);
}
static inline uint64_t memu_lru_count(struct memu_lru *l, enum memu_lru_list id)
{
	return memu_policy_kernel->count(l, id);
}
/* A clock hand kept with the lists: a pfn, or MEMU_PFN_NONE. */
static inline uint64_t memu_lru_hand(struct memu_lru *l)
{
	return memu_policy_kernel->hand(l);
}
static inline void memu_lru_set_hand(struct memu_lru *l, uint64_t pfn)
{
	memu_policy_kernel->set_hand(l, pfn);
}

#ifdef __cplusplus
}
#endif

#endif
