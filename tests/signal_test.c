/* Signal delivery against Linux (docs/signals.md): guest/tests/signals.c
 * runs natively and under memu, and both must print the same lines -
 * siginfo fields, uc_mcontext's ERR, TRAPNO and CR2, handlers that fix a
 * mapping and return, masks in and after handlers, pending and ignored
 * signals, SA_RESETHAND, siglongjmp - and end the same way.  So must
 * guest/tests/sigqueue.c (queued real-time signals, delivery order,
 * rt_sigqueueinfo, RLIMIT_SIGPENDING) and guest/tests/sigrestart.c
 * (interrupted calls, SA_RESTART, restart_syscall). */
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
	/* Two SIGSEGVs, 1,500 more at one instruction (each fixed, so no
	 * stall), a SIGFPE: each a fault memu counted, none fatal. */
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_SEGV), 2 + 1500);
	guest_close(&g);
}

/* The signals guest in mode dies of SIGSEGV natively and under memu
 * (g is left open, its result there to look at). */
static void dies_of_sigsegv_as_on_linux(struct guest *g, const char *mode)
{
	int status;
	native_stdout("signals", mode, &status);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
		  "status %#x", status);
	guest_open(g, "signals", mode, NULL);
	guest_finish(g);
	cr_assert_eq(g->r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g->r.signal, SIGSEGV);
}

Test(signal, a_blocked_fault_kills_as_on_linux)
{
	struct guest g;
	dies_of_sigsegv_as_on_linux(&g, "blocked");
	cr_assert_eq(g.r.si_code, SEGV_ACCERR);
	cr_assert_eq(g.r.error_code, 4);
	guest_close(&g);
}

Test(signal, a_handler_faulting_until_the_stack_is_full_dies_as_on_linux)
{
	struct guest g;
	dies_of_sigsegv_as_on_linux(&g, "recurse");
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

/* Three instances of each of two real-time signals and two SIGUSR1,
 * unblocked at once: one frame each, nested, so the last taken runs
 * first; every siginfo kept (docs/signals.md, "Queued signals"). */
#define NESTED                                                                 \
	"nested: RT+1/10/-1 RT+1/11/-1 RT+1/12/-1 RT+0/20/-1 RT+0/21/-1 "      \
	"RT+0/22/-1 USR1/30/-1\n"

Test(signal, real_time_signals_queue_as_on_linux)
{
	same_output_as_linux("sigqueue", NESTED);
}

Test(signal, glibc_sigqueue_works_as_on_linux)
{
	same_output_as_linux("sigqueue_glibc", NESTED);
}

/* Linux counts queued signals per user, across processes (natively the
 * host's other processes may hold some); memu counts the guest's own,
 * so exactly 64 fit under a limit of 64.  The limit at start is Linux's
 * for the machine's RAM: RAM / 256 KiB.  kill(-1) reaches every process
 * but init and the caller: none. */
static void queued_under_the_limit(uint64_t ram, const char *start)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	if (ram)
		cfg.ram_bytes = ram;
	const char *args[] = {"exact", NULL};
	struct guest g;
	guest_open_cfg(&g, &cfg, "sigqueue", args);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
	const char *out = guest_stdout(&g);
	cr_assert(strstr(out, start), "%s", out);
	cr_assert(strstr(out, "RLIMIT_SIGPENDING 64 64\nqueued 64, then "
			      "Resource temporarily unavailable\n"),
		  "%s", out);
	cr_assert(strstr(out, "; RT+0 all 1 in order 1\n"), "%s", out);
	guest_close(&g);
}

Test(signal, rlimit_sigpending_counts_the_guest_s_own_signals)
{
	queued_under_the_limit(0, "RLIMIT_SIGPENDING at start 1024 1024; "
				  "kill(-1, 0) ESRCH\n");
	queued_under_the_limit(1ULL << 30, "RLIMIT_SIGPENDING at start 4096 "
					   "4096; kill(-1, 0) ESRCH\n");
}

/* A real-time signal's default action is to terminate. */
Test(signal, a_real_time_signal_with_no_handler_kills_as_on_linux)
{
	int status;
	native_stdout("sigqueue", "rtdefault", &status);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) > SIGRTMIN,
		  "status %#x", status);
	struct guest g;
	guest_open(&g, "sigqueue", "rtdefault", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, WTERMSIG(status));
	cr_assert_eq(g.r.si_code, SI_QUEUE);
	guest_close(&g);
}

/* SA_RESTART restarts a futex wait (ERESTARTSYS), not a sleep, a timed
 * wait, pause, sigsuspend or sigtimedwait; a call woken by a signal no
 * handler takes restarts unseen; restart_syscall carries on a sleep
 * from the handler (docs/signals.md, "Interrupted system calls"). */
Test(signal, interrupted_calls_restart_as_on_linux)
{
	same_output_as_linux("sigrestart",
			     "futex wait, SA_RESTART: EAGAIN, alarms 3\n");
}
