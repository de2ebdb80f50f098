/* Guest programs exercising anonymous memory, asserting exact outcomes:
 * fault counts by kind, frames, PTE bits, the reverse map, signals and
 * errnos.  The guests live in guest/tests/. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PAGE 4096ULL

static struct guest g;

static void teardown(void)
{
	guest_close(&g);
}

TestSuite(mm, .fini = teardown);

static void at_probe(void)
{
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE, "stopped with %d",
		     g.r.stop);
}

static void exits_with(int status)
{
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "guest died: %s",
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, status);
}

static void killed_by(int sig, int code)
{
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, sig);
	cr_assert_eq(g.r.si_code, code);
}

static struct memu_pte pte_at(uint64_t va)
{
	struct memu_pte p;
	memu_pte(g.m, va, &p);
	return p;
}

static bool pfn_in_hole(uint64_t pfn)
{
	return pfn >= 0xa0 && pfn < 0x100;
}

/* ---- private anonymous memory */

Test(mm, first_writes_take_one_anon_fault_and_frame_per_page)
{
	const int n = 64;
	guest_open(&g, "anon_touch", "write", "64", NULL);
	at_probe();
	uint64_t base = g.r.probe_tag;
	struct memu_stats s0, s1;
	guest_stats(&g, &s0);
	for (int i = 0; i < n; i++)
		cr_assert_not(pte_at(base + i * PAGE).present);
	at_probe();
	guest_stats(&g, &s1);
	cr_assert_eq(s1.faults[MEMU_FAULT_ANON] - s0.faults[MEMU_FAULT_ANON],
		     n);
	cr_assert_eq(s1.faults[MEMU_FAULT_ZERO], s0.faults[MEMU_FAULT_ZERO]);
	cr_assert_eq(s1.faults[MEMU_FAULT_COW], s0.faults[MEMU_FAULT_COW]);
	cr_assert_eq(s1.minor_faults - s0.minor_faults, n);
	cr_assert_eq(s1.frames_now[MEMU_FRAME_ANON] -
			     s0.frames_now[MEMU_FRAME_ANON],
		     n);
	uint64_t first = pte_at(base).pfn;
	for (int i = 0; i < n; i++) {
		uint64_t va = base + i * PAGE;
		struct memu_pte p = pte_at(va);
		cr_assert(p.present && p.writable && p.user);
		cr_assert(p.accessed && p.dirty, "CPU sets A and D");
		cr_assert_not(p.special);
		cr_assert_not(pfn_in_hole(p.pfn));
		cr_assert_eq(memu_frame_kind(g.m, p.pfn), MEMU_FRAME_ANON);
		/* neighbouring pages, neighbouring (so distinct) frames */
		cr_assert_eq(p.pfn, first + i, "page %d: pfn %#lx", i, p.pfn);
		struct memu_rmap r[4];
		cr_assert_eq(memu_rmap(g.m, p.pfn, r, 4), 1);
		cr_assert_eq(r[0].va, va);
	}
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "ok write 64\n");
}

Test(mm, reads_map_the_zero_frame_and_a_write_copies)
{
	const int n = 32;
	guest_open(&g, "anon_touch", "read", "32", NULL);
	at_probe();
	uint64_t base = g.r.probe_tag;
	struct memu_stats s0, s1, s2;
	guest_stats(&g, &s0);
	at_probe();
	guest_stats(&g, &s1);
	cr_assert_eq(s1.faults[MEMU_FAULT_ZERO] - s0.faults[MEMU_FAULT_ZERO],
		     n);
	cr_assert_eq(s1.faults[MEMU_FAULT_ANON], s0.faults[MEMU_FAULT_ANON]);
	cr_assert_eq(s1.frames_now[MEMU_FRAME_ANON],
		     s0.frames_now[MEMU_FRAME_ANON]);
	for (int i = 0; i < n; i++) {
		struct memu_pte p = pte_at(base + i * PAGE);
		cr_assert(p.present && !p.writable && p.special);
		cr_assert_eq(p.pfn, memu_zero_pfn(g.m));
	}
	at_probe();
	guest_stats(&g, &s2);
	cr_assert_eq(s2.faults[MEMU_FAULT_COW] - s1.faults[MEMU_FAULT_COW], 1);
	cr_assert_eq(s2.faults[MEMU_FAULT_ANON], s1.faults[MEMU_FAULT_ANON]);
	struct memu_pte p0 = pte_at(base);
	cr_assert(p0.present && p0.writable && !p0.special && p0.dirty);
	cr_assert_neq(p0.pfn, memu_zero_pfn(g.m));
	cr_assert_eq(memu_frame_kind(g.m, p0.pfn), MEMU_FRAME_ANON);
	cr_assert_eq(pte_at(base + PAGE).pfn, memu_zero_pfn(g.m));
	exits_with(0);
}

Test(mm, populate_allocates_frames_at_mmap_time)
{
	const int n = 16;
	guest_open(&g, "anon_touch", "populate", "16", NULL);
	at_probe();
	uint64_t base = g.r.probe_tag;
	struct memu_stats s0, s1;
	guest_stats(&g, &s0);
	for (int i = 0; i < n; i++) {
		struct memu_pte p = pte_at(base + i * PAGE);
		cr_assert(p.present && p.writable);
		cr_assert_eq(memu_frame_kind(g.m, p.pfn), MEMU_FRAME_ANON);
	}
	at_probe();
	guest_stats(&g, &s1);
	cr_assert_eq(s1.minor_faults, s0.minor_faults,
		     "touching populated pages takes no fault");
	exits_with(0);
}

Test(mm, dontneed_frees_frames_and_the_next_read_sees_zero)
{
	const int n = 8;
	guest_open(&g, "anon_touch", "dontneed", "8", NULL);
	at_probe();
	uint64_t base = g.r.probe_tag;
	struct memu_stats s0, s1, s2;
	guest_stats(&g, &s0);
	at_probe();
	guest_stats(&g, &s1);
	cr_assert_eq(s0.frames_now[MEMU_FRAME_ANON] -
			     s1.frames_now[MEMU_FRAME_ANON],
		     n);
	for (int i = 0; i < n; i++)
		cr_assert_not(pte_at(base + i * PAGE).present);
	at_probe();
	guest_stats(&g, &s2);
	cr_assert_eq(s2.faults[MEMU_FAULT_ZERO] - s1.faults[MEMU_FAULT_ZERO],
		     1);
	cr_assert_eq(s2.minor_faults - s1.minor_faults, 1);
	exits_with(0);
}

/* ---- shared anonymous memory */

static void assert_same_frames(uint64_t a, uint64_t b, int pages)
{
	for (int i = 0; i < pages; i++) {
		struct memu_pte pa = pte_at(a + i * PAGE),
				pb = pte_at(b + i * PAGE);
		cr_assert(pa.present && pb.present, "page %d", i);
		cr_assert(pa.writable && pb.writable);
		cr_assert_eq(pa.pfn, pb.pfn, "page %d", i);
		cr_assert_eq(memu_frame_kind(g.m, pa.pfn), MEMU_FRAME_SHARED);
	}
}

Test(mm, shared_mappings_see_each_others_writes)
{
	guest_open(&g, "shared_alias", NULL);
	at_probe();
	uint64_t a = g.r.probe_tag;
	at_probe();
	uint64_t b = g.r.probe_tag;
	cr_assert_neq(a, b);
	/* a's pages 0-1 and b's page 2 were touched; b's 0-1 not yet */
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_SHARED), 3);
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_ZERO), 0,
		     "shared memory never maps the zero frame");
	struct memu_pte p = pte_at(a + 2 * PAGE);
	cr_assert_not(p.present);
	uint64_t pfn = pte_at(b + 2 * PAGE).pfn;
	struct memu_rmap r[4];
	cr_assert_eq(memu_rmap(g.m, pfn, r, 4), 1);
	at_probe();
	uint64_t moved = g.r.probe_tag;
	cr_assert_eq(moved, b + 16 * PAGE);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g),
			 "0|written through a|written through "
			 "b|written after the move\n");
	assert_same_frames(moved + PAGE, b + PAGE, 3);
	uint64_t shared = pte_at(b + 3 * PAGE).pfn;
	cr_assert_eq(memu_rmap(g.m, shared, r, 4), 2);
	uint64_t vas[2] = {r[0].va, r[1].va};
	cr_assert((vas[0] == b + 3 * PAGE && vas[1] == moved + 3 * PAGE) ||
		  (vas[1] == b + 3 * PAGE && vas[0] == moved + 3 * PAGE));
}

/* ---- the TLB is flushed when rights are taken away */

Test(mm, access_after_munmap_is_sigsegv_at_that_address)
{
	guest_open(&g, "access_after", "munmap", NULL);
	at_probe();
	uint64_t target = g.r.probe_tag;
	killed_by(SIGSEGV, SEGV_MAPERR);
	cr_assert_eq(g.r.fault_addr, target);
	cr_assert_str_eq(g.r.reason, "no VMA");
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_eq(s.tlb_flushes, 1, "one munmap of present pages");
}

Test(mm, write_after_mprotect_readonly_is_sigsegv_protection)
{
	guest_open(&g, "access_after", "readonly", NULL);
	at_probe();
	uint64_t target = g.r.probe_tag;
	killed_by(SIGSEGV, SEGV_ACCERR);
	cr_assert_eq(g.r.fault_addr, target);
	cr_assert_str_eq(g.r.reason, "write to a read-only mapping");
	cr_assert_eq(g.r.error_code & 7, 7, "present, write, user");
}

Test(mm, read_after_mprotect_none_is_sigsegv)
{
	guest_open(&g, "access_after", "protnone", NULL);
	at_probe();
	uint64_t target = g.r.probe_tag;
	struct memu_pte p = pte_at(target);
	cr_assert(!p.present && p.protnone && p.pfn, "frame kept, access off");
	killed_by(SIGSEGV, SEGV_ACCERR);
	cr_assert_eq(g.r.fault_addr, target);
	cr_assert_str_eq(g.r.reason, "protection: PROT_NONE");
}

Test(mm, prot_none_and_back_keeps_the_data)
{
	guest_open(&g, "access_after", "restore", NULL);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "y\n");
}

/* ---- Accessed and Dirty are the CPU's */

Test(mm, accessed_and_dirty_bits_follow_the_cpu)
{
	guest_open(&g, "ad_bits", NULL);
	at_probe();
	uint64_t p = g.r.probe_tag;
	cr_assert_not(pte_at(p).present);
	at_probe();
	struct memu_pte r = pte_at(p);
	cr_assert(r.present && r.accessed && !r.dirty, "read: A only");
	at_probe();
	struct memu_pte w = pte_at(p + PAGE);
	cr_assert(w.present && w.accessed && w.dirty, "write: A and D");
	r = pte_at(p);
	cr_assert(r.accessed && !r.dirty && r.special);
	at_probe();
	r = pte_at(p);
	cr_assert(r.accessed && r.dirty && !r.special);
	exits_with(0);
}

/* ---- execute permission and privilege */

Test(mm, code_runs_from_an_executable_mapping)
{
	guest_open(&g, "exec_perm", "rx", NULL);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "ret 42\n");
}

Test(mm, code_in_a_non_executable_mapping_is_sigsegv)
{
	guest_open(&g, "exec_perm", "rw", NULL);
	at_probe();
	uint64_t page = g.r.probe_tag;
	killed_by(SIGSEGV, SEGV_ACCERR);
	cr_assert_eq(g.r.fault_addr, page);
	cr_assert_eq(g.r.rip, page);
	cr_assert_str_eq(g.r.reason, "execute of a non-executable mapping");
}

static void privileged(const char *insn)
{
	guest_open(&g, "privileged", insn, NULL);
	killed_by(SIGSEGV, SI_KERNEL);
	cr_assert_eq(g.r.fault_addr, 0);
}

Test(mm, hlt_at_user_level_is_sigsegv)
{
	privileged("hlt");
}
Test(mm, cli_at_user_level_is_sigsegv)
{
	privileged("cli");
}
Test(mm, reading_cr3_at_user_level_is_sigsegv)
{
	privileged("cr3");
}

/* ---- stacks and the heap */

Test(mm, the_stack_grows_on_demand)
{
	guest_open(&g, "stack_grow", "deep", "2000", NULL);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "depth 2000 KiB ok\n");
	cr_assert_gt(guest_faults(&g, MEMU_FAULT_STACK_GROW), 0);
}

Test(mm, the_stack_stops_at_its_rlimit)
{
	guest_open(&g, "stack_grow", "deep", "9000", NULL);
	killed_by(SIGSEGV, SEGV_MAPERR);
	cr_assert_str_eq(g.r.reason, "stack cannot grow here (limit or guard "
				     "gap)");
	cr_assert_lt(g.r.fault_addr, 0x7ffffffff000ULL - (8ULL << 20) + PAGE);
}

Test(mm, a_growsdown_mapping_grows_below_its_start)
{
	guest_open(&g, "stack_grow", "mapping", NULL);
	at_probe();
	uint64_t p = g.r.probe_tag;
	at_probe();
	struct memu_vma v[64];
	size_t n = memu_vmas(g.m, v, 64);
	bool found = false;
	for (size_t i = 0; i < n && i < 64; i++)
		if (v[i].end == p + PAGE) {
			cr_assert_eq(v[i].start, p - 3 * PAGE);
			found = true;
		}
	cr_assert(found);
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_STACK_GROW), 3);
	exits_with(0);
}

Test(mm, brk_grows_and_shrinks_the_heap)
{
	guest_open(&g, "stack_grow", "brk", NULL);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "brk +20480 -20480 same=1\n");
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_ANON), 5);
	cr_assert_eq(memu_syscall_count(g.m, 12, NULL), 3);
}

/* ---- every bad argument gets Linux's errno */

static const char expected_errnos[] = "mmap_len0 EINVAL\n"
				      "mmap_off_unaligned EINVAL\n"
				      "mmap_type0 EINVAL\n"
				      "mmap_shared_private EINVAL\n"
				      "mmap_fixed_unaligned EINVAL\n"
				      "mmap_growsdown_shared EINVAL\n"
				      "mmap_badfd EBADF\n"
				      "mmap_badfd_len0 EBADF\n"
				      "mmap_len_wraps ENOMEM\n"
				      "mmap_len_huge ENOMEM\n"
				      "mmap_fixed_past_top ENOMEM\n"
				      "mmap_prot_unknown_bits ok\n"
				      "mmap_noreplace_exact EEXIST\n"
				      "mmap_noreplace_overlap_end EEXIST\n"
				      "mmap_noreplace_inside EEXIST\n"
				      "mmap_noreplace_adjacent ok\n"
				      "mmap_hugetlb_no_pool ENOMEM\n"
				      "mmap_hugetlb_1g_no_pool ENOMEM\n"
				      "mmap_hugetlb_bad_size EINVAL\n"
				      "mmap_hugetlb_len0 EINVAL\n"
				      "mmap_hugetlb_file EINVAL\n"
				      "mmap_low_hint raised\n"
				      "munmap_unaligned EINVAL\n"
				      "munmap_len0 EINVAL\n"
				      "munmap_past_top EINVAL\n"
				      "munmap_nothing_there ok\n"
				      "mprotect_unaligned EINVAL\n"
				      "mprotect_len0_unmapped ok\n"
				      "mprotect_bad_prot EINVAL\n"
				      "mprotect_both_grows EINVAL\n"
				      "mprotect_unmapped ENOMEM\n"
				      "mprotect_hole ENOMEM\n"
				      "mprotect_growsdown_plain EINVAL\n"
				      "mprotect_ok ok\n"
				      "madvise_bad_advice EINVAL\n"
				      "madvise_unaligned EINVAL\n"
				      "madvise_len0 ok\n"
				      "madvise_unmapped ENOMEM\n"
				      "madvise_mergeable EINVAL\n"
				      "madvise_hole_after ENOMEM\n"
				      "madvise_dontneed ok\n"
				      "mremap_bad_flags EINVAL\n"
				      "mremap_fixed_no_maymove EINVAL\n"
				      "mremap_unaligned EINVAL\n"
				      "mremap_new_len0 EINVAL\n"
				      "mremap_no_vma EFAULT\n"
				      "mremap_past_vma EFAULT\n"
				      "mremap_private_old0 EINVAL\n"
				      "mremap_dontunmap_resize EINVAL\n"
				      "mremap_fixed_overlap EINVAL\n"
				      "mremap_grow_blocked ENOMEM\n"
				      "mremap_grow_moves moved\n"
				      "mremap_shrink ok\n";

Test(mm, bad_arguments_get_linux_errnos)
{
	guest_open(&g, "mm_errno", NULL);
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), expected_errnos);
}

/* ---- mremap moves page-table entries, frames and all */

Test(mm, mremap_moves_frames_without_copying)
{
	guest_open(&g, "mremap_move", NULL);
	at_probe();
	uint64_t old = g.r.probe_tag;
	uint64_t pfn[4];
	for (int i = 0; i < 4; i++)
		pfn[i] = pte_at(old + i * PAGE).pfn;
	struct memu_stats s0, s1;
	guest_stats(&g, &s0);
	at_probe();
	uint64_t moved = g.r.probe_tag;
	guest_stats(&g, &s1);
	cr_assert_neq(moved, old);
	cr_assert_eq(s1.minor_faults, s0.minor_faults, "nothing re-faulted");
	for (int i = 0; i < 4; i++) {
		struct memu_pte p = pte_at(moved + i * PAGE);
		cr_assert(p.present && p.writable);
		cr_assert_eq(p.pfn, pfn[i], "page %d kept its frame", i);
		cr_assert_not(pte_at(old + i * PAGE).present);
		struct memu_rmap r[2];
		cr_assert_eq(memu_rmap(g.m, p.pfn, r, 2), 1);
		cr_assert_eq(r[0].va, moved + i * PAGE);
	}
	exits_with(0);
	cr_assert_str_eq(guest_stdout(&g), "abcdz\n");
}

/* ---- mlock family and mincore, against Linux */

Test(mm, mlock_and_mincore_as_on_linux)
{
	same_output_as_linux("mlock_mincore", "after_mlock 1111\n");
}

/* capget/capset, and RLIMIT_MEMLOCK without CAP_IPC_LOCK */
Test(mm, capset_and_memlock_as_on_linux)
{
	same_output_as_linux("capset_memlock",
			     "mlock 4k more ENOMEM\n"
			     "mlock the first 64k again ok\n");
}

/* ---- /proc/self/maps, against Linux */

Test(mm, proc_self_maps_as_on_linux)
{
	same_output_as_linux("proc_maps", "200000000000-200000004000 rw-p "
					  "00000000 00:00 0 \n");
}

/* The whole text for a program memu lays out itself: the image (named,
 * device 00:00, offset 0: memu has no file system yet), the mappings
 * above, the stack, and the vsyscall page last - every address, column
 * and space as tests/expected/proc_maps_all.txt has it. */
Test(mm, proc_self_maps_whole_text)
{
	guest_open(&g, "proc_maps", "all", NULL);
	exits_with(0);
	const char *out = guest_stdout(&g), *prog = guest_path("proc_maps");
	static char text[8192];
	size_t at = 0;
	/* the program's path differs between build trees: PROG */
	for (const char *s = out; *s && at < sizeof(text) - 8;) {
		if (!strncmp(s, prog, strlen(prog))) {
			at += (size_t)snprintf(text + at, sizeof(text) - at,
					       "PROG");
			s += strlen(prog);
		} else {
			text[at++] = *s++;
		}
	}
	text[at] = '\0';
	char path[512];
	snprintf(path, sizeof(path), "%s/proc_maps_all.txt", EXPECT_DIR);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	static char want[8192];
	size_t n = fread(want, 1, sizeof(want) - 1, f);
	want[n] = '\0';
	fclose(f);
	cr_assert_str_eq(text, want);
}

/* ---- /proc/self/pagemap, against Linux */

Test(mm, proc_self_pagemap_as_on_linux)
{
	int status;
	const char *linux_out = native_stdout("pagemap", NULL, &status);
	cr_assert_eq(status, 0, "%s", linux_out);
	guest_open(&g, "pagemap", NULL);
	exits_with(0);
	static char ours[4096];
	snprintf(ours, sizeof(ours), "%s", guest_stdout(&g));
	/* memu is a kernel with CONFIG_MEM_SOFT_DIRTY (as Debian's 6.1):
	 * every page of a new VMA is soft-dirty. */
	cr_assert(strstr(ours, "anon_written present 1 file 0 exclusive 1 "
			       "soft-dirty 1 pfn yes\n"),
		  "%s", ours);
	/* A host built without it shows bit 55 clear: compare the rest. */
	if (strstr(linux_out, "anon_written present 1 file 0 exclusive 1 "
			      "soft-dirty 0"))
		for (char *s = ours; (s = strstr(s, "soft-dirty 1"));)
			s[11] = '0';
	cr_assert_str_eq(ours, linux_out);
}

/* ---- memfd_create, ftruncate, mappings of it and seals, against Linux */

Test(mm, memfd_as_on_linux)
{
	same_output_as_linux("memfd", "seals: 0xf\n");
}
