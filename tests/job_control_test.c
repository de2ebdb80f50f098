/* Job control (docs/processes.md, "Job control"): stop and continue,
 * their SIGCHLD and wait reports, SA_NOCLDSTOP, a pending stop discarded
 * by SIGCONT, SIGTSTP in an orphaned group, SIGKILL to a stopped process
 * - guest/tests/job_control.c with musl and glibc, the same bytes as on
 * Linux - and a process stopped with nobody to continue it, which memu
 * calls a deadlock. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define MUST                                                                   \
	"waitid WSTOPPED: signo 17 code 5 status 20 pid ok\n"                  \
	"waitid WSTOPPED|WNOHANG: signo 0 code 0 status 0 pid 0\n"

Test(job_control, stop_and_continue_as_linux_musl)
{
	same_output_as_linux("job_control", MUST);
}

Test(job_control, stop_and_continue_as_linux_glibc)
{
	same_output_as_linux("job_control_glibc", MUST);
}

static void deadlock(const char *mode, const char *out, const char *line)
{
	struct guest g;
	guest_open(&g, "job_control", mode, NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_DEADLOCK);
	cr_assert_eq(memu_exit_code(&g.r), 75);
	cr_assert_str_eq(guest_stdout(&g), out);
	char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	memu_print_death(g.m, &g.r, f);
	fclose(f);
	cr_assert_str_eq(buf, line);
	guest_close(&g);
}

/* pid 1 stops itself: nobody is left to continue it. */
Test(job_control, stopped_for_ever_is_a_deadlock)
{
	deadlock("selfstop", "stopping\n",
		 "memu: deadlock: every process is blocked and nothing can "
		 "wake them (1 processes, pid 1 stopped)\n");
}

/* A stopped child, a parent waiting for its exit without WUNTRACED. */
Test(job_control, a_stopped_child_and_a_waiting_parent_deadlock)
{
	deadlock("stopchild", "",
		 "memu: deadlock: every process is blocked and nothing can "
		 "wake them (2 processes, pid 1 in wait4)\n");
}
