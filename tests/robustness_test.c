/* The guest can never hurt the host: seeded random arguments to memu's
 * memory and device syscalls (guest/tests/syscall_fuzz.c), run under
 * AddressSanitizer and UBSan in scripts/test.  Each run must end with the
 * guest's own exit (never a machine error, never a host crash), and the
 * same seed must give the same run. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void run_seed(const char *seed, char *out, size_t outlen,
		     struct memu_stats *s)
{
	struct guest g;
	guest_open(&g, "syscall_fuzz", "20000", seed, NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "seed %s: %s", seed,
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, 0);
	snprintf(out, outlen, "%s", guest_stdout(&g));
	guest_stats(&g, s);
	guest_close(&g);
}

static void fuzz(const char *seed)
{
	char a[128], b[128];
	struct memu_stats sa, sb;
	run_seed(seed, a, sizeof(a), &sa);
	cr_assert(!strncmp(a, "20000 rounds, ", 14), "%s", a);
	run_seed(seed, b, sizeof(b), &sb);
	cr_assert_str_eq(a, b);
	cr_assert_eq(memcmp(&sa, &sb, sizeof(sa)), 0, "same seed, same stats");
	/* + arch_prctl, set_tid_address, 4 opens, the mmap of its buffer,
	 * ioctl(TIOCGWINSZ) and writev from stdio, exit_group */
	cr_assert_eq(sa.syscalls, 20000 + 10, "every call reached memu");
}

Test(robustness, random_syscalls_seed_1)
{
	fuzz("1");
}
Test(robustness, random_syscalls_seed_2)
{
	fuzz("2");
}
Test(robustness, random_syscalls_seed_3)
{
	fuzz("3");
}
