/* Guest processes (docs/processes.md): fork and copy-on-write, exit and
 * wait, pipes between processes, the process limit, deadlocks and the
 * scheduler's determinism.  Where Linux is the reference the same static
 * guest runs natively and its output must be memu's, byte for byte. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define PAGE 4096ULL

static struct guest g;

static void teardown(void)
{
	guest_close(&g);
}

TestSuite(process, .fini = teardown);

/* ---- the same as on Linux */

Test(process, cow_lab_is_linux_s)
{
	same_output_as_linux("fork_cow", "child: private 2 shared 2\n"
					 "parent after child: private 1 "
					 "shared 2 exit 0\n"
					 "parent: private 3\n");
}

Test(process, cow_lab_is_linux_s_with_glibc)
{
	same_output_as_linux("fork_cow_glibc", "child: private 2 shared 2\n");
}

#define WAIT_OUT                                                               \
	"exited 1 status 3 signaled 0\n"                                       \
	"SIGCHLD came: 1\n"                                                    \
	"WNOHANG: 0\n"                                                         \
	"after write: exited 1 status 5\n"                                     \
	"killed: signaled 1 sig 9 exited 0\n"                                  \
	"busy killed: sig 15\n"                                                \
	"waitid: 0\n"                                                          \
	"si_signo 17 si_code 1 si_status 7 pid ok 1\n"                         \
	"setpgid in child: 0\n"                                                \
	"getpgid(self) == getpgrp: 1\n"                                        \
	"waitid WNOHANG: 0 signo 0 code 0 pid 0 pad 0x55 tail 0x55\n"          \
	"wait4 to a bad pointer: -1 errno 14\n"                                \
	"waitid, none left: -1 errno 10 signo 0 pid 0\n"                       \
	"kill(0, SIGUSR1): 0\n"                                                \
	"the group's child: exited 1 status 42\n"

Test(process, wait_statuses_are_linux_s)
{
	same_output_as_linux("fork_wait", WAIT_OUT);
}

Test(process, wait_statuses_are_linux_s_with_glibc)
{
	same_output_as_linux("fork_wait_glibc", WAIT_OUT);
}

Test(process, a_pipe_between_processes_blocks_both_ways_as_on_linux)
{
	same_output_as_linux("fork_pipe",
			     "read 1048576 bytes, 0 wrong, end 0, child 0\n");
}

Test(process, a_pipe_between_glibc_processes_too)
{
	same_output_as_linux("fork_pipe_glibc",
			     "read 1048576 bytes, 0 wrong, end 0, child 0\n");
}

/* socketpair(AF_UNIX): stream and seqpacket, and a child at the other
 * end */
Test(process, a_socketpair_is_linux_s)
{
	same_output_as_linux("socketpair", "read 2 of abc 2\ngot ab\n");
}

/* ---- copy-on-write, seen from inside */

static uint64_t stage(uint64_t *va)
{
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE, "stopped: %s",
		     g.r.reason ? g.r.reason : "exit");
	*va = g.r.probe_tag & ~(PAGE - 1);
	return g.r.probe_tag & (PAGE - 1);
}

static struct memu_pte pte_of(int pid, uint64_t va)
{
	struct memu_pte p;
	cr_assert_eq(memu_pte_pid(g.m, pid, va, &p), 0, "pid %d", pid);
	return p;
}

static size_t rmap_pids(uint64_t pfn, int *pids)
{
	struct memu_rmap r[4];
	size_t n = memu_rmap(g.m, pfn, r, 4);
	for (size_t i = 0; i < n && i < 4; i++)
		pids[i] = r[i].pid;
	return n;
}

Test(process, fork_shares_write_protected_then_copies_then_reuses)
{
	uint64_t va, c0, r0, c1, r1;
	int pids[4];
	guest_open(&g, "fork_cow", "probe", NULL);

	/* The child, before its write: both entries map one frame,
	 * read-only, and the frame's reverse map names both processes. */
	cr_assert_eq(stage(&va), 1);
	cr_assert_eq(memu_current_pid(g.m), 2);
	struct memu_pte child = pte_of(2, va), parent = pte_of(1, va);
	cr_assert(child.present && !child.writable && parent.present &&
		  !parent.writable);
	cr_assert_eq(child.pfn, parent.pfn);
	uint64_t shared = child.pfn;
	cr_assert_eq(rmap_pids(shared, pids), 2);
	cr_assert((pids[0] == 1 && pids[1] == 2) ||
		  (pids[0] == 2 && pids[1] == 1));
	cr_assert_eq(memu_cow_counts(g.m, 2, &c0, &r0), 0);

	/* Its write: one copy; the parent keeps the old frame. */
	cr_assert_eq(stage(&va), 2);
	cr_assert_eq(memu_cow_counts(g.m, 2, &c1, &r1), 0);
	cr_assert_eq(c1 - c0, 1);
	cr_assert_eq(r1 - r0, 0);
	child = pte_of(2, va);
	parent = pte_of(1, va);
	cr_assert(child.present && child.writable && child.dirty);
	cr_assert_neq(child.pfn, shared);
	cr_assert_eq(parent.pfn, shared);
	cr_assert(!parent.writable);
	cr_assert_eq(rmap_pids(shared, pids), 1);
	cr_assert_eq(pids[0], 1);
	cr_assert_eq(rmap_pids(child.pfn, pids), 1);
	cr_assert_eq(pids[0], 2);

	/* The parent, the child reaped: the last mapper's write reuses the
	 * frame (Linux wp_page_reuse), no copy. */
	cr_assert_eq(stage(&va), 3);
	cr_assert_eq(memu_current_pid(g.m), 1);
	cr_assert_eq(memu_pte_pid(g.m, 2, va, &child), -1); /* gone */
	cr_assert_eq(memu_cow_counts(g.m, 1, &c0, &r0), 0);
	cr_assert_eq(stage(&va), 4);
	cr_assert_eq(memu_cow_counts(g.m, 1, &c1, &r1), 0);
	cr_assert_eq(c1 - c0, 0);
	cr_assert_eq(r1 - r0, 1);
	parent = pte_of(1, va);
	cr_assert(parent.writable);
	cr_assert_eq(parent.pfn, shared);

	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_eq(s.forks, 1);
	cr_assert_eq(s.faults[MEMU_FAULT_COW] + s.faults[MEMU_FAULT_WP_REUSE],
		     c1 + r1 + (memu_cow_counts(g.m, 2, &c0, &r0), c0 + r0));
}

/* ---- limits and dead ends */

Test(process, a_fork_bomb_gets_eagain_at_threads_max_and_memu_survives)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.ram_bytes = 32ULL << 20; /* threads-max 32 MiB / 128 KiB: 256 */
	guest_open_cfg(&g, &cfg, "fork_bomb", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s",
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_str_eq(guest_stdout(&g),
			 "forked 255, then Resource temporarily unavailable; "
			 "reaped 255, 255 exited 0\n");
}

#define DEADLOCK                                                               \
	"deadlock: every process is blocked and nothing can wake them (2 "     \
	"processes, pid 1 in read)"

Test(process, a_deadlock_stops_the_machine_with_its_own_status)
{
	guest_open(&g, "fork_deadlock", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_DEADLOCK);
	cr_assert_str_eq(g.r.reason, DEADLOCK);
	cr_assert_eq(memu_exit_code(&g.r), 75);
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	memu_print_death(g.m, &g.r, f);
	fclose(f);
	cr_assert_str_eq(line, "memu: " DEADLOCK "\n");
	free(line);
}

/* ---- the scheduler */

/* `memu run --stats GUEST`: stdout and stderr together, and the status. */
static char *memu_run_stats(const char *guest, int *status)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s run --stats %s 2>&1", MEMU_BIN,
		 guest_path(guest));
	return shell_output(cmd, status);
}

Test(process, time_slices_let_a_spinning_parent_see_its_child)
{
	guest_open(&g, "fork_spin", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert(strstr(guest_stdout(&g),
			 "child ran while the parent spun: yes\n"),
		  "%s", guest_stdout(&g));
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_gt(s.context_switches, 2); /* more than fork and exit */
}

Test(process, two_runs_are_byte_identical_output_and_stats)
{
	const char *guests[] = {"fork_spin", "fork_pipe", "fork_wait"};
	for (size_t i = 0; i < sizeof(guests) / sizeof(guests[0]); i++) {
		int s1, s2;
		char *a = memu_run_stats(guests[i], &s1);
		char *b = memu_run_stats(guests[i], &s2);
		cr_assert(WIFEXITED(s1) && WEXITSTATUS(s1) == 0, "%s", a);
		cr_assert_eq(s1, s2);
		cr_assert(strstr(a, "context switches"), "%s", a);
		cr_assert_str_eq(a, b);
		free(a);
		free(b);
	}
}

Test(process, dontfork_and_wipeonfork_memory_is_as_on_linux)
{
	same_output_as_linux("fork_madvise",
			     "marked: child: dontfork page Out of memory, "
			     "wipeonfork page 0, plain page 7\n");
}

Test(process, smaps_pss_and_shared_count_both_processes_as_on_linux)
{
	same_output_as_linux("fork_smaps",
			     "child, shared: Pss:                   2 kB\n"
			     "child, shared: Shared_Dirty:          4 kB\n");
}

Test(process, an_orphan_gets_its_pdeath_signal_as_on_linux)
{
	same_output_as_linux("fork_pdeath",
			     "pdeathsig 10, got 10, reparented 1\n"
			     "prctl(PR_SET_PDEATHSIG, 65): -1\n");
}

Test(process, vfork_and_clone_s_flag_checks_are_linux_s)
{
	same_output_as_linux("fork_vfork",
			     "vfork: waitpid pid, exited 1 status 5\n"
			     "clone(CLONE_SIGHAND): -1 Invalid argument\n");
}

Test(process, clones_sharing_less_than_a_thread_are_not_done_yet_enosys)
{
	guest_open(&g, "fork_vfork", "threads", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_str_eq(guest_stdout(&g),
			 "clone(CLONE_VM): -1 Function not implemented\n"
			 "clone(thread): -1 Function not implemented\n");
}

Test(process, a_sleeper_wakes_while_another_process_spins)
{
	guest_open(&g, "fork_sleep", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_str_eq(guest_stdout(&g),
			 "nanosleep 0 while the child spun; child exit 0\n");
}

Test(process, signals_between_processes_wake_waits_as_on_linux)
{
	same_output_as_linux("fork_signals",
			     "sigsuspend: -1 Interrupted system call, handler "
			     "ran 1\n"
			     "sigtimedwait: 12 code 0 from the child 1\n"
			     "read, SA_RESTART: 1 'x'\n"
			     "SIGCHLD: code 1 status 9\n"
			     "SIGCHLD: code 2 status 15\n");
}

/* The parent runs on after fork and blocks in its read before the child
 * runs: the child's signal interrupts the read (EINTR). */
Test(process, a_signal_from_another_process_interrupts_a_pipe_read)
{
	guest_open(&g, "fork_signals", "eintr", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_str_eq(guest_stdout(&g),
			 "sigsuspend: -1 Interrupted system call, handler "
			 "ran 1\n"
			 "sigtimedwait: 12 code 0 from the child 1\n"
			 "read, no SA_RESTART: -1 Interrupted system call\n");
}

Test(process, random_arguments_to_the_process_calls_leave_memu_standing)
{
	guest_open(&g, "fork_fuzz", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s",
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert(strstr(guest_stdout(&g), "calls succeeded, reaped 3\n"), "%s",
		  guest_stdout(&g));
}

/* --stats of the COW lab: the parent runs on after fork and writes its
 * stack (a copy: the child maps the frame too); the child then reuses
 * the stack frame left to it, and copies libc's data page (fork's own
 * bookkeeping) and the private page; the parent, alone again, reuses
 * both. */
Test(process, stats_count_cow_copies_and_reuses_per_process)
{
	int status;
	char *out = memu_run_stats("fork_cow", &status);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", out);
	cr_assert(strstr(out, "  processes: 1 made, 2 context switches\n"
			      "  COW by process (copies, reuses):\n"
			      "    pid 1                1, 2\n"
			      "    pid 2                2, 1 (reaped)\n"),
		  "%s", out);
	cr_assert(strstr(out, "    COW                  3\n"
			      "    write-protect reuse  3\n"),
		  "%s", out);
	free(out);
}

/* The last process to run exits into the deadlock: pid 1 is on the CPU
 * for the inspection that follows. */
Test(process, a_deadlock_after_an_exit_leaves_pid_1_to_inspect)
{
	guest_open(&g, "fork_deadlock", "pause", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_DEADLOCK);
	cr_assert_str_eq(g.r.reason,
			 "deadlock: every process is blocked and nothing can "
			 "wake them (3 processes, pid 1 in pause)");
	cr_assert_eq(memu_current_pid(g.m), 1);
	struct memu_vma v[64];
	cr_assert_gt(memu_vmas(g.m, v, 64), 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	memu_print_stats(g.m, f);
	fclose(f);
	cr_assert(strstr(text, "processes: 2 made"), "%s", text);
	free(text);
}

/* clone3 as Linux reads and checks struct clone_args: each errno, a
 * fork through it with CLONE_PARENT_SETTID, and CLONE_CLEAR_SIGHAND
 * putting a handler back to the default (the child dies of SIGUSR1)
 * but keeping SIG_IGN. */
Test(process, clone3_as_on_linux_musl)
{
	same_output_as_linux("clone3",
			     "CLONE_CLEAR_SIGHAND: killed by signal 10\n");
}

Test(process, clone3_as_on_linux_glibc)
{
	same_output_as_linux("clone3_glibc",
			     "size 104, not zeros past 88: Argument list too "
			     "long\n");
}

/* glibc's pthread_create goes through clone3, as on Linux 6.1: every
 * clone3 the threads guest makes returns a tid, none is ENOSYS, and no
 * clone makes a thread as a fallback. */
Test(process, glibc_threads_are_made_by_clone3)
{
	char *text = NULL;
	size_t len = 0;
	FILE *t = open_memstream(&text, &len);
	guest_open_traced(&g, t, MEMU_TRACE_SYSCALL, MEMU_TRACE_JSONL,
			  "threads_glibc", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	guest_close(&g);
	fclose(t);
	unsigned made = 0, failed = 0, clones = 0;
	for (const char *l = text; (l = strstr(l, "\"nr\":")); l++) {
		if (!strncmp(l, "\"nr\":435,", 9)) {
			const char *r = strstr(l, "\"result\":");
			if (r && r[9] != '-')
				made++;
			else
				failed++;
		}
		/* the guest's own raw clones with bad flags fail (EINVAL);
		 * a fallback would make a thread */
		if (!strncmp(l, "\"nr\":56,", 8)) {
			const char *r = strstr(l, "\"result\":");
			clones += r && r[9] != '-';
		}
	}
	free(text);
	cr_assert_gt(made, 0);
	cr_assert_eq(failed, 0);
	cr_assert_eq(clones, 0);
}
