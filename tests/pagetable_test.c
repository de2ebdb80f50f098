/* Unit tests of the page-table code (mmu/pagetable.c) on a real memory
 * system: RAM, a page-table bank and a Unicorn engine, and of pt_walk, the
 * CPU's page walker, against the x86 rules (Intel SDM vol. 3A 4.5-4.8).
 *
 * The tables are also read by hand from the PML4 down with the x86 index
 * formula, independently of the walk in pagetable.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "mmu/mm.h"
#include "mmu/pagetable.h"
#include "mmu/pte.h"

#define KERNEL_VA 0xffffffff80000000ULL
#define USER_VA	  0x400000ULL
#define PT_SPAN	  (512 * PAGE_SIZE) /* one page table: 2 MiB */
#define PD_SPAN	  (512 * PT_SPAN)   /* one page directory: 1 GiB */
#define PDPT_SPAN (512 * PD_SPAN)   /* one PDPT: 512 GiB */
#define LOW_BITS  (~PTE_ADDR)	    /* everything but the address */

static uc_engine *uc;
static struct mmu mmu;
static struct mm *mm;

static void setup(void)
{
	char err[256] = "";

	cr_assert_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
	cr_assert_eq(
		mmu_init(&mmu, uc, 64ULL << 20, 16ULL << 20, err, sizeof(err)),
		0, "mmu_init: %s", err);
	mm = mm_create(&mmu);
	cr_assert_not_null(mm);
}

static void teardown(void)
{
	mm_destroy(mm);
	mmu_destroy(&mmu);
	uc_close(uc);
}

TestSuite(pagetable, .init = setup, .fini = teardown);

/* ------------------------------------------------------------ helpers */

static uint64_t pt_pages(void)
{
	return mmu.events.frames_now[FRAME_PAGETABLE];
}

static uint64_t pte_sets(void)
{
	return mmu.events.count[EV_PTE_SET];
}

static uint64_t pte_clears(void)
{
	return mmu.events.count[EV_PTE_CLEAR];
}

static uint64_t new_frame(void)
{
	uint64_t pfn = frame_alloc(&mmu.ram, FRAME_ANON, PFN_NONE, 0);

	cr_assert_neq(pfn, PFN_NONE);
	return pfn;
}

/* Enter a user mapping of a fresh frame at va. */
static uint64_t enter_user(uint64_t va, unsigned ptf)
{
	uint64_t pfn = new_frame();

	cr_assert_eq(pt_enter(mm, va, pfn, ptf | PTF_USER), 0);
	return pfn;
}

static void enter_kernel(uint64_t va, uint64_t pfn)
{
	cr_assert_eq(pt_enter_kernel(mm, va, pfn), 0);
}

/* The entry for va at level (4 = PML4 ... 1 = PT), read by hand. */
static pte_t hand_entry(uint64_t va, int level)
{
	static const unsigned shift[] = {0, 12, 21, 30, 39};
	uint64_t pfn = mm->pml4_pfn;

	for (int l = 4;; l--) {
		const pte_t *t = mmu_pfn_host(&mmu, pfn);
		pte_t e = t[(va >> shift[l]) & 511];

		if (l == level)
			return e;
		cr_assert(e & PTE_P, "level %d entry for %#lx absent", l,
			  (unsigned long)va);
		pfn = (e & PTE_ADDR) >> PAGE_SHIFT;
	}
}

static uint8_t *frame_bytes(uint64_t pfn)
{
	return mmu_pfn_host(&mmu, pfn);
}

/* ------------------------------------------------------ table building */

Test(pagetable, create_allocates_only_the_pml4)
{
	cr_assert_eq(pt_pages(), 1);
	cr_assert(zone_contains(&mmu.ptbank, mm->pml4_pfn));
	cr_assert_eq(pt_root(mm), mm->pml4_pfn << PAGE_SHIFT);
	cr_assert_eq(pte_sets(), 0);
}

Test(pagetable, fresh_user_va_allocates_three_tables)
{
	uint64_t before = pt_pages(), sets = pte_sets();

	enter_user(USER_VA, PTF_WRITE);
	cr_assert_eq(pt_pages() - before, 3);
	cr_assert_eq(pte_sets() - sets, 4, "3 upper entries and the leaf");
}

Test(pagetable, neighbour_in_same_table_allocates_none)
{
	enter_user(USER_VA, PTF_WRITE);
	uint64_t before = pt_pages(), sets = pte_sets();

	enter_user(USER_VA + PAGE_SIZE, PTF_WRITE);
	enter_user(USER_VA + PT_SPAN - PAGE_SIZE, 0);
	cr_assert_eq(pt_pages(), before);
	cr_assert_eq(pte_sets() - sets, 2);
}

Test(pagetable, tables_allocated_per_missing_level)
{
	enter_user(USER_VA, PTF_WRITE);
	uint64_t before = pt_pages();

	enter_user(USER_VA + PT_SPAN, 0); /* new PT */
	cr_assert_eq(pt_pages() - before, 1);
	enter_user(USER_VA + PD_SPAN, 0); /* new PD, PT */
	cr_assert_eq(pt_pages() - before, 3);
	enter_user(USER_VA + PDPT_SPAN, 0); /* new PDPT, PD, PT */
	cr_assert_eq(pt_pages() - before, 6);
	enter_kernel(KERNEL_VA, new_frame()); /* kernel half */
	cr_assert_eq(pt_pages() - before, 9);
}

Test(pagetable, replacing_an_entry_allocates_nothing)
{
	enter_user(USER_VA, PTF_WRITE);
	uint64_t before = pt_pages(), sets = pte_sets();
	uint64_t pfn = new_frame();

	mm->flush_pending = false;
	cr_assert_eq(pt_enter(mm, USER_VA, pfn, PTF_USER), 0);
	cr_assert_eq(pt_get(mm, USER_VA),
		     (pfn << PAGE_SHIFT) | PTE_P | PTE_U | PTE_NX);
	cr_assert_eq(pt_pages(), before);
	cr_assert_eq(pte_sets() - sets, 1);
	/* The old frame may sit in the TLB: one page to flush, unless the
	 * TLB fill of that very page refills it. */
	cr_assert_not(mm->flush_pending);
	cr_assert_eq(mm->flush_page, USER_VA);
}

Test(pagetable, absent_va_reads_zero_and_allocates_nothing)
{
	enter_user(USER_VA, PTF_WRITE);
	uint64_t before = pt_pages(), sets = pte_sets();

	cr_assert_eq(pt_get(mm, USER_VA + PAGE_SIZE), 0);
	cr_assert_eq(pt_get(mm, USER_VA + PD_SPAN), 0);
	cr_assert_eq(pt_get(mm, KERNEL_VA), 0);
	cr_assert_eq(pt_pages(), before);
	cr_assert_eq(pte_sets(), sets);
}

Test(pagetable, enomem_when_bank_is_exhausted)
{
	struct mmu small;
	uc_engine *uc2;
	char err[256] = "";

	cr_assert_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc2), UC_ERR_OK);
	cr_assert_eq(mmu_init(&small, uc2, 8ULL << 20, 3 * PAGE_SIZE, err,
			      sizeof(err)),
		     0, "mmu_init: %s", err);
	struct mm *m = mm_create(&small);

	cr_assert_not_null(m);
	cr_assert_eq(pt_enter_kernel(m, KERNEL_VA, 0x200), -ENOMEM);
	cr_assert_eq(pt_get(m, KERNEL_VA), 0);
	cr_assert_eq(small.events.frames_now[FRAME_PAGETABLE], 3);
	cr_assert_eq(small.events.count[EV_PTE_SET], 2, "PML4 and PDPT entry");
	mm_destroy(m);
	mmu_destroy(&small);
	uc_close(uc2);
}

/* --------------------------------------------------------- entry bits */

struct bits_case {
	unsigned ptf;
	pte_t bits;
};

static const struct bits_case bits_cases[] = {
	{0, PTE_P | PTE_NX},
	{PTF_WRITE, PTE_P | PTE_W | PTE_NX},
	{PTF_USER, PTE_P | PTE_U | PTE_NX},
	{PTF_USER | PTF_WRITE, PTE_P | PTE_U | PTE_W | PTE_NX},
	{PTF_USER | PTF_SPECIAL, PTE_P | PTE_U | PTE_SPECIAL | PTE_NX},
	{PTF_NOCACHE, PTE_P | PTE_PCD | PTE_NX},
	{PTF_WRITETHRU, PTE_P | PTE_PWT | PTE_NX},
	{PTF_USER | PTF_EXEC, PTE_P | PTE_U},
	{PTF_USER | PTF_WRITE | PTF_NOCACHE | PTF_WRITETHRU | PTF_SPECIAL,
	 PTE_P | PTE_U | PTE_W | PTE_PCD | PTE_PWT | PTE_SPECIAL | PTE_NX},
};

Test(pagetable, leaf_bits_follow_flags_with_a_and_d_clear)
{
	size_t n = sizeof(bits_cases) / sizeof(bits_cases[0]);

	for (size_t i = 0; i < n; i++) {
		uint64_t va = USER_VA + i * PAGE_SIZE, pfn = new_frame();

		cr_assert_eq(pt_enter(mm, va, pfn, bits_cases[i].ptf), 0);
		cr_assert_eq(pt_get(mm, va),
			     (pfn << PAGE_SHIFT) | bits_cases[i].bits,
			     "case %zu: %#lx", i,
			     (unsigned long)pt_get(mm, va));
		cr_assert_eq(hand_entry(va, 1), pt_get(mm, va));
	}
}

Test(pagetable, kernel_entry_is_writable_executable_supervisor)
{
	enter_kernel(KERNEL_VA, 0x345);
	cr_assert_eq(pt_get(mm, KERNEL_VA),
		     (0x345ULL << PAGE_SHIFT) | PTE_P | PTE_W);
}

Test(pagetable, pfn_round_trips)
{
	static const uint64_t pfns[] = {
		0,
		1,
		0x12345,
		PTBANK_BASE >> PAGE_SHIFT,
		(1ULL << (PHYS_ADDR_BITS - PAGE_SHIFT)) - 1,
		(PTE_ADDR >> PAGE_SHIFT), /* every address bit */
	};

	for (size_t i = 0; i < sizeof(pfns) / sizeof(pfns[0]); i++) {
		uint64_t va = KERNEL_VA + i * PAGE_SIZE;

		enter_kernel(va, pfns[i]);
		cr_assert_eq(pte_pfn(pt_get(mm, va)), pfns[i]);
		cr_assert_eq(pt_get(mm, va) & LOW_BITS, PTE_P | PTE_W);
	}
}

Test(pagetable, upper_levels_of_user_va_grant_user)
{
	const uint64_t va = 0x7fff12345000ULL;
	uint64_t pfn = enter_user(va, 0);

	for (int level = 4; level > 1; level--) {
		pte_t e = hand_entry(va, level);

		cr_assert_eq(e & LOW_BITS, PTE_P | PTE_W | PTE_U,
			     "level %d: %#lx", level, (unsigned long)e);
		cr_assert(zone_contains(&mmu.ptbank, pte_pfn(e)));
	}
	cr_assert_eq(hand_entry(va, 1),
		     (pfn << PAGE_SHIFT) | PTE_P | PTE_U | PTE_NX);
	cr_assert_eq(hand_entry(va, 1), pt_get(mm, va));
}

Test(pagetable, upper_levels_of_kernel_va_deny_user)
{
	uint64_t pfn = new_frame();

	enter_kernel(KERNEL_VA, pfn);
	cr_assert_eq(hand_entry(KERNEL_VA, 4),
		     ((pte_t *)frame_bytes(mm->pml4_pfn))[511]);
	for (int level = 4; level > 1; level--) {
		pte_t e = hand_entry(KERNEL_VA, level);

		cr_assert_eq(e & LOW_BITS, PTE_P | PTE_W, "level %d: %#lx",
			     level, (unsigned long)e);
		cr_assert(zone_contains(&mmu.ptbank, pte_pfn(e)));
	}
	cr_assert_eq(hand_entry(KERNEL_VA, 1), pt_get(mm, KERNEL_VA));
}

Test(pagetable, distinct_tables_for_distinct_slots)
{
	enter_user(USER_VA, 0);
	enter_user(USER_VA + PDPT_SPAN, 0);
	cr_assert_neq(pte_pfn(hand_entry(USER_VA, 3)),
		      pte_pfn(hand_entry(USER_VA + PDPT_SPAN, 3)));
	cr_assert_neq(pte_pfn(hand_entry(USER_VA, 1)),
		      pte_pfn(hand_entry(USER_VA + PDPT_SPAN, 1)));
}

/* ---------------------------------------------------- changing entries */

Test(pagetable, clear_returns_old_entry_and_batches_flush)
{
	enter_user(USER_VA, PTF_WRITE);
	pte_t old = pt_get(mm, USER_VA);
	uint64_t sets = pte_sets(), clears = pte_clears();

	mm->flush_pending = false;
	cr_assert_eq(pt_clear(mm, USER_VA), old);
	cr_assert_eq(pt_get(mm, USER_VA), 0);
	cr_assert_eq(hand_entry(USER_VA, 1), 0);
	cr_assert(mm->flush_pending);
	cr_assert_eq(pte_clears() - clears, 1);
	cr_assert_eq(pte_sets(), sets);
}

Test(pagetable, clear_of_empty_entry_changes_nothing)
{
	enter_user(USER_VA, PTF_WRITE);
	uint64_t before = pt_pages(), clears = pte_clears();

	mm->flush_pending = false;
	cr_assert_eq(pt_clear(mm, USER_VA + PAGE_SIZE), 0);
	cr_assert_eq(pt_clear(mm, USER_VA + PD_SPAN), 0);
	cr_assert_eq(pt_clear(mm, KERNEL_VA), 0);
	cr_assert_not(mm->flush_pending);
	cr_assert_eq(pte_clears(), clears);
	cr_assert_eq(pt_pages(), before);
}

Test(pagetable, clear_of_protnone_entry_needs_no_flush)
{
	enter_user(USER_VA, PTF_WRITE);
	pt_set_protnone(mm, USER_VA, true, false);
	pte_t old = pt_get(mm, USER_VA);

	mm->flush_pending = false;
	cr_assert_eq(pt_clear(mm, USER_VA), old);
	cr_assert(old & PTE_PROTNONE);
	cr_assert_not(mm->flush_pending);
	cr_assert_eq(pt_get(mm, USER_VA), 0);
}

Test(pagetable, write_protect_batches_flush)
{
	enter_user(USER_VA, PTF_WRITE);
	pte_t old = pt_get(mm, USER_VA);
	uint64_t sets = pte_sets();

	mm->flush_pending = false;
	pt_set_writable(mm, USER_VA, false);
	cr_assert_eq(pt_get(mm, USER_VA), old & ~PTE_W);
	cr_assert(mm->flush_pending);
	cr_assert_eq(pte_sets() - sets, 1);
}

Test(pagetable, write_enable_needs_no_flush)
{
	enter_user(USER_VA, 0);
	pte_t old = pt_get(mm, USER_VA);
	uint64_t sets = pte_sets();

	mm->flush_pending = false;
	pt_set_writable(mm, USER_VA, true);
	cr_assert_eq(pt_get(mm, USER_VA), old | PTE_W);
	cr_assert_not(mm->flush_pending);
	cr_assert_eq(pte_sets() - sets, 1);
}

Test(pagetable, set_writable_without_change_writes_nothing)
{
	enter_user(USER_VA, PTF_WRITE);
	enter_user(USER_VA + PAGE_SIZE, 0);
	uint64_t sets = pte_sets(), clears = pte_clears();

	mm->flush_pending = false;
	pt_set_writable(mm, USER_VA, true);
	pt_set_writable(mm, USER_VA + PAGE_SIZE, false);
	pt_set_writable(mm, USER_VA + 2 * PAGE_SIZE, false);
	pt_set_writable(mm, USER_VA + PD_SPAN, true);
	cr_assert_not(mm->flush_pending);
	cr_assert_eq(pte_sets(), sets);
	cr_assert_eq(pte_clears(), clears);
}

Test(pagetable, protnone_keeps_pfn_and_restores)
{
	uint64_t pfn = enter_user(USER_VA, PTF_WRITE);
	pte_t old = pt_get(mm, USER_VA);

	mm->flush_pending = false;
	pt_set_protnone(mm, USER_VA, true, false);
	pte_t none = pt_get(mm, USER_VA);

	cr_assert_eq(none, (old & ~(PTE_P | PTE_W)) | PTE_PROTNONE);
	cr_assert_eq(pte_pfn(none), pfn);
	cr_assert_not(pte_present(none));
	cr_assert(pte_has_frame(none));
	cr_assert(mm->flush_pending);

	mm->flush_pending = false;
	pt_set_protnone(mm, USER_VA, false, false);
	cr_assert_eq(pt_get(mm, USER_VA), old & ~PTE_W);
	pt_set_protnone(mm, USER_VA, false, true);
	cr_assert_eq(pt_get(mm, USER_VA), old);
	cr_assert_not(mm->flush_pending);
}

Test(pagetable, protnone_twice_writes_once)
{
	enter_user(USER_VA, PTF_WRITE);
	pt_set_protnone(mm, USER_VA, true, false);
	uint64_t sets = pte_sets();

	mm->flush_pending = false;
	pt_set_protnone(mm, USER_VA, true, false);
	pt_set_protnone(mm, USER_VA + PAGE_SIZE, true, false);
	cr_assert_not(mm->flush_pending);
	cr_assert_eq(pte_sets(), sets);
}

Test(pagetable, protnone_entry_is_not_made_writable)
{
	enter_user(USER_VA, 0);
	pt_set_protnone(mm, USER_VA, true, false);
	pte_t none = pt_get(mm, USER_VA);

	pt_set_writable(mm, USER_VA, true);
	cr_assert_eq(pt_get(mm, USER_VA), none);
}

Test(pagetable, touch_sets_accessed_then_dirty)
{
	enter_user(USER_VA, PTF_WRITE);
	pte_t old = pt_get(mm, USER_VA);
	uint64_t sets = pte_sets();

	pt_touch(mm, USER_VA, false);
	cr_assert_eq(pt_get(mm, USER_VA), old | PTE_A);
	pt_touch(mm, USER_VA, true);
	cr_assert_eq(pt_get(mm, USER_VA), old | PTE_A | PTE_D | PTE_SOFT_DIRTY);
	pt_touch(mm, USER_VA, true);
	cr_assert_eq(pte_sets() - sets, 2);
}

/* ------------------------------------------------ soft-dirty and young */

Test(pagetable, write_walk_sets_soft_dirty_on_ordinary_frames_only)
{
	struct pt_walk w;
	struct pt_entry e;
	enter_user(USER_VA, PTF_WRITE);
	cr_assert_eq(pt_walk(mm, USER_VA, PT_READ, true, &w), 0);
	cr_assert_not(pt_get(mm, USER_VA) & (PTE_D | PTE_SOFT_DIRTY));
	cr_assert_eq(pt_walk(mm, USER_VA, PT_WRITE, true, &w), 0);
	pt_lookup(mm, USER_VA, &e);
	cr_assert(e.dirty && e.soft_dirty && e.accessed);

	/* a PFN map's entry: the CPU sets D, nothing sets soft-dirty */
	cr_assert_eq(pt_enter(mm, USER_VA + PAGE_SIZE, 0x5000,
			      PTF_SPECIAL | PTF_WRITE | PTF_USER),
		     0);
	cr_assert_eq(pt_walk(mm, USER_VA + PAGE_SIZE, PT_WRITE, true, &w), 0);
	pt_lookup(mm, USER_VA + PAGE_SIZE, &e);
	cr_assert(e.dirty);
	cr_assert_not(e.soft_dirty);
}

Test(pagetable, clear_soft_dirty_takes_write_keeps_d_and_batches_flush)
{
	struct pt_walk w;
	struct pt_entry e;
	enter_user(USER_VA, PTF_WRITE);
	cr_assert_eq(pt_walk(mm, USER_VA, PT_WRITE, true, &w), 0);
	mm->flush_pending = false;
	pt_clear_soft_dirty(mm, USER_VA);
	pt_lookup(mm, USER_VA, &e);
	cr_assert(e.present && e.dirty && e.accessed);
	cr_assert_not(e.writable);
	cr_assert_not(e.soft_dirty);
	cr_assert(mm->flush_pending);

	/* the next write faults; once writable again, it marks the page */
	cr_assert_eq(pt_walk(mm, USER_VA, PT_WRITE, true, &w), -1);
	cr_assert_eq(w.error, PF_PROT | PF_WRITE | PF_USER);
	pt_set_writable(mm, USER_VA, true);
	cr_assert_eq(pt_walk(mm, USER_VA, PT_WRITE, true, &w), 0);
	pt_lookup(mm, USER_VA, &e);
	cr_assert(e.soft_dirty && e.writable);
}

Test(pagetable, clear_soft_dirty_of_clean_read_only_entry_writes_nothing)
{
	enter_user(USER_VA, 0);
	uint64_t sets = pte_sets();
	mm->flush_pending = false;
	pt_clear_soft_dirty(mm, USER_VA);
	pt_clear_soft_dirty(mm, USER_VA + PAGE_SIZE); /* empty */
	cr_assert_eq(pte_sets(), sets);
	cr_assert_not(mm->flush_pending);
}

Test(pagetable, clear_young_clears_accessed_and_batches_flush)
{
	struct pt_walk w;
	enter_user(USER_VA, PTF_WRITE);
	cr_assert_eq(pt_walk(mm, USER_VA, PT_WRITE, true, &w), 0);
	pte_t old = pt_get(mm, USER_VA);
	mm->flush_pending = false;
	pt_clear_young(mm, USER_VA);
	cr_assert_eq(pt_get(mm, USER_VA), old & ~PTE_A);
	cr_assert(mm->flush_pending);
	uint64_t sets = pte_sets();
	pt_clear_young(mm, USER_VA); /* already clear */
	cr_assert_eq(pte_sets(), sets);
}

Test(pagetable, table_pages_count_the_user_half_below_the_pml4)
{
	cr_assert_eq(pt_table_pages(mm), 0);
	enter_user(USER_VA, 0);
	cr_assert_eq(pt_table_pages(mm), 3); /* PDPT, PD, PT */
	enter_user(USER_VA + PAGE_SIZE, 0);
	cr_assert_eq(pt_table_pages(mm), 3);
	enter_user(USER_VA + PT_SPAN, 0);
	cr_assert_eq(pt_table_pages(mm), 4);
	enter_user(USER_VA + PDPT_SPAN, 0);
	cr_assert_eq(pt_table_pages(mm), 7);
	cr_assert_eq(pt_enter_kernel(mm, KERNEL_VA, new_frame()), 0);
	cr_assert_eq(pt_table_pages(mm), 7, "the kernel half is not counted");
}

Test(pagetable, move_moves_entry)
{
	const uint64_t to = USER_VA + PDPT_SPAN + 0x3000;
	uint64_t pfn = enter_user(USER_VA, PTF_WRITE);
	pte_t old = pt_get(mm, USER_VA);
	uint64_t sets = pte_sets(), clears = pte_clears();

	mm->flush_pending = false;
	cr_assert_eq(pt_move(mm, USER_VA, to), 0);
	cr_assert_eq(pt_get(mm, to), old);
	cr_assert_eq(pt_get(mm, USER_VA), 0);
	cr_assert(mm->flush_pending);
	cr_assert_eq(pte_sets() - sets, 4, "3 new tables and the leaf");
	cr_assert_eq(pte_clears() - clears, 1);
	cr_assert_eq(pte_pfn(hand_entry(to, 1)), pfn);
}

Test(pagetable, move_of_empty_entry_does_nothing)
{
	enter_user(USER_VA, PTF_WRITE);
	uint64_t before = pt_pages(), sets = pte_sets();

	mm->flush_pending = false;
	cr_assert_eq(pt_move(mm, USER_VA + PAGE_SIZE, USER_VA + PD_SPAN), 0);
	cr_assert_eq(pt_move(mm, USER_VA + PDPT_SPAN, USER_VA + PD_SPAN), 0);
	cr_assert_eq(pt_pages(), before);
	cr_assert_eq(pte_sets(), sets);
	cr_assert_not(mm->flush_pending);
}

Test(pagetable, move_of_protnone_entry_needs_no_flush)
{
	enter_user(USER_VA, PTF_WRITE);
	pt_set_protnone(mm, USER_VA, true, false);
	pte_t none = pt_get(mm, USER_VA);

	mm->flush_pending = false;
	cr_assert_eq(pt_move(mm, USER_VA, USER_VA + PAGE_SIZE), 0);
	cr_assert_eq(pt_get(mm, USER_VA + PAGE_SIZE), none);
	cr_assert_eq(pt_get(mm, USER_VA), 0);
	cr_assert_not(mm->flush_pending);
}

/* ------------------------------------------------------------ for_each */

#define MAX_VISITS 16

struct visits {
	unsigned n;
	uint64_t va[MAX_VISITS];
	pte_t pte[MAX_VISITS];
};

static void record(struct mm *m, uint64_t va, pte_t pte, void *arg)
{
	struct visits *v = arg;

	cr_assert_eq(m, mm);
	cr_assert_lt(v->n, MAX_VISITS);
	v->va[v->n] = va;
	v->pte[v->n++] = pte;
}

/* Pages in different PML4, PDPT, PD and PT slots, one of them PROT_NONE;
 * a cleared page sits between them. */
static const uint64_t spread[] = {
	0x1000,	    0x5000,	     0x200000,
	0x40000000, 0x8000000000ULL, 0x7fffffffe000ULL,
};
#define NR_SPREAD (sizeof(spread) / sizeof(spread[0]))

static void enter_spread(void)
{
	for (size_t i = 0; i < NR_SPREAD; i++)
		enter_user(spread[i], PTF_WRITE);
	pt_set_protnone(mm, 0x200000, true, false);
	enter_user(0x3000, 0);
	pt_clear(mm, 0x3000);
}

static void expect_visits(uint64_t start, uint64_t end, size_t first,
			  size_t count)
{
	struct visits v = {0};

	pt_for_each(mm, start, end, record, &v);
	cr_assert_eq(v.n, count, "[%#lx, %#lx): %u visits",
		     (unsigned long)start, (unsigned long)end, v.n);
	for (size_t i = 0; i < count; i++) {
		cr_assert_eq(v.va[i], spread[first + i]);
		cr_assert_eq(v.pte[i], pt_get(mm, v.va[i]));
	}
}

Test(pagetable, for_each_visits_every_entry_in_order)
{
	enter_spread();
	enter_kernel(KERNEL_VA, 0x200);
	expect_visits(0, USER_VA_END, 0, NR_SPREAD);
}

Test(pagetable, for_each_respects_range)
{
	enter_spread();
	expect_visits(0x5000, 0x8000000000ULL, 1, 3);
	/* A page that only partly overlaps the range is visited. */
	expect_visits(0x5fff, 0x40000001, 1, 3);
	expect_visits(0x6000, 0x40000000, 2, 1);
	expect_visits(0x1000, 0x1001, 0, 1);
	expect_visits(0x2000, 0x5000, 0, 0);
	expect_visits(0x8000000000ULL, 0x7fffffffe000ULL, 4, 1);
	expect_visits(0x40000000, 0x40000000, 0, 0);
}

Test(pagetable, for_each_skips_absent_tables_without_allocating)
{
	enter_spread();
	uint64_t before = pt_pages();

	expect_visits(0x400000000ULL, 0x7000000000ULL, 0, 0);
	cr_assert_eq(pt_pages(), before);
}

Test(pagetable, for_each_visits_kernel_half_at_canonical_addresses)
{
	struct visits v = {0};

	enter_kernel(KERNEL_VA, 0x200);
	enter_kernel(KERNEL_VA + 3 * PAGE_SIZE, 0x201);
	enter_user(USER_VA, 0);
	pt_for_each(mm, KERNEL_VA, KERNEL_VA + PT_SPAN, record, &v);
	cr_assert_eq(v.n, 2);
	cr_assert_eq(v.va[0], KERNEL_VA);
	cr_assert_eq(v.va[1], KERNEL_VA + 3 * PAGE_SIZE);
	cr_assert_eq(pte_pfn(v.pte[1]), 0x201);
}

Test(pagetable, for_each_reaches_the_last_page)
{
	const uint64_t top = 0xfffffffffffff000ULL;
	struct visits v = {0};

	enter_kernel(top, 0x202);
	enter_kernel(top - PT_SPAN, 0x203);
	pt_for_each(mm, top - PT_SPAN + PAGE_SIZE, UINT64_MAX, record, &v);
	cr_assert_eq(v.n, 1);
	cr_assert_eq(v.va[0], top);
	cr_assert_eq(pte_pfn(v.pte[0]), 0x202);
}

/* ----------------------------------------------------------- neighbours */

#define K (KERNEL_VA + PT_SPAN) /* first page of a kernel page table */

static uint64_t page(unsigned i)
{
	return K + (uint64_t)i * PAGE_SIZE;
}

Test(pagetable, neighbour_pfn_adds_distance)
{
	enter_kernel(page(100), 0x1000);
	cr_assert_eq(pt_neighbour_pfn(mm, page(101)), 0x1001);
	cr_assert_eq(pt_neighbour_pfn(mm, page(103)), 0x1003);
	cr_assert_eq(pt_neighbour_pfn(mm, page(98)), 0x0ffe);
	cr_assert_eq(pt_neighbour_pfn(mm, page(100 + FRAME_BLOCK)),
		     0x1000 + FRAME_BLOCK);
	cr_assert_eq(pt_neighbour_pfn(mm, page(100 - FRAME_BLOCK)),
		     0x1000 - FRAME_BLOCK);
}

Test(pagetable, neighbour_pfn_reaches_table_edges)
{
	enter_kernel(page(0), 0x1000);
	enter_kernel(page(511), 0x3000);
	cr_assert_eq(pt_neighbour_pfn(mm, page(FRAME_BLOCK)),
		     0x1000 + FRAME_BLOCK);
	cr_assert_eq(pt_neighbour_pfn(mm, page(511 - FRAME_BLOCK)),
		     0x3000 - FRAME_BLOCK);
}

Test(pagetable, neighbour_pfn_none_beyond_block_or_table)
{
	enter_kernel(page(100), 0x1000);
	cr_assert_eq(pt_neighbour_pfn(mm, page(100 + FRAME_BLOCK + 1)),
		     PFN_NONE);
	cr_assert_eq(pt_neighbour_pfn(mm, page(100 - FRAME_BLOCK - 1)),
		     PFN_NONE);
	cr_assert_eq(pt_neighbour_pfn(mm, K + PD_SPAN), PFN_NONE);
	cr_assert_eq(pt_neighbour_pfn(mm, USER_VA), PFN_NONE);
}

Test(pagetable, neighbour_pfn_stays_in_one_table)
{
	enter_kernel(page(511), 0x7000);
	enter_kernel(page(520), 0x9000);
	cr_assert_eq(pt_neighbour_pfn(mm, page(512)), 0x9000 - 8);
	cr_assert_eq(pt_neighbour_pfn(mm, page(510)), 0x7000 - 1);
}

Test(pagetable, neighbour_pfn_prefers_nearest_then_left)
{
	enter_kernel(page(200), 0x2000);
	enter_kernel(page(202), 0x3000);
	cr_assert_eq(pt_neighbour_pfn(mm, page(201)), 0x2001);
	enter_kernel(page(300), 0x4000);
	enter_kernel(page(305), 0x6000);
	cr_assert_eq(pt_neighbour_pfn(mm, page(304)), 0x5fff);
}

Test(pagetable, neighbour_pfn_skips_special_absent_and_low_pfns)
{
	cr_assert_eq(pt_enter(mm, page(100), 0x5000, PTF_SPECIAL), 0);
	cr_assert_eq(pt_neighbour_pfn(mm, page(101)), PFN_NONE);
	cr_assert_eq(pt_neighbour_pfn(mm, page(99)), PFN_NONE);
	enter_kernel(page(200), 1);
	cr_assert_eq(pt_neighbour_pfn(mm, page(198)), PFN_NONE);
	cr_assert_eq(pt_neighbour_pfn(mm, page(199)), 0);
	enter_kernel(page(300), 0x8000);
	pt_set_protnone(mm, page(300), true, false);
	cr_assert_eq(pt_neighbour_pfn(mm, page(301)), PFN_NONE);
}

/* ------------------------------------------------ the debugger's walk */

Test(pagetable, peek_reads_every_level_and_changes_nothing)
{
	uint64_t pfn = enter_user(USER_VA, PTF_WRITE);
	pte_t before[5];
	for (int l = 1; l <= 4; l++)
		before[l] = hand_entry(USER_VA, l);
	uint64_t sets = pte_sets();
	struct pt_level lv[4];
	struct pt_peek_out o;

	cr_assert_eq(pt_peek(mm, USER_VA + 0x123, lv, &o), 4);
	for (int i = 0; i < 4; i++) {
		int l = 4 - i;
		cr_assert_eq(lv[i].level, l);
		cr_assert_eq(lv[i].entry, before[l]);
		cr_assert_eq(lv[i].index,
			     (USER_VA >> (PAGE_SHIFT + 9 * (l - 1))) & 511);
		cr_assert_eq(lv[i].next_pfn,
			     (before[l] & PTE_ADDR) >> PAGE_SHIFT);
		cr_assert_eq(lv[i].leaf, l == 1);
	}
	cr_assert_eq(lv[0].table_pa, mm->pml4_pfn << PAGE_SHIFT);
	cr_assert_eq(o.pa, (pfn << PAGE_SHIFT) + 0x123);
	cr_assert(o.user && o.writable && !o.dirty);
	/* No A, no D, no event: pt_walk would have set A on every level. */
	for (int l = 1; l <= 4; l++)
		cr_assert_eq(hand_entry(USER_VA, l), before[l]);
	cr_assert_eq(before[1] & (PTE_A | PTE_D), 0);
	cr_assert_eq(pte_sets(), sets);
}

Test(pagetable, peek_stops_at_the_first_absent_entry)
{
	enter_user(USER_VA, 0);
	struct pt_level lv[4];
	struct pt_peek_out o;

	/* The next page: same tables, an empty PT slot. */
	cr_assert_eq(pt_peek(mm, USER_VA + PAGE_SIZE, lv, &o), 4);
	cr_assert_eq(lv[3].entry, 0);
	cr_assert_eq(o.pa, PT_PEEK_NONE);
	/* 512 GiB away: no PDPT there. */
	cr_assert_eq(pt_peek(mm, USER_VA ^ (1ULL << 39), lv, &o), 1);
	cr_assert_eq(lv[0].entry, 0);
	cr_assert_eq(o.pa, PT_PEEK_NONE);
	/* Read-only, user. */
	cr_assert_eq(pt_peek(mm, USER_VA, lv, &o), 4);
	cr_assert(o.user && !o.writable);
}

struct tree_seen {
	unsigned leaves, index;
	pte_t entry;
	uint64_t pa;
};

static void tree_visit(int level, unsigned index, pte_t entry, uint64_t next_pa,
		       void *arg)
{
	struct tree_seen *t = arg;
	if (level != 1)
		return;
	t->leaves++;
	t->index = index;
	t->entry = entry;
	t->pa = next_pa;
}

Test(pagetable, walk_tree_visits_each_present_leaf_once)
{
	uint64_t pfn = enter_user(USER_VA, PTF_WRITE);
	pte_t before = hand_entry(USER_VA, 1);
	uint64_t sets = pte_sets();
	struct tree_seen t = {0};

	pt_walk_tree(mm, tree_visit, &t);
	cr_assert_eq(t.leaves, 1);
	cr_assert_eq(t.index, (USER_VA >> PAGE_SHIFT) & 511);
	cr_assert_eq(t.entry, before);
	cr_assert_eq(t.pa, pfn << PAGE_SHIFT);
	cr_assert_eq(hand_entry(USER_VA, 1), before); /* no A set */
	cr_assert_eq(pte_sets(), sets);
}
