#include "frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zone_init(struct zone *z, const char *name, uint64_t base_pfn, uint64_t nr,
	      struct phys *phys, struct events *events)
{
	memset(z, 0, sizeof(*z));
	z->name = name;
	z->base_pfn = base_pfn;
	z->nr = nr;
	z->nr_free = nr;
	z->phys = phys;
	z->events = events;
	uint64_t blocks = (nr + FRAME_BLOCK - 1) / FRAME_BLOCK;
	/* calloc: the host hands out zero pages lazily, so metadata for a
	 * large, mostly untouched RAM costs little. */
	z->frames = calloc(nr, sizeof(*z->frames));
	z->block_free = calloc(blocks, 1);
	z->block_backed = calloc(blocks, 1);
	if (!z->frames || !z->block_free || !z->block_backed) {
		zone_destroy(z);
		return -1;
	}
	for (uint64_t b = 0; b < blocks; b++) {
		uint64_t left = nr - b * FRAME_BLOCK;
		z->block_free[b] = left < FRAME_BLOCK ? left : FRAME_BLOCK;
	}
	zone_split_nodes(z, 1);
	return 0;
}

void zone_destroy(struct zone *z)
{
	free(z->frames);
	free(z->block_free);
	free(z->block_backed);
	z->frames = NULL;
	z->block_free = NULL;
	z->block_backed = NULL;
}

bool zone_contains(const struct zone *z, uint64_t pfn)
{
	return pfn >= z->base_pfn && pfn - z->base_pfn < z->nr;
}

struct frame *zone_frame(struct zone *z, uint64_t pfn)
{
	return zone_contains(z, pfn) ? &z->frames[pfn - z->base_pfn] : NULL;
}

static struct zone_node *node_of_block(struct zone *z, uint64_t b)
{
	for (unsigned i = 0; i < z->nr_nodes; i++)
		if (b >= z->nodes[i].first_block && b < z->nodes[i].end_block)
			return &z->nodes[i];
	return &z->nodes[0];
}

static void take(struct zone *z, uint64_t i, enum frame_kind kind)
{
	struct frame *f = &z->frames[i];
	f->kind = (uint8_t)kind;
	f->written = 0;
	f->mapcount = 0;
	f->owner = NULL;
	f->index = 0;
	if (z->block_free[i / FRAME_BLOCK] == FRAME_BLOCK)
		node_of_block(z, i / FRAME_BLOCK)->whole--;
	z->block_free[i / FRAME_BLOCK]--;
	z->nr_free--;
}

void zone_reserve(struct zone *z, uint64_t pfn, enum frame_kind kind)
{
	struct frame *f = zone_frame(z, pfn);
	if (f && f->kind == FRAME_FREE)
		take(z, pfn - z->base_pfn, kind);
}

static uint64_t finish_alloc(struct zone *z, uint64_t i, enum frame_kind kind)
{
	bool stale = z->frames[i].used_before;
	take(z, i, kind);
	uint64_t pfn = z->base_pfn + i;
	if (stale)
		memset(phys_host(z->phys, pfn << PAGE_SHIFT), 0, PAGE_SIZE);
	struct event e = {EV_FRAME_ALLOC, pfn, kind, 0, 0};
	event_emit(z->events, &e);
	return pfn;
}

static uint64_t zone_blocks(const struct zone *z)
{
	return (z->nr + FRAME_BLOCK - 1) / FRAME_BLOCK;
}

void zone_split_nodes(struct zone *z, unsigned n)
{
	const uint64_t align = (2ULL << 20) / PAGE_SIZE / FRAME_BLOCK;
	uint64_t blocks = zone_blocks(z);
	if (n < 1)
		n = 1;
	if (n > MAX_NUMA_NODES)
		n = MAX_NUMA_NODES;
	z->nr_nodes = n;
	for (unsigned i = 0; i < n; i++) {
		uint64_t first = blocks * i / n / align * align;
		uint64_t end = i + 1 == n
				       ? blocks
				       : blocks * (i + 1) / n / align * align;
		z->nodes[i] = (struct zone_node){first, end, first, 0};
		for (uint64_t b = first; b < end; b++)
			z->nodes[i].whole += z->block_free[b] == FRAME_BLOCK;
	}
}

unsigned zone_node_of(const struct zone *z, uint64_t pfn)
{
	uint64_t b = (pfn - z->base_pfn) / FRAME_BLOCK;
	for (unsigned i = 0; i < z->nr_nodes; i++)
		if (b >= z->nodes[i].first_block && b < z->nodes[i].end_block)
			return i;
	return 0;
}

void zone_set_cursor(struct zone *z, uint64_t pfn)
{
	z->nodes[0].cursor = (pfn - z->base_pfn) / FRAME_BLOCK;
}

/* Next-fit search within a node for a block with `need` free frames. */
static uint64_t find_block(struct zone *z, struct zone_node *node,
			   unsigned need)
{
	uint64_t blocks = node->end_block - node->first_block;
	if (need == FRAME_BLOCK && node->whole == 0)
		return UINT64_MAX; /* the scan below would find none */
	for (uint64_t n = 0; n < blocks; n++) {
		uint64_t b = node->first_block +
			     (node->cursor - node->first_block + n) % blocks;
		if (z->block_free[b] >= need) {
			node->cursor = b;
			return b;
		}
	}
	return UINT64_MAX;
}

/* The first free frame of the next block that has one. */
static uint64_t first_free(struct zone *z, enum frame_kind kind,
			   struct zone_node *node)
{
	uint64_t b = find_block(z, node, 1);
	if (b == UINT64_MAX)
		return PFN_NONE;
	uint64_t end = node->end_block * FRAME_BLOCK;
	for (uint64_t i = b * FRAME_BLOCK; i < end && i < z->nr; i++)
		if (z->frames[i].kind == FRAME_FREE)
			return finish_alloc(z, i, kind);
	return PFN_NONE;
}

static uint64_t alloc_in_node(struct zone *z, enum frame_kind kind,
			      unsigned colour, struct zone_node *node)
{
	uint64_t b = find_block(z, node, FRAME_BLOCK);
	if (b != UINT64_MAX)
		return finish_alloc(z, b * FRAME_BLOCK + colour % FRAME_BLOCK,
				    kind);
	return first_free(z, kind, node);
}

/* frame_alloc_dense hands frames out in order: back them a chunk ahead. */
#define DENSE_PREFAULT 64

uint64_t frame_alloc_dense(struct zone *z, enum frame_kind kind)
{
	uint64_t pfn =
		z->nr_free ? first_free(z, kind, &z->nodes[0]) : PFN_NONE;
	if (pfn != PFN_NONE && pfn % DENSE_PREFAULT == 0 &&
	    pfn + DENSE_PREFAULT <= z->base_pfn + z->nr)
		phys_prefault(z->phys, pfn << PAGE_SHIFT,
			      DENSE_PREFAULT * PAGE_SIZE);
	return pfn;
}

uint64_t frame_alloc_node(struct zone *z, enum frame_kind kind, uint64_t want,
			  unsigned colour, int node)
{
	if (z->nr_free == 0)
		return PFN_NONE;
	if (want != PFN_NONE && zone_contains(z, want) &&
	    z->frames[want - z->base_pfn].kind == FRAME_FREE &&
	    (node == NODE_ANY || zone_node_of(z, want) == (unsigned)node))
		return finish_alloc(z, want - z->base_pfn, kind);
	if (node != NODE_ANY)
		return (unsigned)node < z->nr_nodes
			       ? alloc_in_node(z, kind, colour, &z->nodes[node])
			       : PFN_NONE;
	for (unsigned i = 0; i < z->nr_nodes; i++) {
		uint64_t pfn = alloc_in_node(z, kind, colour, &z->nodes[i]);
		if (pfn != PFN_NONE)
			return pfn;
	}
	return PFN_NONE;
}

uint64_t frame_alloc(struct zone *z, enum frame_kind kind, uint64_t want,
		     unsigned colour)
{
	return frame_alloc_node(z, kind, want, colour, NODE_ANY);
}

uint64_t frame_alloc_run(struct zone *z, enum frame_kind kind, uint64_t n)
{
	for (uint64_t start = 0; start + n <= z->nr; start++) {
		uint64_t len = 0;
		while (len < n && z->frames[start + len].kind == FRAME_FREE)
			len++;
		if (len == n) {
			for (uint64_t i = 0; i < n; i++)
				finish_alloc(z, start + i, kind);
			return z->base_pfn + start;
		}
		start += len;
	}
	return PFN_NONE;
}

void frame_free(struct zone *z, uint64_t pfn)
{
	struct frame *f = zone_frame(z, pfn);
	if (!f || f->kind == FRAME_FREE || f->kind == FRAME_RESERVED)
		return;
	struct event e = {EV_FRAME_FREE, pfn, f->kind, 0, 0};
	f->mapcount = 0;
	f->owner = NULL;
	if (f->hwpoison) {
		f->kind = FRAME_RESERVED;
		event_emit(z->events, &e);
		return;
	}
	f->kind = FRAME_FREE;
	f->used_before = 1;
	uint64_t b = (pfn - z->base_pfn) / FRAME_BLOCK;
	if (++z->block_free[b] == FRAME_BLOCK)
		node_of_block(z, b)->whole++;
	z->nr_free++;
	event_emit(z->events, &e);
}

void frame_prefault_block(struct zone *z, uint64_t pfn)
{
	if (!zone_contains(z, pfn))
		return;
	uint64_t i = pfn - z->base_pfn, b = i / FRAME_BLOCK;
	uint64_t end = (b + 1) * FRAME_BLOCK;
	if (z->block_backed[b] || end > z->nr)
		return;
	z->block_backed[b] = 1;
	phys_prefault(z->phys, pfn << PAGE_SHIFT, (end - i) * PAGE_SIZE);
}
