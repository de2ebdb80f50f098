/* Lost TLB flushes (docs/inject.md, "Primitives"): the next n flushes the
 * kernel asks for, for the chosen reasons (TLB_FLUSH_* in mm.h), never
 * reach the CPU, so it goes on using the translations it holds until a
 * flush that does, as a CPU whose shootdown got lost.  A stale entry
 * points at the frame the page had; if that frame is freed and handed to
 * someone else, the stale translation reads and writes the new owner's
 * data, as on hardware.  Only the guest's own accesses see it: memu's
 * kernel reaches user memory through the page tables.
 *
 * QEMU's TLB is a cache memu does not control (a conflicting page evicts
 * an entry, and QEMU sizes it with host time), so while an injection is
 * armed memu keeps the CPU's entries itself: arming flushes the TLB
 * (unseen, uncounted) and from then on every translation the miss
 * handler gives the CPU is recorded.  After a lost flush a miss on a
 * recorded page is answered with the recorded translation, no walk, if
 * its rights cover the access (a refused access drops the entry and
 * walks, as the CPU re-walks after a fault on a cached entry).  A flush
 * that reaches the CPU clears the record.  So a stale entry lives exactly
 * until the next such flush, on every run; memu's own flushes (the TLB
 * growing, translated code dropped) do not end it.
 */
#ifndef MEMU_MMU_LOST_FLUSH_H
#define MEMU_MMU_LOST_FLUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A translation the CPU holds: page, frame and rights (1 read, 2 write,
 * 4 execute, as EV_TLB_FILL's). */
struct held_entry {
	uint64_t va; /* page address | 1 when the slot is used */
	uint64_t pa;
	uint8_t rights;
};

struct lost_flush {
	unsigned pending; /* flushes still to lose */
	unsigned reasons; /* of these reasons (TLB_FLUSH_*) */
	bool recording;	  /* the held set is kept */
	bool stale;	  /* a flush was lost since the last real one */
	struct held_entry *held;
	size_t cap, used;
	uint64_t lost;	  /* flushes lost (--stats) */
	uint64_t answers; /* TLB misses answered from a stale entry */
	uint64_t spec;	  /* the --inject spec that armed it (EV_INJECT) */
};

/* Lose the next n flushes whose reasons meet `reasons` (n 0: lose no
 * more; an open stale window stays open until the next flush). */
void lost_flush_arm(struct lost_flush *lf, unsigned n, unsigned reasons);
/* Should this flush (its reasons) be lost?  true: it was, and the held
 * entries turned stale; false: the caller flushes, then calls
 * lost_flush_done(). */
bool lost_flush_take(struct lost_flush *lf, unsigned reasons);
void lost_flush_done(struct lost_flush *lf);
/* The CPU got this translation (rights as EV_TLB_FILL's d). */
void lost_flush_note(struct lost_flush *lf, uint64_t va, uint64_t pa,
		     uint8_t rights);
/* A TLB miss at va for an access needing `need` (1, 2 or 4): true and
 * *pa, *rights when a stale entry answers it. */
bool lost_flush_lookup(struct lost_flush *lf, uint64_t va, uint8_t need,
		       uint64_t *pa, uint8_t *rights);
void lost_flush_destroy(struct lost_flush *lf);

#endif
