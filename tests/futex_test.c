/* futex and thread completeness (docs/processes.md, "futex", "Threads"):
 * guest/tests/futexes.c, one mode at a time, natively and under memu,
 * with musl and glibc: the robust list walked at a thread's and a
 * process's exit, FUTEX_WAKE_OP, shared futexes across fork and memfd
 * mappings, PI futexes and a PTHREAD_PRIO_INHERIT mutex, CLONE_FS, and a
 * process-directed signal taken by one thread, and exec in a thread.  Each
 * output is Linux's, byte for byte. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/wait.h>

#include "harness.h"

static struct guest g;

static void teardown(void)
{
	guest_close(&g);
}

TestSuite(futex, .fini = teardown);

/* mode's output natively and under memu, musl and glibc: exactly out;
 * with self, the guest's own file is in the guest's file system at its
 * host path, for exec. */
static void run_both(const char *mode, const char *out, bool self)
{
	const char *guests[] = {"futexes", "futexes_glibc"};
	for (size_t i = 0; i < 2; i++) {
		int status;
		const char *native = native_stdout(guests[i], mode, &status);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "%s %s natively: %#x", guests[i], mode, status);
		cr_assert_str_eq(native, out, "%s %s natively", guests[i],
				 mode);
		guest_open(&g, guests[i], mode, NULL);
		if (self) {
			char spec[512], err[256] = "";
			snprintf(spec, sizeof(spec), "%s:%s",
				 guest_path(guests[i]), guest_path(guests[i]));
			cr_assert_eq(
				memu_import(g.m, spec, false, err, sizeof(err)),
				0, "%s", err);
		}
		guest_finish(&g);
		cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s %s: %s", guests[i],
			     mode, g.r.reason ? g.r.reason : "");
		cr_assert_eq(g.r.exit_status, 0, "%s %s", guests[i], mode);
		cr_assert_str_eq(guest_stdout(&g), out, "%s %s", guests[i],
				 mode);
		guest_close(&g);
	}
}

static void same_as_linux(const char *mode, const char *out)
{
	run_both(mode, out, false);
}

static const char robust_out[] =
	"owner died, then lock: lock EOWNERDEAD, consistent 0, unlock 0, lock "
	"0, unlock 0\n"
	"lock, then owner died: lock EOWNERDEAD, consistent 0, unlock 0, lock "
	"0, unlock 0\n"
	"PI: owner died, then lock: lock EOWNERDEAD, consistent 0, unlock 0, "
	"lock 0, unlock 0\n"
	"PI: lock, then owner died: lock EOWNERDEAD, consistent 0, unlock 0, "
	"lock 0, unlock 0\n"
	"three threads with bad lists exited, the looping list's word "
	"0x40000000\n"
	"not made consistent: lock EOWNERDEAD, unlock 0, lock ENOTRECOVERABLE\n"
	"a child's thread held it at exit_group: lock EOWNERDEAD, consistent "
	"0, unlock 0\n"
	"the word after its owner's exit: 0xc0000000\n";

Test(futex, a_thread_or_process_dying_with_a_robust_mutex_leaves_it_eownerdead)
{
	same_as_linux("robust", robust_out);
}

static const char wakeop_out[] =
	"wake_op SET 7, EQ 3: 0, word 0x3 -> 0x7\n"
	"wake_op ADD -2, LT 0: 0, word 0xa -> 0x8\n"
	"wake_op OR 0x30, NE 1: 0, word 0x1 -> 0x31\n"
	"wake_op ANDN 6, GE -1: 0, word 0xf -> 0x9\n"
	"wake_op XOR 0xff, LE 5: 0, word 0xf -> 0xf0\n"
	"wake_op SET 1<<4, GT 0: 0, word 0 -> 0x10\n"
	"wake_op OR 1<<40 (masked), EQ 0: 0, word 0 -> 0x100\n"
	"wake_op op 5: -38, word 0x9 -> 0x9\n"
	"wake_op op 7: -38, word 0x9 -> 0x9\n"
	"wake_op cmp 6: -38, word 0x9 -> 0xa\n"
	"wake_op cmp 15: -38, word 0x9 -> 0xa\n"
	"misaligned uaddr2: -22\n"
	"misaligned uaddr: -22\n"
	"uaddr2 NULL: -14\n"
	"uaddr2 NULL, op 6: -38\n"
	"uaddr2 read-only: -14\n"
	"uaddr2 PROT_NONE: -14\n"
	"both words' waiters: 2, word 1, waits 0 0\n"
	"comparison false: 1, word 6, then wake: 1, waits 0 0\n"
	"requeue onto its own word: 1, then wake 1 requeue 5: 1, wait 0\n";

Test(futex, futex_wake_op_ops_errnos_and_waiters_are_linux_s)
{
	same_as_linux("wakeop", wakeop_out);
}

static const char shared_out[] =
	"MAP_SHARED anonymous across fork: requeued 1, woken 1, the child's "
	"wait 0\n"
	"a memfd, another mapping in the child: woken 1, the child's wait 0\n"
	"two mappings in one process: woken 1 through the other, wait 0\n"
	"a private wait in the child: private wake 0, shared wake 0, the child "
	"timed out: 1\n"
	"a private wait on private memory: shared wake 0, private wake 1\n"
	"a shared wait on private memory: private wake 0, shared wake 1\n"
	"process-shared mutex and condvar: flag 2, child 0\n"
	"unmapped word: shared wake -14, private wake 0\n";

Test(futex, shared_futexes_meet_across_fork_and_mappings_private_ones_do_not)
{
	same_as_linux("shared", shared_out);
}

static const char pi_out[] =
	"trylock a free word: 0, word is my tid: 1\n"
	"lock it again: -35\n"
	"trylock it again: -35\n"
	"unlock: 0, word 0\n"
	"unlock a free word: -1\n"
	"unlock another's: -1\n"
	"trylock, owner no task: -3, word 0xbffffff0\n"
	"lock, owner died: 0, word is OWNER_DIED|tid: 1\n"
	"unlock: 0, word 0\n"
	"misaligned: -22\n"
	"NULL: -14\n"
	"CLOCK_REALTIME flag: -38\n"
	"trylock another thread's: -11, word gained FUTEX_WAITERS: 1\n"
	"lock with a deadline: -110\n"
	"LOCK_PI2 with a monotonic deadline: -110, waited it out: 1\n"
	"LOCK_PI2 with a realtime deadline: -110, waited it out: 1\n"
	"unlock another thread's: -1\n"
	"the owner's lock and unlock: 0, word 0\n"
	"PRIO_INHERIT mutex, 4 threads: counter 8000 of 8000, trylock EBUSY, "
	"relock 0\n";

Test(futex, pi_futexes_errnos_words_and_a_prio_inherit_mutex_are_linux_s)
{
	same_as_linux("pi", pi_out);
}

static const char fs_out[] =
	"after a thread's chdir and umask: /proc, 027\n"
	"after a child's chdir and umask: /proc, 027 (child 0)\n";

Test(futex, chdir_and_umask_are_shared_by_threads_not_by_a_child)
{
	same_as_linux("fs", fs_out);
}

static const char signal_out[] =
	"a signal to the process while the leader and a thread wait: taken by "
	"the leader 1, the leader read 1, the thread read 1\n"
	"kill() with a waiting thread's tid: taken by that thread 1, the "
	"leader interrupted 0\n";

Test(futex, a_signal_to_the_process_interrupts_one_waiting_thread)
{
	same_as_linux("signal", signal_out);
}

static const char exec_out[] =
	"after exec in a thread: the pid 1, tid is pid 1, the parent 1\n"
	"parent: waitpid the child's pid 1, exited 1 status 5\n"
	"robust mutexes the leader and the exec'ing thread held: EOWNERDEAD, "
	"EBUSY\n";

Test(futex, a_thread_that_execs_takes_the_leader_s_pid)
{
	run_both("exec", exec_out, true);
}

/* Under other interleavings (--sched-seed) the same bytes: each mode's
 * outcome depends on no scheduling. */
Test(futex, every_scheduler_seed_gives_linux_s_output)
{
	static const struct {
		const char *mode, *out;
	} modes[] = {
		{"robust", robust_out}, {"shared", shared_out}, {"pi", pi_out},
		{"wakeop", wakeop_out}, {"signal", signal_out},
	};
	const char *guests[] = {"futexes", "futexes_glibc"};
	for (uint64_t seed = 1; seed <= 2; seed++)
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			for (size_t k = 0; k < 2; k++) {
				struct memu_config cfg;
				memu_config_init(&cfg);
				cfg.sched_seed = seed;
				const char *args[] = {modes[i].mode, NULL};
				guest_open_cfg(&g, &cfg, guests[k], args);
				guest_finish(&g);
				cr_assert_eq(g.r.stop, MEMU_STOP_EXIT,
					     "%s %s seed %lu", guests[k],
					     modes[i].mode,
					     (unsigned long)seed);
				cr_assert_str_eq(guest_stdout(&g), modes[i].out,
						 "%s %s seed %lu", guests[k],
						 modes[i].mode,
						 (unsigned long)seed);
				guest_close(&g);
			}
}
