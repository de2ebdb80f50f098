/* Signal delivery against Linux (docs/signals.md): guest/tests/signals.c
 * runs natively and under memu, and both must print the same lines -
 * siginfo fields, uc_mcontext's ERR, TRAPNO and CR2, handlers that fix a
 * mapping and return, masks in and after handlers, pending and ignored
 * signals, SA_RESETHAND, siglongjmp - and end the same way. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

Test(signal, handlers_run_as_on_linux)
{
	int status;
	const char *linux_out = native_stdout("signals", NULL, &status);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s",
		  linux_out);
	cr_assert(strstr(linux_out, "err 4 trapno 14"), "%s", linux_out);
	struct guest g;
	guest_open(&g, "signals", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s",
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_str_eq(guest_stdout(&g), linux_out);
	/* Two SIGSEGVs, a SIGFPE: each a fault memu counted, none fatal. */
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_SEGV), 2);
	guest_close(&g);
}

Test(signal, a_blocked_fault_kills_as_on_linux)
{
	int status;
	native_stdout("signals", "blocked", &status);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
		  "status %#x", status);
	struct guest g;
	guest_open(&g, "signals", "blocked", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGSEGV);
	cr_assert_eq(g.r.si_code, SEGV_ACCERR);
	cr_assert_eq(g.r.error_code, 4);
	guest_close(&g);
}

Test(signal, a_handler_faulting_until_the_stack_is_full_dies_as_on_linux)
{
	int status;
	native_stdout("signals", "recurse", &status);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
		  "status %#x", status);
	struct guest g;
	guest_open(&g, "signals", "recurse", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGSEGV);
	cr_assert_str_eq(g.r.reason, "cannot write the signal frame");
	guest_close(&g);
}

/* Linux would spin for ever; memu never hangs: the CPU making no
 * progress (the same RIP and RSP, 1,000 times) ends the run. */
Test(signal, a_fault_loop_that_never_progresses_stops_the_machine)
{
	struct guest g;
	guest_open(&g, "signals", "spin", NULL);
	memu_run(g.m, &g.r); /* not guest_run: a machine error is expected */
	cr_assert_eq(g.r.stop, MEMU_STOP_ERROR);
	cr_assert_str_eq(g.r.reason, "the CPU stopped making progress");
	guest_close(&g);
}
