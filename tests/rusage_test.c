/* getrusage per task, process and reaped children, wait4's rusage and
 * /proc/self/stat's counts (docs/processes.md, "Resource usage"):
 * guest/tests/rusage.c with musl and glibc, the same as on Linux, and
 * its exact counts under memu. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

Test(rusage, the_same_as_linux_musl)
{
	same_output_as_linux("rusage",
			     "RUSAGE_CHILDREN minflt grew by the child's "
			     "own: 1\n");
}

Test(rusage, the_same_as_linux_glibc)
{
	same_output_as_linux("rusage_glibc",
			     "our children grew by the child's own and its "
			     "children's: 1\n");
}

/* The lines with the counts themselves: memu's, the same every run. */
static void exact(const char *guest, const char *want)
{
	for (int run = 0; run < 2; run++) {
		char *got = exact_lines(guest);
		cr_assert_str_eq(got, want);
		free(got);
	}
}

/* A child writing 100 pages takes 102 faults (its stack and data
 * pages too), all of them in wait4's rusage and the parent's
 * RUSAGE_CHILDREN; a grandchild's 202 count for the child's children
 * and then for ours; /proc/self/stat's cminflt is the sum; a thread's
 * 64 faults are its RUSAGE_THREAD and its task/TID/stat's minflt, in
 * RUSAGE_SELF and /proc/self/stat, not in the main thread's.  Times are the
 * virtual clock's: the child's 104 us are system time, 102 faults at 1 us and 4
 * syscalls at 0.5 us, and no slice of it ended, so no user time.  Each blocking
 * wait is one voluntary switch (the parent's sixth is its wait for the sleeping
 * child; the children's 7 are their blocks and their exits); a 50 ms
 * sleep alone is one voluntary switch and the 1 us of its two calls,
 * the time slept nobody's; two
 * threads spinning 2,000,000 rounds each share the CPU in 200 slices
 * of 20,000 blocks: 200 involuntary switches, 100 us of user time
 * each. */
Test(rusage, exact_counts_musl)
{
	exact("rusage",
	      "exact: child minflt 102 utime 0 us stime 104 us maxrss 460; "
	      "children minflt 102 utime 0 us stime 106 us maxrss 460\n"
	      "exact: child minflt 54, its children's 202; ours grew 256, "
	      "wait4's 256\n"
	      "exact: stat minflt 4 cminflt 358 utime 0 stime 0 cutime 0 "
	      "cstime 0\n"
	      "exact: thread minflt 64; self grew 65, main thread's 1; "
	      "task/TID/stat 64, main's 9, stat 73\n"
	      "exact: nvcsw 6 -> 7 nivcsw 0 -> 0; children nvcsw 7 nivcsw 0; "
	      "status 7 0\n"
	      "exact: sleeping nvcsw 1 time 1 us\n"
	      "exact: spinning nivcsw 200 utime 20000 us\n");
}

Test(rusage, exact_counts_glibc)
{
	exact("rusage_glibc",
	      "exact: child minflt 106 utime 0 us stime 105 us maxrss 1204; "
	      "children minflt 106 utime 0 us stime 107 us maxrss 1204\n"
	      "exact: child minflt 57, its children's 205; ours grew 262, "
	      "wait4's 262\n"
	      "exact: stat minflt 17 cminflt 368 utime 0 stime 0 cutime 0 "
	      "cstime 0\n"
	      "exact: thread minflt 65; self grew 69, main thread's 4; "
	      "task/TID/stat 65, main's 33, stat 98\n"
	      "exact: nvcsw 6 -> 7 nivcsw 0 -> 0; children nvcsw 7 nivcsw 0; "
	      "status 7 0\n"
	      "exact: sleeping nvcsw 1 time 1 us\n"
	      "exact: spinning nivcsw 200 utime 20000 us\n");
}
