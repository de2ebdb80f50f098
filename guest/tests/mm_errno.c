/* The errno of each bad argument to mmap, munmap, mprotect, madvise and
 * mremap, in Linux 6.1's order of checks (docs/memory.md, "System calls").
 * Prints one line per case, "name result", where result is "ok" or the
 * errno's name; the test compares the whole output.  Raw syscalls: libc
 * wrappers may check arguments themselves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

#define PAGE	  4096UL
#define TASK_SIZE 0x7ffffffff000UL
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW   (PROT_READ | PROT_WRITE)

#define MMAP(a, l, p, f, fd, o) sc(SYS_mmap, (long)(a), (long)(l), p, f, fd, o)
#define CHECK(name, expr)	printf("%s %s\n", name, name_of(expr))

static void mmap_cases(void)
{
	CHECK("mmap_len0", MMAP(0, 0, RW, ANON, -1, 0));
	CHECK("mmap_off_unaligned", MMAP(0, PAGE, RW, ANON, -1, 0x123));
	CHECK("mmap_type0", MMAP(0, PAGE, RW, MAP_ANONYMOUS, -1, 0));
	CHECK("mmap_shared_private",
	      MMAP(0, PAGE, RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0));
	CHECK("mmap_fixed_unaligned",
	      MMAP(0x10000123, PAGE, RW, ANON | MAP_FIXED, -1, 0));
	CHECK("mmap_growsdown_shared",
	      MMAP(0, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1,
		   0));
	CHECK("mmap_badfd", MMAP(0, PAGE, RW, MAP_PRIVATE, -1, 0));
	CHECK("mmap_badfd_len0", MMAP(0, 0, RW, MAP_PRIVATE, -1, 0));
	CHECK("mmap_len_wraps", MMAP(0, -1L, RW, ANON, -1, 0));
	CHECK("mmap_len_huge", MMAP(0, 1L << 48, RW, ANON, -1, 0));
	CHECK("mmap_fixed_past_top",
	      MMAP(TASK_SIZE - PAGE, 2 * PAGE, RW, ANON | MAP_FIXED, -1, 0));
	CHECK("mmap_prot_unknown_bits", MMAP(0, PAGE, 0xff, ANON, -1, 0));

	/* Five pages with the top two unmapped: room right above base+3. */
	long base = MMAP(0, 5 * PAGE, RW, ANON, -1, 0);
	sc(SYS_munmap, base + 3 * PAGE, 2 * PAGE, 0, 0, 0, 0);
	CHECK("mmap_noreplace_exact",
	      MMAP(base, 3 * PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0));
	CHECK("mmap_noreplace_overlap_end",
	      MMAP(base - PAGE, 2 * PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1,
		   0));
	CHECK("mmap_noreplace_inside",
	      MMAP(base + PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0));
	CHECK("mmap_noreplace_adjacent",
	      MMAP(base + 3 * PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1,
		   0));
	/* the hugetlb pool is empty (or, natively, smaller than 1 GiB) */
	CHECK("mmap_hugetlb_no_pool",
	      MMAP(0, 1L << 30, RW, ANON | MAP_HUGETLB, -1, 0));
	CHECK("mmap_hugetlb_1g_no_pool",
	      MMAP(0, 1L << 30, RW, ANON | MAP_HUGETLB | (30 << 26), -1, 0));
	CHECK("mmap_hugetlb_bad_size",
	      MMAP(0, 1L << 30, RW, ANON | MAP_HUGETLB | (25 << 26), -1, 0));
	CHECK("mmap_hugetlb_len0", MMAP(0, 0, RW, ANON | MAP_HUGETLB, -1, 0));
	long memfd = sc(SYS_memfd_create, (long)"hugetlb", 0, 0, 0, 0, 0);
	CHECK("mmap_hugetlb_file",
	      MMAP(0, PAGE, RW, MAP_PRIVATE | MAP_HUGETLB, memfd, 0));
	close((int)memfd);
	long hinted = MMAP(0x1000, PAGE, RW, ANON, -1, 0);
	printf("mmap_low_hint %s\n", hinted == 0x10000 ? "raised" : "other");
}

static void munmap_cases(void)
{
	CHECK("munmap_unaligned", sc(SYS_munmap, 0x10000123, PAGE, 0, 0, 0, 0));
	CHECK("munmap_len0", sc(SYS_munmap, 0x10000000, 0, 0, 0, 0, 0));
	CHECK("munmap_past_top",
	      sc(SYS_munmap, TASK_SIZE, 2 * PAGE, 0, 0, 0, 0));
	CHECK("munmap_nothing_there",
	      sc(SYS_munmap, 0x20000000, 16 * PAGE, 0, 0, 0, 0));
}

static void mprotect_cases(void)
{
	long p = MMAP(0, 4 * PAGE, RW, ANON, -1, 0);
	sc(SYS_munmap, p + 2 * PAGE, PAGE, 0, 0, 0, 0); /* a hole */
	CHECK("mprotect_unaligned",
	      sc(SYS_mprotect, p + 1, PAGE, PROT_READ, 0, 0, 0));
	CHECK("mprotect_len0_unmapped",
	      sc(SYS_mprotect, 0x30000000, 0, PROT_READ, 0, 0, 0));
	CHECK("mprotect_bad_prot", sc(SYS_mprotect, p, PAGE, 0x10, 0, 0, 0));
	CHECK("mprotect_both_grows",
	      sc(SYS_mprotect, p, PAGE, PROT_GROWSDOWN | PROT_GROWSUP, 0, 0,
		 0));
	CHECK("mprotect_unmapped",
	      sc(SYS_mprotect, 0x30000000, PAGE, PROT_READ, 0, 0, 0));
	CHECK("mprotect_hole",
	      sc(SYS_mprotect, p, 4 * PAGE, PROT_READ, 0, 0, 0));
	CHECK("mprotect_growsdown_plain",
	      sc(SYS_mprotect, p, PAGE, PROT_READ | PROT_GROWSDOWN, 0, 0, 0));
	CHECK("mprotect_ok", sc(SYS_mprotect, p, 2 * PAGE, PROT_READ, 0, 0, 0));
}

static void madvise_cases(void)
{
	long p = MMAP(0, 2 * PAGE, RW, ANON, -1, 0);
	CHECK("madvise_bad_advice", sc(SYS_madvise, p, PAGE, 999, 0, 0, 0));
	CHECK("madvise_unaligned",
	      sc(SYS_madvise, p + 1, PAGE, MADV_DONTNEED, 0, 0, 0));
	CHECK("madvise_len0", sc(SYS_madvise, p, 0, MADV_DONTNEED, 0, 0, 0));
	CHECK("madvise_unmapped",
	      sc(SYS_madvise, 0x30000000, PAGE, MADV_DONTNEED, 0, 0, 0));
	/* memu has no KSM: the advice itself is invalid (checked before the
	 * range, so no VMA is touched on a kernel that has KSM either). */
	CHECK("madvise_mergeable",
	      sc(SYS_madvise, 0x30000000, PAGE, MADV_MERGEABLE, 0, 0, 0));
	CHECK("madvise_hole_after",
	      sc(SYS_madvise, p, 8 * PAGE, MADV_DONTNEED, 0, 0, 0));
	CHECK("madvise_dontneed",
	      sc(SYS_madvise, p, 2 * PAGE, MADV_DONTNEED, 0, 0, 0));
}

static void mremap_cases(void)
{
	/* Top-down: r sits below p and q below r; r's protection keeps it
	 * from merging with either. */
	long p = MMAP(0, 2 * PAGE, RW, ANON, -1, 0);
	long r = MMAP(0, 2 * PAGE, PROT_READ, ANON, -1, 0);
	long q = MMAP(0, PAGE, RW, ANON, -1, 0);
	CHECK("mremap_bad_flags", sc(SYS_mremap, p, PAGE, PAGE, 0x80, 0, 0));
	CHECK("mremap_fixed_no_maymove",
	      sc(SYS_mremap, p, PAGE, PAGE, MREMAP_FIXED, 0x40000000, 0));
	CHECK("mremap_unaligned", sc(SYS_mremap, p + 1, PAGE, PAGE, 0, 0, 0));
	CHECK("mremap_new_len0", sc(SYS_mremap, p, PAGE, 0, 0, 0, 0));
	CHECK("mremap_no_vma",
	      sc(SYS_mremap, 0x30000000, PAGE, 2 * PAGE, 0, 0, 0));
	CHECK("mremap_past_vma",
	      sc(SYS_mremap, r, 4 * PAGE, 8 * PAGE, 0, 0, 0));
	CHECK("mremap_private_old0",
	      sc(SYS_mremap, p, 0, PAGE, MREMAP_MAYMOVE, 0, 0));
	CHECK("mremap_dontunmap_resize",
	      sc(SYS_mremap, p, PAGE, 2 * PAGE,
		 MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, 0));
	CHECK("mremap_fixed_overlap",
	      sc(SYS_mremap, p, 2 * PAGE, 2 * PAGE,
		 MREMAP_MAYMOVE | MREMAP_FIXED, p + PAGE, 0));
	/* r sits directly above q: q cannot grow in place. */
	CHECK("mremap_grow_blocked",
	      sc(SYS_mremap, q, PAGE, 2 * PAGE, 0, 0, 0));
	long moved = sc(SYS_mremap, q, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0, 0);
	printf("mremap_grow_moves %s\n",
	       moved > 0 && moved != q ? "moved" : "stayed");
	CHECK("mremap_shrink", sc(SYS_mremap, p, 2 * PAGE, PAGE, 0, 0, 0));
}

int main(void)
{
	mmap_cases();
	munmap_cases();
	mprotect_cases();
	madvise_cases();
	mremap_cases();
	return 0;
}
