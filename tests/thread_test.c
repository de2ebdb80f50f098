/* Threads (docs/processes.md, "Threads"): pthread_create and join, mutexes,
 * condition variables, pthread_exit, thread-local storage, tgkill and a
 * fault handled in its thread, futex errnos and clone's flag checks, all
 * the same as on Linux with musl and glibc; the seeded scheduler's
 * interleavings of a racy guest, a spinning thread preempted, a deadlock
 * of every thread, and the leader leaving first. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

static struct guest g;

static void teardown(void)
{
	guest_close(&g);
}

TestSuite(thread, .fini = teardown);

#define THREADS_OUT                                                            \
	"thread 0 returned 7\n"                                                \
	"thread 1 returned 107\n"                                              \
	"thread 2 returned 207\n"                                              \
	"thread 3 returned 1307\n"                                             \
	"counter 4000 (of 4000)\n"                                             \
	"main's tls 7\n"                                                       \
	"gettid != getpid: 1, tids distinct: 1, main's tid is pid: 1\n"        \
	"ping-pong: ioioioioioioioio\n"                                        \
	"tgkill: 0, handled by thread 1\n"                                     \
	"tgkill to another tgid: -1 errno 3\n"                                 \
	"SIGSEGV handled by thread 2\n"                                        \
	"munmap in a thread: read 42 before, then SIGSEGV in thread 0\n"       \
	"futex wait, word differs: -11\n"                                      \
	"futex wait, 1 ms: -110\n"                                             \
	"futex wake, nobody: 0\n"                                              \
	"futex wake, misaligned: -22\n"                                        \
	"futex cmp_requeue, word differs: -11\n"                               \
	"futex cmp_requeue, nobody: 0\n"                                       \
	"futex wait_bitset, bitset 0: -22\n"                                   \
	"futex wake_bitset, nobody: 0\n"                                       \
	"futex bad op: -38\n"                                                  \
	"clone THREAD alone: -1 errno 22\n"                                    \
	"clone SIGHAND without VM: -1 errno 22\n"                              \
	"clone THREAD|SIGHAND without VM: -1 errno 22\n"                       \
	"clone NEWNS|FS: -1 errno 22\n"                                        \
	"clone thread with NEWPID: -1 errno 22\n"                              \
	"clone PIDFD|DETACHED: -1 errno 22\n"

Test(thread, musl_threads_are_linux_s)
{
	same_output_as_linux("threads", THREADS_OUT);
	guest_open(&g, "threads", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_str_eq(guest_stdout(&g), THREADS_OUT);
}

Test(thread, glibc_threads_are_linux_s)
{
	same_output_as_linux("threads_glibc", THREADS_OUT);
}

/* The racy guest under memu with scheduler seed seed. */
static char *race(uint64_t seed)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.sched_seed = seed;
	const char *args[] = {"race", "100000", NULL};
	guest_open_cfg(&g, &cfg, "threads_sched", args);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
	char *out = strdup(guest_stdout(&g));
	guest_close(&g);
	return out;
}

Test(thread, each_scheduler_seed_gives_its_own_interleaving_every_time)
{
	static const struct {
		uint64_t seed;
		const char *out;
	} runs[] = {
		{0, "counter 123993 of 200000\n"},
		{1, "counter 116902 of 200000\n"},
		{2, "counter 125877 of 200000\n"},
		{1, "counter 116902 of 200000\n"},
	};
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		char *out = race(runs[i].seed);
		cr_expect_str_eq(out, runs[i].out, "seed %lu",
				 (unsigned long)runs[i].seed);
		free(out);
	}
}

/* `memu run --stats [--sched-seed N] GUEST ARGS`: stdout and stderr
 * together, and the status. */
static char *memu_run_stats(const char *opts, const char *guest,
			    const char *args, int *status)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s run --stats %s %s %s 2>&1", MEMU_BIN,
		 opts, guest_path(guest), args);
	return shell_output(cmd, status);
}

Test(thread, two_runs_with_one_seed_are_byte_identical_output_and_stats)
{
	const char *opts[] = {"", "--sched-seed 7"};
	for (size_t i = 0; i < 2; i++) {
		int s1, s2;
		char *a = memu_run_stats(opts[i], "threads_sched", "race 20000",
					 &s1);
		char *b = memu_run_stats(opts[i], "threads_sched", "race 20000",
					 &s2);
		cr_assert(WIFEXITED(s1) && WEXITSTATUS(s1) == 0, "%s", a);
		cr_assert_eq(s1, s2);
		cr_assert(strstr(a, "counter "), "%s", a);
		cr_assert(strstr(a, "context switches"), "%s", a);
		cr_assert_str_eq(a, b);
		free(a);
		free(b);
	}
}

Test(thread, a_spinning_thread_is_preempted_and_exit_ends_it)
{
	const char *guests[] = {"threads_sched", "threads_sched_glibc"};
	for (size_t i = 0; i < 2; i++) {
		guest_open(&g, guests[i], "spin", NULL);
		guest_finish(&g);
		cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s", guests[i]);
		cr_assert_eq(g.r.exit_status, 0);
		cr_assert_str_eq(guest_stdout(&g), "main done\n");
		guest_close(&g);
	}
}

#define DEADLOCK                                                               \
	"deadlock: every process is blocked and nothing can wake them (2 "     \
	"processes, pid 1 in futex)"

Test(thread, every_thread_blocked_is_a_deadlock)
{
	const char *guests[] = {"threads_sched", "threads_sched_glibc"};
	for (size_t i = 0; i < 2; i++) {
		guest_open(&g, guests[i], "deadlock", NULL);
		guest_finish(&g);
		cr_assert_eq(g.r.stop, MEMU_STOP_DEADLOCK, "%s", guests[i]);
		cr_assert_str_eq(g.r.reason, DEADLOCK);
		cr_assert_eq(memu_exit_code(&g.r), 75);
		cr_assert_str_eq(guest_stdout(&g), "");
		guest_close(&g);
	}
}

Test(thread, the_leader_leaving_first_leaves_the_process_to_the_others)
{
	const char *guests[] = {"threads_sched", "threads_sched_glibc"};
	for (size_t i = 0; i < 2; i++) {
		int status;
		const char *native =
			native_stdout(guests[i], "leader", &status);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
		cr_assert_str_eq(native, "thread: pid 1\n");
		guest_open(&g, guests[i], "leader", NULL);
		guest_finish(&g);
		cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
		cr_assert_eq(g.r.exit_status, 3);
		cr_assert_str_eq(guest_stdout(&g), "thread: pid 1\n");
		guest_close(&g);
	}
}

Test(thread, futex_waiters_wake_requeue_time_out_and_take_signals_in_order)
{
	guest_open(&g, "futex_ops", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_str_eq(guest_stdout(&g),
			 "wake 1: 1\n"
			 "cmp_requeue 1, move 2: 3\n"
			 "wake on the old word: 0\n"
			 "wake on the new word: 2\n"
			 "woken in order: ABCD\n"
			 "a signal ends the wait: -4\n"
			 "timed wait: -110 after >= 5 ms: 1\n");
}

Test(thread, a_child_whose_leader_left_first_is_reaped_after_its_last_thread)
{
	const char *guests[] = {"threads_sched", "threads_sched_glibc"};
	const char *out = "thread: pid 1\n"
			  "parent: waitpid pid, exited 1 status 3\n";
	for (size_t i = 0; i < 2; i++) {
		int status;
		const char *native =
			native_stdout(guests[i], "forkleader", &status);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		cr_assert_str_eq(native, out);
		guest_open(&g, guests[i], "forkleader", NULL);
		guest_finish(&g);
		cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
		cr_assert_eq(g.r.exit_status, 0);
		cr_assert_str_eq(guest_stdout(&g), out);
		guest_close(&g);
	}
}
