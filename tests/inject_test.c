/* The fault-injection primitives (docs/inject.md, "Primitives"), each
 * with the exact consequence Linux 6.1 gives it: frame-allocation
 * failure, hardware poison (madvise and the library), bit flips, lost TLB
 * flushes.  The guests are guest/tests/fail_alloc.c, hwpoison.c,
 * poison_api.c, bitflip.c and lost_flush.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "emu/machine.h"
#include "harness.h"

#define PAGE 4096ULL

static struct guest g;

static void teardown(void)
{
	if (g.m)
		guest_close(&g);
}

TestSuite(inject, .fini = teardown);

static void at_probe(void)
{
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE, "stopped with %d (%s)",
		     g.r.stop, g.r.reason ? g.r.reason : "");
}

static void exits_with(int status)
{
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "guest died: %d %s", g.r.signal,
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, status);
}

static struct memu_pte pte_at(uint64_t va)
{
	struct memu_pte p;
	memu_pte(g.m, va, &p);
	return p;
}

static struct memu_stats stats(void)
{
	struct memu_stats s;
	guest_stats(&g, &s);
	return s;
}

static void fail(const struct memu_fail_alloc *f)
{
	cr_assert_eq(memu_fail_alloc(g.m, f), 0);
}

/* Fail the next `times` allocations of user frames. */
static void fail_next(int64_t times)
{
	const struct memu_fail_alloc f = {.probability = 100, .times = times};
	fail(&f);
}

/* Fail the nth allocation of user frames from now, once (fail-nth). */
static void fail_nth(uint64_t nth)
{
	const struct memu_fail_alloc f = {.nth = nth};
	fail(&f);
}

/* ---- frame-allocation failure */

Test(inject, an_injected_allocation_failure_retries_the_page_fault)
{
	guest_open(&g, "fail_alloc", "fault", NULL);
	at_probe();
	uint64_t p = g.r.probe_tag;
	struct memu_stats s0 = stats();
	fail_next(3);
	at_probe();
	struct memu_stats s1 = stats();
	/* Linux 6.1: VM_FAULT_OOM, pagefault_out_of_memory kills nobody,
	 * the fault is taken again: three failures, then the frame. */
	cr_assert_eq(s1.alloc_failures, 3);
	cr_assert_eq(g.m->mmu.fail_alloc.calls, 4);
	cr_assert_eq(s1.faults[MEMU_FAULT_ANON] - s0.faults[MEMU_FAULT_ANON],
		     1);
	cr_assert_eq(s1.minor_faults - s0.minor_faults, 1,
		     "the failed tries are not minor faults");
	cr_assert_eq(s1.faults[MEMU_FAULT_SEGV], s0.faults[MEMU_FAULT_SEGV]);
	cr_assert(pte_at(p).present);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "fault: x\n");
	/* Every failure was an event of the injection. */
	cr_assert_eq(g.m->mmu.events.count[EV_INJECT], 3);
}

Test(inject, a_fault_failed_for_ever_is_a_livelock_not_a_hang)
{
	guest_open(&g, "fail_alloc", "livelock", NULL);
	at_probe();
	fail_next(-1);
	memu_run(g.m, &g.r);
	cr_assert_eq(g.r.stop, MEMU_STOP_ERROR);
	cr_assert(strstr(g.r.reason, "livelock"), "%s", g.r.reason);
	cr_assert_eq(stats().alloc_failures, 1000);
	cr_assert_eq(memu_exit_code(&g.r), 70);
}

Test(inject, map_populate_ignores_the_failure_and_stops_populating)
{
	guest_open(&g, "fail_alloc", "populate", NULL);
	at_probe();
	/* Pages 1 and 2 go through (space 3: Linux lets space - 1 pass),
	 * page 3 fails, and fails again when __mm_populate asks for it a
	 * second time (gup had returned 2 pages done). */
	const struct memu_fail_alloc f = {
		.probability = 100, .times = 2, .space = 3};
	fail(&f);
	at_probe();
	cr_assert_eq(stats().alloc_failures, 2);
	cr_assert_eq(g.m->mmu.fail_alloc.calls, 4);
	fail(NULL);
	exits_with(0);
	/* mmap succeeded; __mm_populate gave up on the VMA at page 3
	 * (ignore_errors: on to the next VMA, there is none). */
	cr_assert_str_eq(guest_stdout(&g), "MAP_POPULATE: resident 1100\n");
}

Test(inject, a_page_failed_once_after_others_is_populated_on_the_retry)
{
	guest_open(&g, "fail_alloc", "populate", NULL);
	at_probe();
	fail_nth(3);
	at_probe();
	cr_assert_eq(stats().alloc_failures, 1);
	cr_assert_eq(g.m->mmu.fail_alloc.calls, 5);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "MAP_POPULATE: resident 1111\n");
}

Test(inject, mlock_is_eagain_unless_the_failed_page_is_tried_again)
{
	guest_open(&g, "fail_alloc", "mlock", NULL);
	at_probe();
	fail_next(1);
	at_probe();
	fail_nth(2);
	at_probe();
	/* The second mlock: page 2 failed after page 1, gup returned 1
	 * page and __mm_populate called it again from page 2 (call 3). */
	cr_assert_eq(g.m->mmu.fail_alloc.calls, 1 + 5);
	fail(NULL);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "mlock, first page fails: EAGAIN\n"
					   "after it: resident 0000\n"
					   "mlock, second page fails: 0\n"
					   "after it: resident 1111\n");
}

Test(inject, madv_populate_write_is_enomem)
{
	guest_open(&g, "fail_alloc", "madvise", NULL);
	at_probe();
	/* Page 2 fails; tried again it fails again: ENOMEM. */
	const struct memu_fail_alloc f = {
		.probability = 100, .times = 2, .space = 2};
	fail(&f);
	at_probe();
	cr_assert_eq(stats().alloc_failures, 2);
	fail(NULL);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "MADV_POPULATE_WRITE: ENOMEM\n"
					   "after it: resident 1000\n");
}

Test(inject, brk_allocates_no_frame_so_it_cannot_fail)
{
	guest_open(&g, "fail_alloc", "brk", NULL);
	at_probe();
	fail_next(-1);
	at_probe();
	cr_assert_eq(stats().alloc_failures, 0);
	cr_assert_eq(g.m->mmu.fail_alloc.calls, 0);
	fail(NULL);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "brk grew by 16384\n");
}

Test(inject, tmpfs_write_is_enomem_or_short_and_fallocate_undoes)
{
	guest_open(&g, "fail_alloc", "file", NULL);
	at_probe();
	fail_next(1);
	at_probe();
	fail_nth(2);
	at_probe();
	fail_nth(3);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "write: ENOMEM\n"
					   "write again: 12288\n"
					   "write on: 4096\n"
					   "size 16384 blocks 32\n"
					   "fallocate: ENOMEM\n"
					   "size 16384 blocks 32\n");
}

Test(inject, read_into_memory_that_cannot_be_faulted_in_is_efault)
{
	guest_open(&g, "fail_alloc", "read", NULL);
	at_probe();
	fail_next(1);
	exits_with(0);
	/* A kernel-mode fault with VM_FAULT_OOM is not retried: the
	 * exception fixup makes the copy fail. */
	cr_assert_str_eq(guest_stdout(&g), "read: EFAULT\n"
					   "read again: 3 abc\n");
}

Test(inject, soft_offline_without_a_frame_to_move_to_is_enomem)
{
	guest_open(&g, "fail_alloc", "soft", NULL);
	at_probe();
	fail_next(1);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "soft offline: ENOMEM\n"
					   "soft offline again: 0 s\n");
	cr_assert_eq(stats().soft_offlined, 1);
}

/* Failures of one fault with probability 50 and this seed. */
static uint64_t coin_failures(uint64_t seed)
{
	guest_open(&g, "fail_alloc", "fault", NULL);
	at_probe();
	const struct memu_fail_alloc f = {
		.probability = 50, .times = -1, .seed = seed};
	fail(&f);
	at_probe();
	uint64_t failed = stats().alloc_failures;
	cr_assert_eq(g.m->mmu.fail_alloc.calls, failed + 1);
	fail(NULL);
	exits_with(0);
	guest_close(&g);
	return failed;
}

Test(inject, the_probability_draws_from_the_machines_seed)
{
	/* The same seed fails the same allocations on every run and host
	 * (splitmix64 draws, scaled to percent as Linux's
	 * prandom_u32_max(100)); other seeds, others. */
	cr_assert_eq(coin_failures(7), 2);
	cr_assert_eq(coin_failures(7), 2);
	cr_assert_eq(coin_failures(3), 1);
	cr_assert_eq(coin_failures(0), 0);
}

/* ---- hardware poison */

Test(inject, the_mce_kill_policy_is_linuxs)
{
	same_output_as_linux("mce_prctl", "get: 2\nset early: 0\nget: 1\n");
}

/* What Linux 6.1 gives guest/tests/hwpoison.c (mm/memory-failure.c,
 * mm/madvise.c, mm/gup.c, mm/shmem.c, arch/x86/mm/fault.c). */
static const char hwpoison_expected[] =
	"poison: 0\n"
	"access: SIGBUS code 4 lsb 12 at +0x123\n"
	"next page: read 66\n"
	"poison again: EFAULT\n"
	"mincore: 1 1\n"
	"MADV_POPULATE_READ: EHWPOISON\n"
	"MADV_POPULATE_WRITE: EHWPOISON\n"
	"mlock: ENOMEM\n"
	"write from it: EFAULT\n"
	"read into it: EFAULT\n"
	"MADV_DONTNEED: 0\n"
	"after DONTNEED: read 0\n"
	"written again: read 67\n"
	"soft offline: 0\n"
	"soft offline: S, moved 1\n"
	"PR_MCE_KILL early: 0\n"
	"early: poison 0, AO 1 code 5 lsb 12 at +0\n"
	"early: access: SIGBUS code 4 lsb 12 at +0x5\n"
	"late: poison 0, AO 0\n"
	"late: access: SIGBUS code 4 lsb 12 at +0\n"
	"shared: poison 0\n"
	"shared: access: SIGBUS code 4 lsb 12 at +0x7\n"
	"shared: next page: read 78\n"
	"file: poison page 1 0\n"
	"file: pread page 0: 1 F\n"
	"file: pread page 1: EIO\n"
	"file: pread both: 4096\n"
	"file: pwrite page 1: EIO\n"
	"file: pwrite page 0: 1\n"
	"file: access: SIGBUS code 4 lsb 12 at +0x1009\n"
	"file: new mapping: SIGBUS code 4 lsb 12 at +0x1\n"
	"file: truncated, pread 1 0\n"
	"unaligned: EINVAL\n"
	"length 0: 0\n"
	"unmapped: EFAULT\n"
	"PROT_NONE: EFAULT\n"
	"PROT_NONE soft: EFAULT\n";

Test(inject, madv_hwpoison_gives_linuxs_sigbus_errnos_and_early_kill)
{
	guest_open(&g, "hwpoison", NULL);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), hwpoison_expected);
	struct memu_stats s = stats();
	/* Five pages poisoned, two soft-offlined (the first call of the
	 * program checks that the kernel can). */
	cr_assert_eq(s.hwpoisoned, 7);
	cr_assert_eq(s.soft_offlined, 2);
	/* And on Linux, where the host kernel can poison pages
	 * (CONFIG_MEMORY_FAILURE; the tests run as root). */
	int status;
	const char *native = native_stdout("hwpoison", NULL, &status);
	cr_assert_eq(status, 0, "%s", native);
	if (!strcmp(native, "MADV_HWPOISON unsupported\n")) {
		cr_log_info("the host kernel has no CONFIG_MEMORY_FAILURE: "
			    "hwpoison is not compared with it");
		return;
	}
	cr_assert_str_eq(guest_stdout(&g), native);
}

Test(inject, poisoned_frames_as_the_hardware_reports_them)
{
	guest_open(&g, "poison_api", NULL);
	at_probe();
	uint64_t freed = pte_at(g.r.probe_tag).pfn;
	at_probe(); /* that frame is free now */
	cr_assert_eq(memu_frame_kind(g.m, freed), MEMU_FRAME_FREE);
	cr_assert_eq(memu_poison_pfn(g.m, freed), 0);
	cr_assert_eq(memu_frame_kind(g.m, freed), MEMU_FRAME_RESERVED,
		     "taken out of the allocator");
	cr_assert(memu_pfn_hwpoison(g.m, freed));
	at_probe();
	uint64_t q = g.r.probe_tag, q_pfn = pte_at(q).pfn;
	cr_assert_neq(q_pfn, freed, "a poisoned frame is never handed out");
	cr_assert_eq(q_pfn, freed + 16,
		     "the next wholly free block, at the same colour");
	at_probe();
	cr_assert_eq(memu_poison_pfn(g.m, q_pfn), 0);
	cr_assert_eq(memu_poison_pfn(g.m, q_pfn), -EHWPOISON);
	struct memu_pte e = pte_at(q);
	cr_assert(!e.present && !e.protnone && e.raw,
		  "a hwpoison entry: not present, not empty");
	at_probe(); /* the image's page */
	uint64_t img = g.r.probe_tag, img_pfn = pte_at(img).pfn;
	cr_assert_eq(memu_frame_kind(g.m, img_pfn), MEMU_FRAME_FILE);
	cr_assert_eq(memu_poison_pfn(g.m, img_pfn), 0);
	cr_assert(pte_at(img).present, "dropped and read again at once");
	cr_assert_neq(pte_at(img).pfn, img_pfn);
	cr_assert_eq(memu_frame_kind(g.m, pte_at(img).pfn), MEMU_FRAME_FILE);
	cr_assert_eq(memu_frame_kind(g.m, img_pfn), MEMU_FRAME_RESERVED);
	at_probe();
	memu_set_memory_failure_early_kill(g.m, true);
	cr_assert_eq(memu_poison_pfn(g.m, pte_at(g.r.probe_tag).pfn), 0);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g),
			 "q: read Q\n"
			 "poisoned: SIGBUS code 4 lsb 12 at +0x42\n"
			 "image: read i\n"
			 "early kill: AO 1 code 5 lsb 12 at +0\n");
	cr_assert_eq(stats().hwpoisoned, 4);
}

Test(inject, frames_that_cannot_be_poisoned_say_why)
{
	guest_open(&g, "hello", NULL);
	struct memu *m = g.m;
	uint64_t zero = memu_zero_pfn(m), pml4 = memu_cr3(m) >> 12;
	uint64_t kernel = g.m->kernel_pfn;
	/* Kernel pages, page tables, the zero frame, the ISA hole: marked,
	 * left where they are: "unhandlable", EBUSY. */
	cr_assert_eq(memu_poison_pfn(m, kernel), -EBUSY);
	cr_assert_eq(memu_poison_pfn(m, pml4), -EBUSY);
	cr_assert_eq(memu_poison_pfn(m, zero), -EBUSY);
	cr_assert_eq(memu_poison_pfn(m, 0xb8), -EBUSY);
	cr_assert_eq(memu_poison_pfn(m, zero), -EHWPOISON);
	cr_assert_eq(memu_frame_kind(m, pml4), MEMU_FRAME_PAGETABLE);
	/* No frame there: memory outside the kernel's control. */
	cr_assert_eq(memu_poison_pfn(m, (256ULL << 20) >> 12), -ENXIO);
	cr_assert_eq(memu_soft_offline_pfn(m, (256ULL << 20) >> 12), -ENXIO);
	cr_assert_eq(memu_soft_offline_pfn(m, kernel + 1), -EIO);
	cr_assert_eq(memu_soft_offline_pfn(m, zero), 0, "already poisoned");
	struct memu_stats s = stats();
	cr_assert_eq(s.hwpoisoned, 4);
	cr_assert_eq(s.soft_offlined, 0);
	/* The guest runs on: nothing it uses was taken away. */
	exits_with(3);
	cr_assert_str_eq(guest_stdout(&g), "hello:\n");
}

/* ---- bit flips */

/* Run bitflip MODE to its first probe (the page p, or the code page). */
static uint64_t bitflip_at_probe(const char *mode)
{
	guest_open(&g, "bitflip", mode, NULL);
	at_probe();
	return g.r.probe_tag;
}

Test(inject, a_physical_bit_flip_changes_the_byte)
{
	uint64_t p = bitflip_at_probe("data");
	uint64_t pa = pte_at(p).pfn << 12;
	uint8_t b;
	cr_assert_eq(memu_flip_phys_bit(g.m, pa, 1), 0);
	cr_assert_eq(memu_read_phys(g.m, pa, &b, 1), 0);
	cr_assert_eq(b, 'A' ^ 2);
	cr_assert_eq(memu_flip_phys_bit(g.m, pa, 8), -EINVAL);
	/* Not memory: the unclaimed bus above RAM, the BIOS ROM. */
	cr_assert_eq(memu_flip_phys_bit(g.m, 256ULL << 20, 0), -ENXIO);
	cr_assert_eq(memu_flip_phys_bit(g.m, 0xf0000, 0), -ENXIO);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "flipped: read C\n");
	cr_assert_eq(stats().bit_flips, 1);
}

Test(inject, a_flipped_instruction_runs_flipped)
{
	uint64_t c = bitflip_at_probe("code");
	/* mov $1, %eax: bit 1 of the immediate makes it 3.  The code was
	 * translated already; the flip goes through the bus and drops it. */
	cr_assert_eq(memu_flip_virt_bit(g.m, c + 1, 1), 0);
	cr_assert_eq(memu_flip_virt_bit(g.m, 0x7000, 0), -EFAULT,
		     "no frame there");
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "before: returns 1\n"
					   "flipped: returns 3\n"
					   "after a flush: returns 3\n");
}

Test(inject, a_pte_flip_waits_for_the_next_walk)
{
	/* W cleared in the leaf: the CPU still holds a writable entry; once
	 * flushed, the write faults and Linux's do_wp_page finds an
	 * exclusive anonymous frame: writable again, no copy. */
	uint64_t p = bitflip_at_probe("pte-w");
	uint64_t pfn = pte_at(p).pfn;
	struct memu_stats s0 = stats();
	cr_assert_eq(memu_flip_pte_bit(g.m, p, 1, MEMU_PTE_WRITABLE), 0);
	cr_assert_not(pte_at(p).writable);
	cr_assert_eq(stats().tlb_flushes, s0.tlb_flushes, "no flush");
	cr_assert_eq(stats().pte_writes, s0.pte_writes,
		     "a fault in memory, not a write by the kernel");
	at_probe();
	struct memu_stats s1 = stats();
	cr_assert_eq(s1.faults[MEMU_FAULT_WP_REUSE] -
			     s0.faults[MEMU_FAULT_WP_REUSE],
		     1);
	cr_assert(pte_at(p).writable);
	cr_assert_eq(pte_at(p).pfn, pfn);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "flipped: wrote b\n"
					   "after a flush: wrote c\n");
}

/* Flip a bit of p's entry at level, run to the next probe (the program
 * read p at once, then after a flush), flip it back, and run on. */
static void flip_and_back(const char *mode, int level, unsigned bit)
{
	uint64_t p = bitflip_at_probe(mode);
	cr_assert_eq(memu_flip_pte_bit(g.m, p, level, bit), 0);
	enum memu_stop stop;
	memu_run(g.m, &g.r);
	stop = g.r.stop;
	/* Put it back: the books (reverse map, RSS) are the entry's. */
	cr_assert_eq(memu_flip_pte_bit(g.m, p, level, bit), 0);
	if (stop == MEMU_STOP_PROBE)
		exits_with(0);
}

Test(inject, a_cleared_present_bit_is_a_bad_entry_sigbus)
{
	flip_and_back("pte-p", 1, MEMU_PTE_PRESENT);
	cr_assert_str_eq(guest_stdout(&g), "flipped: read A\n"
					   "after a flush: signal 7 code 2\n"
					   "restored: read A\n");
}

Test(inject, an_upper_level_user_bit_is_a_protection_fault)
{
	flip_and_back("pte-u3", 3, MEMU_PTE_USER);
	cr_assert_str_eq(guest_stdout(&g), "flipped: read A\n"
					   "after a flush: signal 11 code 2\n"
					   "restored: read A\n");
}

Test(inject, a_frame_number_bit_maps_the_neighbouring_frame)
{
	/* p's frame is even (colour 0), p + 4096's the next one: bit 0 of
	 * the frame number (entry bit 12) sends p there.  Flipped back,
	 * the CPU still holds the bent entry: it reads B until a flush. */
	flip_and_back("pte-pfn", 1, MEMU_PTE_PFN0);
	cr_assert_str_eq(guest_stdout(&g), "flipped: read A\n"
					   "after a flush: read B\n"
					   "restored: read B\n");
}

Test(inject, a_reserved_bit_kills_as_linuxs_pgtable_bad)
{
	flip_and_back("pte-rsvd", 1, 45);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGKILL);
	cr_assert_str_eq(g.r.reason, "corrupted page table (reserved bit set)");
	cr_assert_str_eq(guest_stdout(&g), "flipped: read A\n");
}

Test(inject, a_set_nx_bit_faults_the_fetch_after_a_flush)
{
	uint64_t c = bitflip_at_probe("pte-nx");
	cr_assert_eq(memu_flip_pte_bit(g.m, c, 1, MEMU_PTE_NX), 0);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "before: returns 1\n"
					   "flipped: returns 1\n"
					   "after a flush: signal 11 code 2\n");
	cr_assert_eq(memu_flip_pte_bit(g.m, c, 5, 0), -EINVAL);
	cr_assert_eq(memu_flip_pte_bit(g.m, c, 1, 64), -EINVAL);
	cr_assert_eq(memu_flip_pte_bit(g.m, 0x123456789000, 1, 0), -ENOENT,
		     "no page table there");
}

/* ---- lost TLB flushes */

static void lose(unsigned n, unsigned reasons)
{
	cr_assert_eq(memu_lose_tlb_flushes(g.m, n, reasons), 0);
}

Test(inject, a_lost_munmap_flush_leaves_the_page_readable_until_a_flush)
{
	guest_open(&g, "lost_flush", "unmap", NULL);
	at_probe();
	lose(1, MEMU_FLUSH_UNMAP);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "before munmap: read A\n"
					   "after munmap: read A\n"
					   "after a flush: SIGSEGV code 1\n");
	cr_assert_eq(stats().tlb_flushes_lost, 1);
}

Test(inject, a_stale_translation_reaches_the_frames_next_owner)
{
	guest_open(&g, "lost_flush", "reuse", NULL);
	at_probe();
	uint64_t old = pte_at(g.r.probe_tag).pfn;
	lose(1, MEMU_FLUSH_ANY);
	at_probe();
	cr_assert_eq(pte_at(g.r.probe_tag).pfn, old,
		     "q took p's frame when it was freed");
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "before munmap: read A\n"
					   "stale, q's frame: read N\n"
					   "stale write: wrote X\n"
					   "q reads X\n"
					   "after a flush: SIGSEGV code 1\n");
}

Test(inject, a_lost_mprotect_flush_lets_writes_through)
{
	guest_open(&g, "lost_flush", "protect", NULL);
	at_probe();
	lose(1, MEMU_FLUSH_PROTECT);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "before mprotect: wrote B\n"
					   "after mprotect: wrote C\n"
					   "after a flush: SIGSEGV code 2\n"
					   "read: read C\n");
}

Test(inject, only_the_chosen_reasons_are_lost)
{
	guest_open(&g, "lost_flush", "protect", NULL);
	at_probe();
	lose(1, MEMU_FLUSH_UNMAP | MEMU_FLUSH_COW);
	exits_with(0);
	/* mprotect's flush arrives; the munmap's after it is lost, and no
	 * flush comes after that one. */
	cr_assert_str_eq(guest_stdout(&g), "before mprotect: wrote B\n"
					   "after mprotect: SIGSEGV code 2\n"
					   "after a flush: SIGSEGV code 2\n"
					   "read: read B\n");
	cr_assert_eq(stats().tlb_flushes_lost, 1);
}

Test(inject, a_lost_cow_flush_keeps_the_zero_page_in_view)
{
	guest_open(&g, "lost_flush", "cow", NULL);
	at_probe();
	lose(1, MEMU_FLUSH_COW);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "zero page: 0\n"
					   "after read(2): 0\n"
					   "after a flush: a\n");
}

Test(inject, bad_lost_flush_requests_are_refused)
{
	guest_open(&g, "hello", NULL);
	cr_assert_eq(memu_lose_tlb_flushes(g.m, 1, 0), -EINVAL);
	cr_assert_eq(memu_lose_tlb_flushes(g.m, 1, 8), -EINVAL);
	cr_assert_eq(memu_lose_tlb_flushes(g.m, 0, 0), 0);
	exits_with(3);
}

/* What a run with one flipped bit came to. */
struct outcome {
	enum memu_stop stop;
	int signal, status;
	char out[512];
};

static void flipped_run(int level, unsigned bit, struct outcome *o)
{
	uint64_t p = bitflip_at_probe("walk");
	cr_assert_eq(memu_flip_pte_bit(g.m, p, level, bit), 0);
	memu_run(g.m, &g.r);
	o->stop = g.r.stop;
	o->signal = g.r.signal;
	o->status = g.r.exit_status;
	snprintf(o->out, sizeof(o->out), "%s", guest_stdout(&g));
	guest_close(&g);
}

Test(inject, no_page_table_flip_hurts_the_host_and_each_repeats)
{
	/* Every interesting bit of each level's entry for a page the guest
	 * then reads, writes, protects, unmaps and maps again: the host
	 * (this process, under the sanitizers) never faults or leaks, and
	 * the same flip gives the same run. */
	static const unsigned bits[] = {0,  1,	2,  3,	4,  5,	6,  7,	8,  9,
					10, 11, 12, 13, 14, 20, 26, 27, 30, 38,
					39, 40, 45, 51, 52, 58, 62, 63};
	for (int level = 1; level <= 4; level++)
		for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
			struct outcome a, b;
			flipped_run(level, bits[i], &a);
			flipped_run(level, bits[i], &b);
			cr_assert_eq(a.stop, b.stop, "level %d bit %u", level,
				     bits[i]);
			cr_assert_eq(a.signal, b.signal);
			cr_assert_eq(a.status, b.status);
			cr_assert_str_eq(a.out, b.out, "level %d bit %u", level,
					 bits[i]);
		}
}

Test(inject, a_fault_the_handler_cannot_fix_is_a_livelock)
{
	/* W cleared in p's page directory entry: the write faults, the
	 * VMA allows it, the leaf is writable: Linux finds nothing to do
	 * and takes the fault again, for ever. */
	uint64_t p = bitflip_at_probe("pte-w");
	cr_assert_eq(memu_flip_pte_bit(g.m, p, 2, MEMU_PTE_WRITABLE), 0);
	memu_run(g.m, &g.r);
	cr_assert_eq(g.r.stop, MEMU_STOP_ERROR);
	cr_assert(strstr(g.r.reason, "livelock"), "%s", g.r.reason);
	cr_assert_str_eq(guest_stdout(&g), "flipped: wrote b\n");
}
