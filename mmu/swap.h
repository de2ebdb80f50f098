/* The swap device (docs/reclaim.md, "Swap"): where reclaim writes
 * anonymous pages.  A memfd by default (host memory, not guest RAM), or a
 * host file the user names.  Slot 0 holds the swap header, as mkswap
 * leaves it on Linux, so slots are numbered from 1; a slot is taken
 * lowest first (deterministic), and carries a count of the page-table
 * entries that name it (Linux's swap_map).
 */
#ifndef MEMU_MMU_SWAP_H
#define MEMU_MMU_SWAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The one swap device has type 0 (Linux's first swapon). */
#define SWAP_TYPE 0

struct swap_device {
	int fd;
	uint64_t pages;	  /* the device's size in pages, header included */
	uint8_t *map;	  /* entries naming each slot; 0: free */
	uint64_t inuse;	  /* slots in use */
	uint64_t peak;	  /* most slots in use at once */
	uint64_t next;	  /* no free slot below it */
	uint64_t pswpin;  /* pages read back (vmstat pswpin) */
	uint64_t pswpout; /* pages written (vmstat pswpout) */
};

/* A device of bytes (rounded down to pages; at least two: the header and
 * one slot) over a memfd (path NULL) or the host file path, created or
 * truncated.  0, or -1 with a reason in err. */
int swap_init(struct swap_device *s, const char *path, uint64_t bytes,
	      char *err, size_t errlen);
void swap_destroy(struct swap_device *s);

/* Usable slots (SwapTotal in pages) and free ones (SwapFree). */
uint64_t swap_total(const struct swap_device *s);
uint64_t swap_free_slots(const struct swap_device *s);
/* More than half the slots are in use (Linux vm_swap_full). */
bool swap_full_half(const struct swap_device *s);

/* The lowest free slot, taken with one reference, or 0 when full. */
uint64_t swap_alloc(struct swap_device *s);
/* One more entry names slot (a copied entry). */
void swap_dup(struct swap_device *s, uint64_t slot);
/* One entry fewer names slot: the slot is free when none is left.  The
 * references left. */
unsigned swap_put(struct swap_device *s, uint64_t slot);
/* Entries naming slot (0: free, or not a slot of the device). */
unsigned swap_count(const struct swap_device *s, uint64_t slot);

/* Write the page at src to slot / read slot into dst.  0, or -1 when the
 * host refuses (a full disk under a --swap file). */
int swap_writepage(struct swap_device *s, uint64_t slot, const void *src);
int swap_readpage(struct swap_device *s, uint64_t slot, void *dst);

#endif
