/* mlock, mlock2, munlock, mlockall, munlockall, MAP_LOCKED and mincore:
 * errnos in Linux 6.1's order and the residency mincore reports after
 * each.  Prints one line a case; tests/mm_test.c compares the whole
 * output with the same program run natively.  Raw syscalls: libc checks
 * nothing first.  (The guest is root, as memu's starts, with
 * CAP_IPC_LOCK: RLIMIT_MEMLOCK does not bind it; capset_memlock.c drops
 * it.) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

#define PAGE	   4096L
#define KERNEL_PTR 0xffffffff81000000L
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static void show(const char *name, long r)
{
	if (r < 0 && r > -4096)
		printf("%s %s\n", name, name_of(r));
	else
		printf("%s %ld\n", name, r);
}

/* mincore's answer for n pages at p, as "1010" (or the errno). */
static void residency(const char *name, long p, long n)
{
	unsigned char vec[16] = {0};
	long r = sc(SYS_mincore, p, n * PAGE, (long)vec, 0, 0, 0);
	if (r) {
		show(name, r);
		return;
	}
	char s[17] = {0};
	for (long i = 0; i < n && i < 16; i++)
		s[i] = (char)('0' + (vec[i] & 1));
	printf("%s %s\n", name, s);
}

/* How many VMAs /proc/self/maps shows in the n pages at p. */
static void vmas(const char *name, long p, long n)
{
	static char maps[65536];
	int fd = open("/proc/self/maps", O_RDONLY);
	long len = 0, got;
	while ((got = read(fd, maps + len, sizeof(maps) - 1 - (size_t)len)) > 0)
		len += got;
	close(fd);
	maps[len] = '\0';
	int count = 0;
	for (char *l = maps; *l; l = strchr(l, '\n') + 1) {
		unsigned long lo, hi;
		if (sscanf(l, "%lx-%lx", &lo, &hi) == 2 &&
		    lo < (unsigned long)(p + n * PAGE) && hi > (unsigned long)p)
			count++;
	}
	printf("%s %d\n", name, count);
}

static long map(long pages, int prot, int flags)
{
	return sc(SYS_mmap, 0, pages * PAGE, prot,
		  MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

int main(void)
{
	unsigned char vec[4];
	long a = map(4, PROT_READ | PROT_WRITE, 0);
	/* mincore's own checks */
	show("mincore_unaligned",
	     sc(SYS_mincore, a + 1, PAGE, (long)vec, 0, 0, 0));
	show("mincore_len0", sc(SYS_mincore, a, 0, (long)vec, 0, 0, 0));
	show("mincore_beyond_user",
	     sc(SYS_mincore, 0x7ffffffff000L, 16 * PAGE, (long)vec, 0, 0, 0));
	show("mincore_kernel_vec",
	     sc(SYS_mincore, a, PAGE, KERNEL_PTR, 0, 0, 0));
	show("mincore_unmapped",
	     sc(SYS_mincore, 0x10000000L, PAGE, (long)vec, 0, 0, 0));
	residency("fresh", a, 4);
	((volatile char *)a)[0] = 1;
	(void)((volatile char *)a)[2 * PAGE];
	residency("write0_read2", a, 4);
	long hole = map(3, PROT_READ | PROT_WRITE, 0);
	sc(SYS_munmap, hole + PAGE, PAGE, 0, 0, 0, 0);
	residency("with_a_hole", hole, 3);
	long none = map(2, PROT_READ | PROT_WRITE, 0);
	((volatile char *)none)[0] = 1;
	sc(SYS_mprotect, none, 2 * PAGE, PROT_NONE, 0, 0, 0);
	residency("prot_none", none, 2);

	/* mlock populates: writable pages written, read-only ones read */
	long b = map(4, PROT_READ | PROT_WRITE, 0);
	show("mlock", sc(SYS_mlock, b, 4 * PAGE, 0, 0, 0, 0));
	residency("after_mlock", b, 4);
	show("madvise_dontneed_locked",
	     sc(SYS_madvise, b, PAGE, MADV_DONTNEED, 0, 0, 0));
	show("munlock", sc(SYS_munlock, b, 4 * PAGE, 0, 0, 0, 0));
	show("madvise_dontneed_unlocked",
	     sc(SYS_madvise, b, PAGE, MADV_DONTNEED, 0, 0, 0));
	residency("after_dontneed", b, 4);
	long r = map(2, PROT_READ, 0);
	show("mlock_readonly", sc(SYS_mlock, r, 2 * PAGE, 0, 0, 0, 0));
	residency("after_mlock_readonly", r, 2);
	show("mlock_unaligned", sc(SYS_mlock, r + 5, PAGE, 0, 0, 0, 0));
	show("mlock_len0", sc(SYS_mlock, r, 0, 0, 0, 0, 0));
	show("mlock_hole", sc(SYS_mlock, hole, 3 * PAGE, 0, 0, 0, 0));
	show("mlock_unmapped", sc(SYS_mlock, 0x10000000L, PAGE, 0, 0, 0, 0));
	show("mlock_wraps", sc(SYS_mlock, r, -PAGE, 0, 0, 0, 0));
	long n = map(2, PROT_NONE, 0);
	show("mlock_prot_none", sc(SYS_mlock, n, 2 * PAGE, 0, 0, 0, 0));
	residency("after_mlock_prot_none", n, 2);
	show("munlock_unmapped",
	     sc(SYS_munlock, 0x10000000L, PAGE, 0, 0, 0, 0));

	/* mlock2 */
	long c = map(4, PROT_READ | PROT_WRITE, 0);
	show("mlock2_bad_flags", sc(SYS_mlock2, c, PAGE, 2, 0, 0, 0));
	show("mlock2_onfault",
	     sc(SYS_mlock2, c, 4 * PAGE, MLOCK_ONFAULT, 0, 0, 0));
	residency("after_mlock2_onfault", c, 4);
	show("mlock2_plain", sc(SYS_mlock2, c, 4 * PAGE, 0, 0, 0, 0));
	residency("after_mlock2_plain", c, 4);

	/* mlockall */
	show("mlockall_0", sc(SYS_mlockall, 0, 0, 0, 0, 0, 0));
	show("mlockall_onfault_only",
	     sc(SYS_mlockall, MCL_ONFAULT, 0, 0, 0, 0, 0));
	show("mlockall_bad", sc(SYS_mlockall, 8 | MCL_CURRENT, 0, 0, 0, 0, 0));
	show("mlockall_future", sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0, 0, 0));
	long d = map(3, PROT_READ | PROT_WRITE, 0);
	residency("new_map_with_mcl_future", d, 3);
	show("munlockall", sc(SYS_munlockall, 0, 0, 0, 0, 0, 0));
	long e = map(3, PROT_READ | PROT_WRITE, 0);
	residency("new_map_after_munlockall", e, 3);
	long f = map(3, PROT_READ | PROT_WRITE, MAP_LOCKED);
	residency("map_locked", f, 3);

	/* munlock of a locked VMA's middle splits it in three; munlock of
	 * the whole merges them back, page by page (apply_vma_lock_flags
	 * goes on after the VMA a merge made, not inside it) */
	long g = map(3, PROT_READ | PROT_WRITE, 0);
	show("mlock2_onfault_3",
	     sc(SYS_mlock2, g, 3 * PAGE, MLOCK_ONFAULT, 0, 0, 0));
	vmas("vmas_locked", g, 3);
	show("munlock_middle", sc(SYS_munlock, g + PAGE, PAGE, 0, 0, 0, 0));
	vmas("vmas_after_munlock_middle", g, 3);
	show("munlock_all_3", sc(SYS_munlock, g, 3 * PAGE, 0, 0, 0, 0));
	vmas("vmas_after_munlock_all", g, 3);
	show("mlock_all_3", sc(SYS_mlock, g, 3 * PAGE, 0, 0, 0, 0));
	show("munlock_first", sc(SYS_munlock, g, PAGE, 0, 0, 0, 0));
	show("mlock_first_two", sc(SYS_mlock, g, 2 * PAGE, 0, 0, 0, 0));
	vmas("vmas_after_mlock_first_two", g, 3);
	residency("after_mlock_first_two", g, 3);
	return 0;
}
