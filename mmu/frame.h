/* Frames and the frame allocator.
 *
 * A zone is a run of physical frames with one `struct frame` of metadata
 * each.  The machine has two: RAM (low physical space; the ISA hole is
 * marked reserved so it is never handed out) and the page-table bank.
 *
 * Neighbouring virtual pages should get neighbouring frames: the host can
 * then merge their aliases into one mapping (vm.max_map_count is finite).
 * The allocator takes two hints: a wanted pfn (the neighbour's frame plus
 * the distance) and a colour (the virtual page number modulo FRAME_BLOCK):
 * a page with no mapped neighbour starts a fresh, wholly free block of
 * FRAME_BLOCK frames at the offset its colour names, leaving room for its
 * neighbours on either side.  Deterministic by construction: the same
 * sequence of requests always yields the same frames.
 */
#ifndef MEMU_MMU_FRAME_H
#define MEMU_MMU_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "phys.h"

#define FRAME_BLOCK 16

#define FRAME_TLB_W 1
#define FRAME_TLB_X 2
#define PFN_NONE    UINT64_MAX

struct frame {
	uint8_t kind;	     /* enum frame_kind */
	uint8_t used_before; /* contents are stale: zero on next allocation */
	uint8_t code;	     /* the CPU may have translated code from it */
	/* The TLB generation (mmu.tlb_gen, 16 bits) in which the CPU was
	 * last given a writable or an executable entry for this frame, and
	 * which (FRAME_TLB_*): tlb.c keeps the two apart (see there). */
	uint8_t tlb_rights;
	uint16_t tlb_gen;
	/* Hardware-poisoned (mmu/memory_failure.h): never handed out
	 * again; freed, it is retired, not returned to the free pool. */
	uint8_t hwpoison;
	/* memu's kernel wrote it (mmu_phys_write): a page-cache page that
	 * is dirty whatever its entries' D bits say (Linux PG_dirty). */
	uint8_t written;
	uint32_t mapcount; /* PTEs mapping this frame */
	void *owner;	   /* anon_vma or shared object, for the rmap */
	uint64_t index;	   /* page offset in the owner (Linux page->index) */
};

#define MAX_NUMA_NODES 8
#define NODE_ANY       (-1)

/* A NUMA node's share of a zone: a run of blocks with its own next-fit
 * cursor. */
struct zone_node {
	uint64_t first_block, end_block;
	uint64_t cursor;
	uint64_t whole; /* blocks with all FRAME_BLOCK frames free */
};

struct zone {
	const char *name;
	uint64_t base_pfn;
	uint64_t nr;
	uint64_t nr_free;
	struct frame *frames;
	uint8_t *block_free;   /* free frames in each FRAME_BLOCK block */
	uint8_t *block_backed; /* the host backs the whole block already */
	unsigned nr_nodes;     /* 1 unless RAM is split into NUMA nodes */
	struct zone_node nodes[MAX_NUMA_NODES];
	struct phys *phys;
	struct events *events;
};

int zone_init(struct zone *z, const char *name, uint64_t base_pfn, uint64_t nr,
	      struct phys *phys, struct events *events);
void zone_destroy(struct zone *z);

/* Take a frame out of circulation for good (the ISA hole, firmware). */
void zone_reserve(struct zone *z, uint64_t pfn, enum frame_kind kind);

bool zone_contains(const struct zone *z, uint64_t pfn);
struct frame *zone_frame(struct zone *z, uint64_t pfn);

/* Allocate one zeroed frame.  want: a pfn to take if it is free (or
 * PFN_NONE); colour: where in a fresh block to start.  Returns PFN_NONE
 * when the zone is exhausted.  Any node, node 0 first. */
uint64_t frame_alloc(struct zone *z, enum frame_kind kind, uint64_t want,
		     unsigned colour);
/* The same from one node only (want is ignored outside it). */
uint64_t frame_alloc_node(struct zone *z, enum frame_kind kind, uint64_t want,
			  unsigned colour, int node);
/* Split the zone into n nodes of equal size (2 MiB aligned). */
void zone_split_nodes(struct zone *z, unsigned n);
/* The node a pfn of the zone belongs to. */
unsigned zone_node_of(const struct zone *z, uint64_t pfn);
/* Start node 0's next-fit search at pfn (low memory is used last). */
void zone_set_cursor(struct zone *z, uint64_t pfn);
/* One zeroed frame, the first free one from node 0's cursor on: dense,
 * for the page-table bank (tables have no virtual neighbours to sit
 * beside). */
uint64_t frame_alloc_dense(struct zone *z, enum frame_kind kind);
/* Have the host back the rest of pfn's block now, once (phys_prefault):
 * the fault path asks when a guest writes its pages in order, whose next
 * pages will take the next frames of the block. */
void frame_prefault_block(struct zone *z, uint64_t pfn);
/* Allocate n physically contiguous zeroed frames (boot-time use). */
uint64_t frame_alloc_run(struct zone *z, enum frame_kind kind, uint64_t n);
/* Give a frame back; a hardware-poisoned one is retired instead (kind
 * FRAME_RESERVED, never allocated again), as Linux keeps a poisoned page
 * out of the buddy allocator. */
void frame_free(struct zone *z, uint64_t pfn);

#endif
