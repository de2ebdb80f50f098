/* The OOM killer's choice among processes (docs/reclaim.md, "The OOM
 * killer"): guest/tests/oom_kill.c under a small --ram, with musl and
 * glibc; /proc/self/oom_score_adj against Linux. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static struct guest g;

static void run(const char *guest, uint64_t ram, uint64_t swap,
		const char *const *args)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.ram_bytes = ram;
	cfg.swap_bytes = swap;
	guest_open_cfg(&g, &cfg, guest, args);
	guest_finish(&g);
}

static void exits_0(void)
{
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "died: %s",
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, 0, "%s", guest_stdout(&g));
}

static const char *death_line(void)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	memu_print_death(g.m, &g.r, f);
	fclose(f);
	return buf;
}

static void teardown(void)
{
	if (g.m)
		guest_close(&g);
	memset(&g, 0, sizeof(g));
}

TestSuite(oom, .fini = teardown);

/* Reads, writes (the range check, kstrtoint's forms and errnos, the
 * 12-byte cut), a read in two parts, inheritance: as on Linux. */
static void adj_as_linux(const char *guest)
{
	static const char *const args[] = {"adj", NULL};
	run(guest, 64ULL << 20, 0, args);
	exits_0();
	int status;
	const char *native = native_stdout(guest, "adj", &status);
	cr_assert_eq(status, 0);
	cr_assert(strstr(native, "write \"1001\": Invalid argument\n"), "%s",
		  native);
	cr_assert_str_eq(guest_stdout(&g), native);
}

Test(oom, oom_score_adj_as_linux_musl)
{
	adj_as_linux("oom_kill");
}

Test(oom, oom_score_adj_as_linux_glibc)
{
	adj_as_linux("oom_kill_glibc");
}

/* A small parent, a child that grows until RAM runs out: the child is
 * the worst (pid 1 is never chosen), dies of SIGKILL, the parent goes
 * on. */
static void child_dies(const char *guest)
{
	static const char *const args[] = {"child", "100000", NULL};
	run(guest, 16ULL << 20, 0, args);
	exits_0();
	cr_assert_str_eq(guest_stdout(&g), "child: killed by signal 9\n"
					   "parent: alive\n");
}

Test(oom, the_growing_child_dies_musl)
{
	child_dies("oom_kill");
}

Test(oom, the_growing_child_dies_glibc)
{
	child_dies("oom_kill_glibc");
}

/* The parent's fault runs RAM out, the child holds more: the child is
 * killed, its memory freed at once, and the parent's writes go on. */
Test(oom, the_faulting_process_goes_on)
{
	static const char *const args[] = {"bigchild", "2000", "2500", NULL};
	run("oom_kill", 16ULL << 20, 0, args);
	exits_0();
	cr_assert_str_eq(guest_stdout(&g), "child: 2500 written, waits\n"
					   "parent: all 2000 written\n"
					   "child: killed by signal 9\n");
}

/* The same with a victim of two threads, both waiting: the whole
 * thread group dies. */
Test(oom, every_thread_of_the_victim_dies)
{
	static const char *const args[] = {"threadchild", "2000", "2500", NULL};
	const char *guests[] = {"oom_kill", "oom_kill_glibc"};
	for (int i = 0; i < 2; i++) {
		run(guests[i], 16ULL << 20, 0, args);
		exits_0();
		cr_assert_str_eq(guest_stdout(&g),
				 "child: 2500 written, waits\n"
				 "parent: all 2000 written\n"
				 "child: killed by signal 9\n");
		teardown();
	}
}

/* pid 1 forks P, P forks C: with oom_score_adj 1000, P (blocked in
 * waitpid, the smaller) dies instead of C, whose write goes on; C, an
 * orphan, is pid 1's.  With 0, C, the bigger, dies. */
static void family(const char *guest)
{
	static const char *const adj1000[] = {"family", "1000", "1500", "2500",
					      NULL};
	static const char *const adj0[] = {"family", "0", "1500", "2500", NULL};
	const char *no_child = strstr(guest, "glibc") ? "No child processes"
						      : "No child process";
	char want[256];
	run(guest, 16ULL << 20, 0, adj1000);
	exits_0();
	snprintf(want, sizeof(want),
		 "write \"1000\": 4\nP: 1500 written\nwrite \"0\": 1\n"
		 "C: 2500 written\nP: killed by signal 9\nC: exit 0\n"
		 "init: %s\n",
		 no_child);
	cr_assert_str_eq(guest_stdout(&g), want);
	teardown();
	run(guest, 16ULL << 20, 0, adj0);
	exits_0();
	snprintf(want, sizeof(want),
		 "write \"0\": 1\nP: 1500 written\nwrite \"0\": 1\n"
		 "P's child: killed by signal 9\nP: exit 0\ninit: %s\n",
		 no_child);
	cr_assert_str_eq(guest_stdout(&g), want);
}

Test(oom, oom_score_adj_1000_picks_the_smaller_musl)
{
	family("oom_kill");
}

Test(oom, oom_score_adj_1000_picks_the_smaller_glibc)
{
	family("oom_kill_glibc");
}

/* Two children of equal badness (1222 pages each): the one found last,
 * the younger, dies (Linux's oom_evaluate_task passes over a lower score
 * only). */
Test(oom, a_tie_goes_to_the_younger)
{
	static const char *const args[] = {"tie", "1200", "2000", NULL};
	const char *guests[] = {"oom_kill", "oom_kill_glibc"};
	for (int i = 0; i < 2; i++) {
		run(guests[i], 16ULL << 20, 0, args);
		exits_0();
		cr_assert_str_eq(guest_stdout(&g),
				 "parent: all 2000 written\n"
				 "first child: exit 0\n"
				 "second child: killed by signal 9\n");
		teardown();
	}
}

/* With swap the kill waits until swap is full too, and is counted. */
Test(oom, with_swap_the_kill_is_counted)
{
	static const char *const args[] = {"family", "0", "1500", "3000", NULL};
	run("oom_kill", 16ULL << 20, 1ULL << 20, args);
	exits_0();
	cr_assert(strstr(guest_stdout(&g), "P's child: killed by signal 9\n"),
		  "%s", guest_stdout(&g));
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_eq(s.oom_kills, 1);
	cr_assert_gt(s.swapped_out, 200);
}

/* /proc/self/oom_score: 0 for pid 1 (never chosen); for a child,
 * (1000 + badness * 1000 / totalpages) * 2 / 3, with badness its pages
 * plus oom_score_adj * (4096 / 1000); 0 at -1000. */
Test(oom, oom_score)
{
	static const char *const args[] = {"score", NULL};
	run("oom_kill", 16ULL << 20, 0, args);
	exits_0();
	cr_assert_str_eq(guest_stdout(&g), "pid 1 oom_score 0\n"
					   "child oom_score 711\n"
					   "write \"500\": 3\n"
					   "child oom_score 1036 at 500\n"
					   "write \"-1000\": 5\n"
					   "child oom_score 0 at -1000\n"
					   "write \"-999\": 4\n"
					   "child oom_score 62 at -999\n"
					   "child: exit 0\n");
}

/* Nobody else can go (the child is at -1000): pid 1, whose fault found
 * no frame, dies, and the death line names it. */
Test(oom, init_dies_when_nothing_else_can)
{
	static const char *const args[] = {"init", "5000", NULL};
	run("oom_kill", 16ULL << 20, 0, args);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGKILL);
	cr_assert_eq(memu_exit_code(&g.r), 137);
	const char *line = death_line();
	cr_assert_eq(strncmp(line,
			     "memu: oom_kill: killed by SIGKILL (Killed) at 0x",
			     48),
		     0, "%s", line);
	cr_assert(strstr(line, " error 6: killed by the OOM killer (out of "
			       "memory: pid 1, badness 2947, oom_score_adj "
			       "0, rss 2935, swap 0, page tables 12 "
			       "pages)\n"),
		  "%s", line);
	cr_assert_str_eq(guest_stdout(&g), "write \"-1000\": 5\n");
}
