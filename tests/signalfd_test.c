/* signalfd (docs/files.md, "signalfd"): guest/tests/signalfd.c with
 * musl and glibc, the same as on Linux, and what only memu's
 * deterministic machine promises. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* The errnos of signalfd and signalfd4 in Linux's order, the mask
 * without SIGKILL and SIGSTOP and its update through a dup, every
 * layout of struct signalfd_siginfo in dequeue order, whole records, a
 * record that cannot be written lost, SIGALRM, SIGCHLD of a child's exit
 * and death, a child's kill, poll and select (woken, and a pending
 * signal that does not end a wait for POLLOUT), EINTR and SA_RESTART
 * from a timer's handler and a child's, the file shared by fork and by
 * threads, each reading its own signals (a thread's poll and read woken
 * by the main thread's sigqueue), the /proc/self/fd link and
 * fdinfo: the same as on Linux. */
Test(signalfd, the_same_as_linux_musl)
{
	same_output_as_linux(
		"signalfd",
		"layout: SIGBUS errno 0 code 5 pid 0 uid 0 fd 0 tid 0 band 0 "
		"overrun 0 trapno 0 status 0 int 0 ptr 0 utime 0 stime 0 addr "
		"0x7000b000 addr_lsb 12 syscall 0 call_addr 0 arch 0 pads 1\n");
}

Test(signalfd, the_same_as_linux_glibc)
{
	same_output_as_linux("signalfd_glibc",
			     "fdinfo: sigmask:\t8000000000000002\n");
}

/* Under memu: the mount and inode of the anonymous inode (9, 1), a
 * child's CPU times in its SIGCHLD in clock ticks (50,000 system calls of
 * 500 ns of system time each, and fork's and exit's: 2 ticks of 10 ms;
 * no user time, which the virtual clock does not count here),
 * and the handlers a periodic timer ran while the read waited - once
 * before EINTR, twice before the restarted read found SIGUSR2; readv as
 * Linux 6.1's, a ->read per segment (the host's 6.18 reads a record
 * across segments: not compared with it).  mask:
 * SIGUSR1 and SIGRTMIN + 2, which is 37 for musl, 36 for glibc. */
static void exact(const char *guest, const char *mask)
{
	struct guest g;
	guest_open(&g, guest, "exact", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
	static const char *const lines[] = {
		"exact: ", "fdinfo: ", "exit: ", "killed: ", NULL};
	char *got = lines_starting(guest_stdout(&g), lines, true);
	static const char *const child_ends =
		"exit: SIGCHLD errno 0 code 1 pid the child uid mine fd 0 "
		"tid 0 band 0 overrun 0 trapno 0 status 3 int 0 ptr 0 "
		"utime 0 stime 2 addr 0 addr_lsb 0 syscall 0 call_addr 0 "
		"arch 0 pads 1\n"
		"killed: SIGCHLD errno 0 code 2 pid the child uid mine fd 0 "
		"tid 0 band 0 overrun 0 trapno 0 status 15 int 0 ptr 0 "
		"utime 0 stime 0 addr 0 addr_lsb 0 syscall 0 call_addr 0 "
		"arch 0 pads 1\n";
	char *want = NULL;
	cr_assert(asprintf(&want,
			   "fdinfo: pos:\t0\n"
			   "fdinfo: flags:\t02\n"
			   "fdinfo: mnt_id:\t9\n"
			   "fdinfo: ino:\t1\n"
			   "fdinfo: sigmask:\t%s\n"
			   "exact: readv 64+128: EINVAL, 128+128: 128 "
			   "SIGUSR1\n"
			   "%s"
			   "exact: handled 1\n"
			   "exact: handled 2\n"
			   "fdinfo: pos:\t0\n"
			   "fdinfo: flags:\t02000002\n"
			   "fdinfo: mnt_id:\t9\n"
			   "fdinfo: ino:\t1\n"
			   "fdinfo: sigmask:\t8000000000000002\n",
			   mask, child_ends) > 0);
	cr_assert_str_eq(got, want);
	free(want);
	free(got);
	guest_close(&g);
}

Test(signalfd, exact_under_memu_musl)
{
	exact("signalfd", "0000001000000200");
}

Test(signalfd, exact_under_memu_glibc)
{
	exact("signalfd_glibc", "0000000800000200");
}
