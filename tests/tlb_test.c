/* memu's MMU as the CPU sees it (docs/machine.md, "The MMU"): the TLB-fill
 * walk sets Accessed and Dirty and gives write permission only once Dirty
 * is set; NX; a changed translation stays in the TLB until a flush; and
 * code changed through another alias, by the kernel, or replaced at the
 * same address runs changed (checked against Linux, natively). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "emu/machine.h"
#include "harness.h"

static struct guest g;

static void at_probe(void)
{
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE, "%s",
		     g.r.reason ? g.r.reason : "");
}

static struct memu_stats stats(void)
{
	struct memu_stats s;
	guest_stats(&g, &s);
	return s;
}

/* TLB misses the walker served (not a public statistic: how many there
 * are depends on the TLB's size, which QEMU adapts with host time). */
static uint64_t tlb_fills(void)
{
	return g.m->mmu.events.count[EV_TLB_FILL];
}

static struct memu_pte pte_at(uint64_t va)
{
	struct memu_pte p;
	memu_pte(g.m, va, &p);
	return p;
}

Test(tlb, first_write_to_a_clean_page_refills_and_sets_dirty)
{
	guest_open(&g, "dirty_refill", NULL);
	at_probe();
	uint64_t p = g.r.probe_tag;
	at_probe(); /* read: one shared fault, entry writable, D clear */
	struct memu_pte r = pte_at(p);
	cr_assert(r.present && r.writable && r.accessed && !r.dirty);
	struct memu_stats before = stats();
	uint64_t fills = tlb_fills();
	at_probe(); /* first write: a TLB miss, no fault */
	cr_assert_eq(tlb_fills() - fills, 1);
	cr_assert_eq(stats().minor_faults, before.minor_faults);
	cr_assert(pte_at(p).dirty);
	fills = tlb_fills();
	at_probe(); /* second write: the entry allows it now */
	cr_assert_eq(tlb_fills(), fills);
	cr_assert_eq(guest_run(&g), MEMU_STOP_EXIT);
	guest_close(&g);
}

Test(tlb, a_fetch_from_a_no_exec_page_is_a_protection_fault)
{
	guest_open(&g, "exec_perm", "rw", NULL);
	at_probe();
	uint64_t page = g.r.probe_tag;
	guest_finish(&g);
	cr_assert_eq(g.r.signal, SIGSEGV);
	cr_assert_eq(g.r.si_code, SEGV_ACCERR);
	cr_assert_eq(g.r.fault_addr, page);
	/* P | U | I: present, user, instruction fetch (NX) */
	cr_assert_eq(g.r.error_code, 0x15);
	struct pt_entry e;
	pt_lookup(g.m->proc->mm, page, &e);
	cr_assert(e.present && !e.exec, "the entry has NX set");
	guest_close(&g);
}

/* Run tlb_stale; at its first probe, optionally point page A's PTE at
 * page B's frame without a flush, as a lost TLB flush would leave it. */
static void run_stale(bool change, char *out, size_t len)
{
	guest_open(&g, "tlb_stale", NULL);
	at_probe();
	uint64_t a = g.r.probe_tag, b = a + PAGE_SIZE;
	uint64_t a_pfn = pte_at(a).pfn;
	if (change) {
		struct mm *mm = g.m->proc->mm;
		uint64_t flushes = stats().tlb_flushes;
		cr_assert_eq(
			pt_enter(mm, a, pte_at(b).pfn, PTF_USER | PTF_WRITE),
			0);
		cr_assert_eq(stats().tlb_flushes, flushes, "no flush yet");
		cr_assert_eq(pte_at(a).pfn, pte_at(b).pfn);
	}
	at_probe();
	cr_assert_eq(guest_run(&g), MEMU_STOP_EXIT);
	snprintf(out, len, "%s", guest_stdout(&g));
	/* Put page A's frame back, so that teardown finds the books (the
	 * reverse map) as the entries say. */
	if (change)
		cr_assert_eq(
			pt_enter(g.m->proc->mm, a, a_pfn, PTF_USER | PTF_WRITE),
			0);
	guest_close(&g);
}

Test(tlb, a_changed_translation_stays_until_the_flush)
{
	char out[32];
	run_stale(false, out, sizeof(out));
	cr_assert_str_eq(out, "A A A\n");
	/* The read after the change hits the old entry; the syscall at the
	 * second probe runs the flush the change batched. */
	run_stale(true, out, sizeof(out));
	cr_assert_str_eq(out, "A A B\n");
}

Test(tlb, changed_code_runs_changed_as_on_linux)
{
	same_output_as_linux("smc_alias", "1 2 0 4 5\n");
}
