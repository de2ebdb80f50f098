/* Unit tests of the frame allocator (mmu/frame.c).
 *
 * A RAM zone of 8 MiB over a real memfd, set up the way mmu_init does it:
 * the ISA hole and frame 0 reserved, the next-fit cursor at 1 MiB.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mmu/frame.h"

#define RAM_TOP	     (8ULL << 20)
#define PTBANK_BYTES (1ULL << 20)
#define NR_RAM	     (RAM_TOP >> PAGE_SHIFT)
#define HOLE_LO	     (ISA_HOLE_START >> PAGE_SHIFT)
#define HOLE_HI	     (ISA_HOLE_END >> PAGE_SHIFT)
#define NR_RESERVED  (HOLE_HI - HOLE_LO + 1) /* the hole and frame 0 */
#define CURSOR_BLOCK (HOLE_HI / FRAME_BLOCK)
#define BANK_PFN     (PTBANK_BASE >> PAGE_SHIFT)
#define NR_BANK	     (PTBANK_BYTES >> PAGE_SHIFT)

static struct phys phys;
static struct events ev;
static struct zone ram;

static void setup(void)
{
	char err[256] = "";

	cr_assert_eq(phys_init(&phys, RAM_TOP, PTBANK_BYTES, err, sizeof(err)),
		     0, "phys_init: %s", err);
	memset(&ev, 0, sizeof(ev));
	cr_assert_eq(zone_init(&ram, "ram", 0, NR_RAM, &phys, &ev), 0);
	for (uint64_t pa = ISA_HOLE_START; pa < ISA_HOLE_END; pa += PAGE_SIZE)
		zone_reserve(&ram, pa >> PAGE_SHIFT, FRAME_RESERVED);
	zone_reserve(&ram, 0, FRAME_RESERVED);
	zone_set_cursor(&ram, CURSOR_BLOCK * FRAME_BLOCK);
}

static void teardown(void)
{
	zone_destroy(&ram);
	phys_destroy(&phys);
}

TestSuite(frame, .init = setup, .fini = teardown);

static bool in_hole(uint64_t pfn)
{
	return pfn >= HOLE_LO && pfn < HOLE_HI;
}

static uint8_t *frame_bytes(uint64_t pfn)
{
	uint8_t *p = phys_host(&phys, pfn << PAGE_SHIFT);

	cr_assert_not_null(p, "pfn %#lx has no host bytes", (unsigned long)pfn);
	return p;
}

static bool all_bytes(const uint8_t *p, uint8_t val)
{
	for (uint64_t i = 0; i < PAGE_SIZE; i++)
		if (p[i] != val)
			return false;
	return true;
}

static uint64_t alloc_anon(uint64_t want, unsigned colour)
{
	uint64_t pfn = frame_alloc(&ram, FRAME_ANON, want, colour);

	cr_assert_neq(pfn, PFN_NONE);
	return pfn;
}

Test(frame, reserve_marks_hole_and_frame0_without_events)
{
	cr_assert_eq(ram.nr_free, NR_RAM - NR_RESERVED);
	cr_assert_eq(zone_frame(&ram, 0)->kind, FRAME_RESERVED);
	for (uint64_t pfn = HOLE_LO; pfn < HOLE_HI; pfn++)
		cr_assert_eq(zone_frame(&ram, pfn)->kind, FRAME_RESERVED);
	cr_assert_eq(zone_frame(&ram, 1)->kind, FRAME_FREE);
	cr_assert_eq(zone_frame(&ram, HOLE_LO - 1)->kind, FRAME_FREE);
	cr_assert_eq(zone_frame(&ram, HOLE_HI)->kind, FRAME_FREE);
	cr_assert_eq(ev.count[EV_FRAME_ALLOC], 0);
	cr_assert_eq(ev.frames_now[FRAME_RESERVED], 0);
}

Test(frame, reserve_twice_or_outside_zone_is_noop)
{
	zone_reserve(&ram, HOLE_LO, FRAME_RESERVED);
	zone_reserve(&ram, 0, FRAME_KERNEL);
	zone_reserve(&ram, NR_RAM, FRAME_RESERVED);
	cr_assert_eq(ram.nr_free, NR_RAM - NR_RESERVED);
	cr_assert_eq(zone_frame(&ram, 0)->kind, FRAME_RESERVED);
}

Test(frame, exhaustion_returns_every_free_frame_once)
{
	static bool seen[NR_RAM];
	uint64_t n = 0, pfn;

	while ((pfn = frame_alloc(&ram, FRAME_ANON, PFN_NONE,
				  (unsigned)n % FRAME_BLOCK)) != PFN_NONE) {
		cr_assert_lt(pfn, NR_RAM);
		cr_assert_not(in_hole(pfn), "hole frame %#lx handed out",
			      (unsigned long)pfn);
		cr_assert_neq(pfn, 0);
		cr_assert_not(seen[pfn], "frame %#lx handed out twice",
			      (unsigned long)pfn);
		seen[pfn] = true;
		n++;
	}
	cr_assert_eq(n, NR_RAM - NR_RESERVED);
	cr_assert_eq(ram.nr_free, 0);
	cr_assert_eq(ev.count[EV_FRAME_ALLOC], n);
	cr_assert_eq(ev.frames_now[FRAME_ANON], n);
	cr_assert_eq(ev.frames_alloc[FRAME_ANON], n);
}

Test(frame, exhausted_zone_ignores_want_and_emits_nothing)
{
	while (frame_alloc(&ram, FRAME_ANON, PFN_NONE, 0) != PFN_NONE)
		;
	uint64_t allocs = ev.count[EV_FRAME_ALLOC];

	cr_assert_eq(frame_alloc(&ram, FRAME_ANON, HOLE_LO, 0), PFN_NONE);
	cr_assert_eq(frame_alloc(&ram, FRAME_ANON, 0x300, 5), PFN_NONE);
	cr_assert_eq(frame_alloc_run(&ram, FRAME_KERNEL, 1), PFN_NONE);
	cr_assert_eq(ev.count[EV_FRAME_ALLOC], allocs);
}

Test(frame, fresh_block_starts_at_colour)
{
	for (unsigned c = 0; c < FRAME_BLOCK; c++) {
		uint64_t pfn = alloc_anon(PFN_NONE, c);
		uint64_t block = pfn - c;

		cr_assert_eq(pfn, (CURSOR_BLOCK + c) * FRAME_BLOCK + c);
		cr_assert_eq(pfn % FRAME_BLOCK, c);
		for (uint64_t i = block; i < block + FRAME_BLOCK; i++)
			if (i != pfn)
				cr_assert_eq(zone_frame(&ram, i)->kind,
					     FRAME_FREE);
	}
}

Test(frame, fresh_blocks_are_taken_next_fit)
{
	uint64_t a = alloc_anon(PFN_NONE, 0);

	cr_assert_eq(alloc_anon(PFN_NONE, 0), a + FRAME_BLOCK);
	frame_free(&ram, a); /* a's block is wholly free again */
	cr_assert_eq(alloc_anon(PFN_NONE, 0), a + 2 * FRAME_BLOCK);
}

Test(frame, low_memory_is_used_last)
{
	uint64_t high_blocks = NR_RAM / FRAME_BLOCK - CURSOR_BLOCK;

	for (uint64_t i = 0; i < high_blocks; i++)
		cr_assert_eq(alloc_anon(PFN_NONE, 0),
			     (CURSOR_BLOCK + i) * FRAME_BLOCK);
	/* Block 0 holds reserved frame 0: block 1 is the first whole one. */
	cr_assert_eq(alloc_anon(PFN_NONE, 0), FRAME_BLOCK);
}

Test(frame, colour_is_taken_modulo_block)
{
	uint64_t pfn = alloc_anon(PFN_NONE, FRAME_BLOCK + 5);

	cr_assert_eq(pfn, CURSOR_BLOCK * FRAME_BLOCK + 5);
}

Test(frame, want_is_honoured_when_free)
{
	cr_assert_eq(alloc_anon(0x234, 7), 0x234);
	cr_assert_eq(alloc_anon(0x235, 7), 0x235);
	cr_assert_eq(alloc_anon(1, 0), 1);
	cr_assert_eq(alloc_anon(NR_RAM - 1, 0), NR_RAM - 1);
	cr_assert_eq(zone_frame(&ram, 0x234)->kind, FRAME_ANON);
}

Test(frame, want_is_ignored_when_taken)
{
	cr_assert_eq(alloc_anon(0x234, 0), 0x234);
	uint64_t pfn = alloc_anon(0x234, 3);

	cr_assert_neq(pfn, 0x234);
	cr_assert_eq(pfn, CURSOR_BLOCK * FRAME_BLOCK + 3);
}

Test(frame, want_is_ignored_when_reserved_or_outside)
{
	uint64_t a = alloc_anon(HOLE_LO + 5, 2);
	uint64_t b = alloc_anon(0, 2);
	uint64_t c = alloc_anon(NR_RAM + 7, 2);

	cr_assert_not(in_hole(a));
	cr_assert_neq(b, 0);
	cr_assert_lt(c, NR_RAM);
	cr_assert_eq(zone_frame(&ram, HOLE_LO + 5)->kind, FRAME_RESERVED);
	cr_assert_eq(zone_frame(&ram, 0)->kind, FRAME_RESERVED);
}

Test(frame, want_in_hole_never_honoured_until_exhaustion)
{
	uint64_t n = 0, pfn;

	for (;;) {
		pfn = frame_alloc(&ram, FRAME_ANON, HOLE_LO + n % 96, 0);
		if (pfn == PFN_NONE)
			break;
		cr_assert_not(in_hole(pfn));
		cr_assert_neq(pfn, 0);
		n++;
	}
	cr_assert_eq(n, NR_RAM - NR_RESERVED);
}

Test(frame, fresh_frame_is_zero)
{
	uint64_t pfn = alloc_anon(PFN_NONE, 0);

	cr_assert(all_bytes(frame_bytes(pfn), 0));
	cr_assert_eq(zone_frame(&ram, pfn)->used_before, 0);
}

Test(frame, freed_frame_is_zeroed_when_allocated_again)
{
	uint64_t pfn = alloc_anon(PFN_NONE, 0);
	uint64_t next = alloc_anon(pfn + 1, 0);

	memset(frame_bytes(pfn), 0xab, PAGE_SIZE);
	memset(frame_bytes(next), 0xcd, PAGE_SIZE);
	frame_free(&ram, pfn);
	cr_assert_eq(zone_frame(&ram, pfn)->used_before, 1);
	cr_assert_eq(frame_bytes(pfn)[0], 0xab, "free must not zero eagerly");
	cr_assert_eq(alloc_anon(pfn, 0), pfn);
	cr_assert(all_bytes(frame_bytes(pfn), 0));
	cr_assert(all_bytes(frame_bytes(next), 0xcd), "neighbour touched");
}

Test(frame, freed_frame_is_zeroed_when_reused_twice)
{
	uint64_t pfn = alloc_anon(PFN_NONE, 0);

	for (int round = 0; round < 2; round++) {
		memset(frame_bytes(pfn), 0x5a, PAGE_SIZE);
		frame_free(&ram, pfn);
		cr_assert_eq(alloc_anon(pfn, 0), pfn);
		cr_assert(all_bytes(frame_bytes(pfn), 0), "round %d", round);
	}
}

Test(frame, freed_frame_is_zeroed_by_alloc_run)
{
	uint64_t first = frame_alloc_run(&ram, FRAME_KERNEL, 4);

	cr_assert_eq(first, 1);
	memset(frame_bytes(first + 2), 0x77, PAGE_SIZE);
	frame_free(&ram, first + 2);
	cr_assert_eq(frame_alloc_run(&ram, FRAME_KERNEL, 1), first + 2);
	cr_assert(all_bytes(frame_bytes(first + 2), 0));
}

Test(frame, alloc_run_takes_first_contiguous_free_frames)
{
	uint64_t first = frame_alloc_run(&ram, FRAME_KERNEL, 8);

	cr_assert_eq(first, 1, "frame 0 is reserved; the run starts at 1");
	for (uint64_t pfn = first; pfn < first + 8; pfn++)
		cr_assert_eq(zone_frame(&ram, pfn)->kind, FRAME_KERNEL);
	cr_assert_eq(zone_frame(&ram, first + 8)->kind, FRAME_FREE);
	cr_assert_eq(ram.nr_free, NR_RAM - NR_RESERVED - 8);
}

Test(frame, alloc_run_does_not_span_the_hole)
{
	/* 1..0x9f is 159 frames: too short for 200. */
	uint64_t first = frame_alloc_run(&ram, FRAME_KERNEL, 200);

	cr_assert_eq(first, HOLE_HI);
	for (uint64_t pfn = first; pfn < first + 200; pfn++)
		cr_assert_eq(zone_frame(&ram, pfn)->kind, FRAME_KERNEL);
	cr_assert_eq(zone_frame(&ram, 1)->kind, FRAME_FREE);
}

Test(frame, alloc_run_skips_taken_frames)
{
	cr_assert_eq(frame_alloc_run(&ram, FRAME_KERNEL, HOLE_LO - 1), 1);
	cr_assert_eq(alloc_anon(HOLE_HI + 5, 0), HOLE_HI + 5);
	cr_assert_eq(frame_alloc_run(&ram, FRAME_KERNEL, 5), HOLE_HI);
	cr_assert_eq(frame_alloc_run(&ram, FRAME_KERNEL, 16), HOLE_HI + 6);
}

Test(frame, alloc_run_longest_possible_and_one_more)
{
	uint64_t longest = NR_RAM - HOLE_HI;
	uint64_t free_before = ram.nr_free;

	cr_assert_eq(frame_alloc_run(&ram, FRAME_KERNEL, longest + 1),
		     PFN_NONE);
	cr_assert_eq(ram.nr_free, free_before);
	cr_assert_eq(ev.count[EV_FRAME_ALLOC], 0);
	cr_assert_eq(frame_alloc_run(&ram, FRAME_KERNEL, longest), HOLE_HI);
	cr_assert_eq(ev.count[EV_FRAME_ALLOC], longest);
	cr_assert_eq(ev.frames_now[FRAME_KERNEL], longest);
}

Test(frame, events_count_by_kind)
{
	uint64_t anon[3], file[2];

	for (int i = 0; i < 3; i++)
		anon[i] = frame_alloc(&ram, FRAME_ANON, PFN_NONE, 0);
	for (int i = 0; i < 2; i++)
		file[i] = frame_alloc(&ram, FRAME_FILE, PFN_NONE, 0);
	frame_alloc(&ram, FRAME_PAGETABLE, PFN_NONE, 0);
	frame_free(&ram, anon[1]);
	frame_free(&ram, file[0]);

	cr_assert_eq(ev.count[EV_FRAME_ALLOC], 6);
	cr_assert_eq(ev.count[EV_FRAME_FREE], 2);
	cr_assert_eq(ev.frames_now[FRAME_ANON], 2);
	cr_assert_eq(ev.frames_now[FRAME_FILE], 1);
	cr_assert_eq(ev.frames_now[FRAME_PAGETABLE], 1);
	cr_assert_eq(ev.frames_alloc[FRAME_ANON], 3);
	cr_assert_eq(ev.frames_alloc[FRAME_FILE], 2);
	cr_assert_eq(ev.frames_alloc[FRAME_PAGETABLE], 1);
	cr_assert_eq(ev.frames_peak[FRAME_ANON], 3);
	cr_assert_eq(ev.frames_now[FRAME_KERNEL], 0);
	cr_assert_eq(ram.nr_free, NR_RAM - NR_RESERVED - 4);
}

Test(frame, alloc_run_counts_each_frame)
{
	frame_alloc_run(&ram, FRAME_DRIVER, 10);
	cr_assert_eq(ev.count[EV_FRAME_ALLOC], 10);
	cr_assert_eq(ev.frames_now[FRAME_DRIVER], 10);
	cr_assert_eq(ev.frames_alloc[FRAME_DRIVER], 10);
}

Test(frame, free_of_free_reserved_or_outside_is_noop)
{
	uint64_t pfn = alloc_anon(PFN_NONE, 0);

	frame_free(&ram, pfn);
	uint64_t free_now = ram.nr_free;

	frame_free(&ram, pfn);
	frame_free(&ram, 0x300);
	frame_free(&ram, HOLE_LO);
	frame_free(&ram, 0);
	frame_free(&ram, NR_RAM);
	frame_free(&ram, PFN_NONE);
	cr_assert_eq(ev.count[EV_FRAME_FREE], 1);
	cr_assert_eq(ev.frames_now[FRAME_ANON], 0);
	cr_assert_eq(ram.nr_free, free_now);
	cr_assert_eq(zone_frame(&ram, HOLE_LO)->kind, FRAME_RESERVED);
	cr_assert_eq(zone_frame(&ram, 0)->kind, FRAME_RESERVED);
}

Test(frame, free_resets_metadata)
{
	uint64_t pfn = alloc_anon(PFN_NONE, 0);
	struct frame *f = zone_frame(&ram, pfn);

	f->mapcount = 3;
	f->owner = &ram;
	frame_free(&ram, pfn);
	cr_assert_eq(f->kind, FRAME_FREE);
	cr_assert_eq(f->mapcount, 0);
	cr_assert_null(f->owner);
	f->index = 42;
	cr_assert_eq(alloc_anon(pfn, 0), pfn);
	cr_assert_eq(f->index, 0);
}

Test(frame, zone_edges_at_pfn_zero)
{
	cr_assert(zone_contains(&ram, 0));
	cr_assert(zone_contains(&ram, NR_RAM - 1));
	cr_assert_not(zone_contains(&ram, NR_RAM));
	cr_assert_not(zone_contains(&ram, PFN_NONE));
	cr_assert_eq(zone_frame(&ram, 0), &ram.frames[0]);
	cr_assert_eq(zone_frame(&ram, NR_RAM - 1), &ram.frames[NR_RAM - 1]);
	cr_assert_null(zone_frame(&ram, NR_RAM));
	cr_assert_null(zone_frame(&ram, PFN_NONE));
}

Test(frame, zone_edges_at_high_base)
{
	struct zone bank;

	cr_assert_eq(
		zone_init(&bank, "pagetable", BANK_PFN, NR_BANK, &phys, &ev),
		0);
	cr_assert_not(zone_contains(&bank, BANK_PFN - 1));
	cr_assert(zone_contains(&bank, BANK_PFN));
	cr_assert(zone_contains(&bank, BANK_PFN + NR_BANK - 1));
	cr_assert_not(zone_contains(&bank, BANK_PFN + NR_BANK));
	cr_assert_not(zone_contains(&bank, 0));
	cr_assert_null(zone_frame(&bank, BANK_PFN - 1));
	cr_assert_eq(zone_frame(&bank, BANK_PFN), &bank.frames[0]);
	cr_assert_eq(zone_frame(&bank, BANK_PFN + NR_BANK - 1),
		     &bank.frames[NR_BANK - 1]);
	cr_assert_null(zone_frame(&bank, BANK_PFN + NR_BANK));
	zone_destroy(&bank);
}

Test(frame, zone_edges_near_top_of_pfn_space)
{
	struct zone z;

	cr_assert_eq(zone_init(&z, "top", UINT64_MAX - 4, 4, &phys, &ev), 0);
	cr_assert_not(zone_contains(&z, UINT64_MAX - 5));
	cr_assert(zone_contains(&z, UINT64_MAX - 4));
	cr_assert(zone_contains(&z, UINT64_MAX - 1));
	cr_assert_not(zone_contains(&z, UINT64_MAX));
	cr_assert_not(zone_contains(&z, 0));
	zone_destroy(&z);
}

Test(frame, bank_zone_allocates_and_zeroes_bank_frames)
{
	struct zone bank;

	cr_assert_eq(
		zone_init(&bank, "pagetable", BANK_PFN, NR_BANK, &phys, &ev),
		0);
	uint64_t pfn = frame_alloc(&bank, FRAME_PAGETABLE, PFN_NONE, 9);

	cr_assert_eq(pfn, BANK_PFN + 9);
	cr_assert_eq(frame_bytes(pfn), phys.host + RAM_TOP + 9 * PAGE_SIZE);
	memset(frame_bytes(pfn), 0xee, PAGE_SIZE);
	frame_free(&bank, pfn);
	cr_assert_eq(frame_alloc(&bank, FRAME_PAGETABLE, pfn, 0), pfn);
	cr_assert(all_bytes(frame_bytes(pfn), 0));
	cr_assert_eq(frame_alloc_run(&bank, FRAME_PAGETABLE, 3), BANK_PFN);
	zone_destroy(&bank);
}

Test(frame, partial_last_block_is_used_but_never_overrun)
{
	struct zone z;
	const uint64_t base = 0x200, nr = FRAME_BLOCK + 4;
	bool seen[FRAME_BLOCK + 4] = {false};
	uint64_t pfn;

	cr_assert_eq(zone_init(&z, "small", base, nr, &phys, &ev), 0);
	cr_assert_eq(frame_alloc(&z, FRAME_ANON, PFN_NONE, 3), base + 3);
	seen[3] = true;
	for (uint64_t n = 1; n < nr; n++) {
		pfn = frame_alloc(&z, FRAME_ANON, PFN_NONE, FRAME_BLOCK - 1);
		cr_assert(zone_contains(&z, pfn), "pfn %#lx",
			  (unsigned long)pfn);
		cr_assert_not(seen[pfn - base]);
		seen[pfn - base] = true;
	}
	cr_assert_eq(frame_alloc(&z, FRAME_ANON, PFN_NONE, 0), PFN_NONE);
	cr_assert_eq(z.nr_free, 0);
	zone_destroy(&z);
}

/* ---- NUMA nodes: a zone split in equal, 2 MiB-aligned parts */

Test(frame, nodes_split_the_zone_and_allocate_within_their_part)
{
	zone_split_nodes(&ram, 2);
	zone_set_cursor(&ram, CURSOR_BLOCK * FRAME_BLOCK);
	/* 8 MiB: node 0 has [0, 4 MiB), node 1 [4 MiB, 8 MiB) */
	cr_assert_eq(zone_node_of(&ram, 0x3ff), 0);
	cr_assert_eq(zone_node_of(&ram, 0x400), 1);
	uint64_t a = frame_alloc_node(&ram, FRAME_ANON, PFN_NONE, 0, 1);
	cr_assert_eq(a, 0x400, "first frame of node 1");
	uint64_t b = frame_alloc_node(&ram, FRAME_ANON, 0x200, 0, 1);
	cr_assert_eq(zone_node_of(&ram, b), 1, "want in node 0 is ignored");
	cr_assert_eq(frame_alloc_node(&ram, FRAME_ANON, PFN_NONE, 0, 2),
		     PFN_NONE, "no node 2");
	uint64_t c = frame_alloc(&ram, FRAME_ANON, PFN_NONE, 0);
	cr_assert_eq(zone_node_of(&ram, c), 0, "any node: node 0 first");
}
