/* poll, ppoll, select and pselect6 (docs/files.md, "poll and select"),
 * and the pipe's page buffers they see: guest/tests/polling.c with musl
 * and glibc, the same as on Linux, and the virtual clock's exact waits
 * under memu. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Pipes, socket pairs, eventfds, files and devices each ready as on
 * Linux (the revents masks), the errors (POLLNVAL, EFAULT, EINVAL over
 * RLIMIT_NOFILE, EBADF), timeouts written back or not (musl's select
 * and both libcs' ppoll keep the caller's copy), ppoll's and pselect6's
 * signal masks, a timer ending an endless wait with EINTR, and a child
 * ending the parent's wait by writing and by exiting.  The pipe fills
 * as Linux's ring of 16 page buffers does: 61450 bytes after a 10-byte
 * write and 15 of 4096, 64000 in writes of 100. */
Test(poll, the_same_as_linux_musl)
{
	same_output_as_linux("polling", "filled with 61450 bytes\n");
}

Test(poll, the_same_as_linux_glibc)
{
	same_output_as_linux("polling_glibc",
			     "select, 20 ms, nothing ready: 0, set 0, left "
			     "0.000000, waited 20 ms: 1\n");
}

/* The waits on the virtual clock: 20 ms and 40 ms, and the 1 us of the
 * two clock_gettime calls around each. */
static void exact(const char *guest)
{
	char *got = exact_lines(guest);
	cr_assert_str_eq(got, "exact: select waited 20001 us\n"
			      "exact: poll waited 40001 us\n");
	free(got);
}

Test(poll, virtual_clock_waits_musl)
{
	exact("polling");
}

Test(poll, virtual_clock_waits_glibc)
{
	exact("polling_glibc");
}

/* timerfd: the errnos, one-shot and periodic timers (a start 2.5 s
 * ago, every second, reads 3), settime's old value and its reset of the
 * ticks, poll, select and a child's read woken by the expiry, the
 * realtime clock, lseek, the /proc/self/fd link and fdinfo: the same as
 * on Linux. */
Test(poll, timerfd_as_on_linux_musl)
{
	same_output_as_linux("timerfd",
			     "started 2.5 s ago, every second: read 3\n");
}

Test(poll, timerfd_as_on_linux_glibc)
{
	same_output_as_linux("timerfd_glibc", "link: anon_inode:[timerfd]\n");
}

/* And memu's own times: a 20 ms wait is 20 ms and the 1.5 us of the
 * three calls in it; the periodic timer's next expiry 0.5 s less the
 * 3 us of six calls; fdinfo's every line, on the anonymous inode
 * (mount 9, inode 1). */
static void timerfd_exact(const char *guest)
{
	struct guest g;
	guest_open(&g, guest, "exact", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	static const char *const exact_lines[] = {"exact: ", "fdinfo: ", NULL};
	char *got = lines_starting(guest_stdout(&g), exact_lines, true);
	cr_assert_str_eq(got, "exact: waited 20001500 ns\n"
			      "exact: value 499997000\n"
			      "fdinfo: pos:\t0\n"
			      "fdinfo: flags:\t02\n"
			      "fdinfo: mnt_id:\t9\n"
			      "fdinfo: ino:\t1\n"
			      "fdinfo: clockid: 7\n"
			      "fdinfo: ticks: 0\n"
			      "fdinfo: settime flags: 02\n"
			      "fdinfo: it_value: (0, 999998000)\n"
			      "fdinfo: it_interval: (0, 250000000)\n");
	free(got);
	guest_close(&g);
}

Test(poll, timerfd_times_on_the_virtual_clock_musl)
{
	timerfd_exact("timerfd");
}

Test(poll, timerfd_times_on_the_virtual_clock_glibc)
{
	timerfd_exact("timerfd_glibc");
}
