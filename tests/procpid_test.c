/* /proc/PID of every process and thread (docs/processes.md, "/proc").
 *
 * guest/tests/procpid.c, with musl and glibc, natively and under memu: a
 * parent reads its child's status, stat, maps, cmdline, comm, task/ and
 * pagemap, its own task/ with a second thread (per-thread status and
 * stat, /proc/thread-self, /proc/TID found but not listed), a
 * /proc/self file the child inherits, a zombie's files, and files opened
 * on the zombie read again once it is reaped (ESRCH, without touching
 * freed memory: this test runs under ASan), with its directory held open
 * and as the working directory.  The output must be the host's,
 * line for line, but for the few lines where Linux 6.1, memu's
 * reference, and the newer host kernel differ; memu's is held to 6.1's
 * exactly.  memu alone: what /proc lists, and the frame /proc/CHILD/
 * pagemap gives is the one memu_rmap says the child maps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct guest g;

static void teardown(void)
{
	guest_close(&g);
}

TestSuite(procpid, .fini = teardown);

/* What Linux 6.1 prints, for a program called NAME (%1$s). */
#define PROCPID_OUT                                                            \
	"/proc lists self: 1, self link: 1, reads self: 1\n"                   \
	"thread-self reads self/task/self: 1\n"                                \
	"stat /proc/self: dir 1 mode 555\n"                                    \
	"thread-self status of the thread: Pid is its tid: 1\n"                \
	"self status of the thread: Pid is the tgid: 1\n"                      \
	"task/: self tid\n"                                                    \
	"self status: Name %1$s, State R (running), Tgid self, Pid self, "     \
	"PPid parent, Threads 2, FDSize some, Umask yes, VmRSS yes, SigQ "     \
	"yes\n"                                                                \
	"task/self status: Name %1$s, State R (running), Tgid self, Pid "      \
	"self, PPid parent, Threads 2, FDSize some, Umask yes, VmRSS yes, "    \
	"SigQ yes\n"                                                           \
	"task/tid status: Name %1$s, State S (sleeping), Tgid self, Pid tid, " \
	"PPid parent, Threads 2, FDSize some, Umask yes, VmRSS yes, SigQ "     \
	"yes\n"                                                                \
	"task/tid stat: tid (%1$s) S ppid parent threads 2 vsize set "         \
	"startcode set exit_code 0 fields 52\n"                                \
	"pid/task/tid status: Name %1$s, State S (sleeping), Tgid self, Pid "  \
	"tid, PPid parent, Threads 2, FDSize some, Umask yes, VmRSS yes, "     \
	"SigQ yes\n"                                                           \
	"task/tid comm: %2$d bytes: %1$s\n"                                    \
	"/proc/tid status: Name %1$s, State S (sleeping), Tgid self, Pid "     \
	"tid, "                                                                \
	"PPid parent, Threads 2, FDSize some, Umask yes, VmRSS yes, SigQ "     \
	"yes\n"                                                                \
	"/proc lists tid: 0\n"                                                 \
	"joined tid status: errno 2\n"                                         \
	"self after join status: Name %1$s, State R (running), Tgid self, "    \
	"Pid self, PPid parent, Threads 1, FDSize some, Umask yes, VmRSS "     \
	"yes, SigQ yes\n"                                                      \
	"inherited /proc/self/stat in the child shows: the parent\n"           \
	"child status: Name kid, State S (sleeping), Tgid child, Pid child, "  \
	"PPid self, Threads 1, FDSize some, Umask yes, VmRSS yes, SigQ yes\n"  \
	"child stat: child (kid) S ppid self threads 1 vsize set startcode "   \
	"set exit_code 0 fields 52\n"                                          \
	"child maps: lines, 10000000-10002000 rw-p 00000000 00:00 0 \n"        \
	"self maps: lines, no child page\n"                                    \
	"child comm: 4 bytes: kid\n"                                           \
	"child cmdline is the parent's: 1\n"                                   \
	"child task/: child\n"                                                 \
	"child pagemap: err 0 present 1 exclusive 1, next page present 0\n"    \
	"self pagemap there: present 0\n"                                      \
	"write child comm: -1 errno 22\n"                                      \
	"child exit 0\n"                                                       \
	"zombie open mountinfo: errno 22\n"                                    \
	"zombie status: Name kid, State Z (zombie), Tgid child, Pid child, "   \
	"PPid self, Threads 1, FDSize 0, Umask no, VmRSS no, SigQ yes\n"       \
	"zombie stat: child (kid) Z ppid self threads 1 vsize 0 startcode 0 "  \
	"exit_code 768 fields 52\n"                                            \
	"zombie maps: empty, no child page\n"                                  \
	"zombie statm: 14 bytes: 0 0 0 0 0 0 0\n"                              \
	"zombie cmdline: 0 bytes\n"                                            \
	"zombie environ: 0 bytes\n"                                            \
	"zombie comm: 4 bytes: kid\n"                                          \
	"zombie auxv: 0 bytes\n"                                               \
	"zombie smaps: 0 bytes\n"                                              \
	"zombie smaps_rollup: errno 3\n"                                       \
	"zombie exe: -1 errno 2\n"                                             \
	"zombie pagemap: err -1\n"                                             \
	"reaped, exit 3\n"                                                     \
	"reaped dir, openat status: -1 errno 3\n"                              \
	"reaped dir, getdents: -1 errno 2\n"                                   \
	"reaped cwd, open stat: -1 errno 3\n"                                  \
	"reaped cwd, getcwd: failed errno 2\n"                                 \
	"reaped status: -1 errno 3\n"                                          \
	"reaped stat: -1 errno 3\n"                                            \
	"reaped statm: -1 errno 3\n"                                           \
	"reaped maps: -1 errno 3\n"                                            \
	"reaped smaps_rollup: -1 errno 3\n"                                    \
	"reaped cmdline: -1 errno 3\n"                                         \
	"reaped environ: 0 errno 0\n"                                          \
	"reaped comm: -1 errno 3\n"                                            \
	"reaped auxv: 0 errno 0\n"                                             \
	"open reaped status: -1 errno 2\n"                                     \
	"stat reaped dir: -1 errno 2\n"

/* Linux 6.1 opens a zombie's environ, auxv, smaps_rollup and pagemap
 * with no address space behind them (proc_mem_open gives NULL): they
 * read nothing, or ESRCH; later kernels refuse the open with ESRCH.
 * These lines are left out of the comparison with the host. */
static const char *const newer_kernel_differs[] = {
	"zombie open smaps_rollup:",
	"zombie open environ:",
	"zombie open auxv:",
	"zombie environ:",
	"zombie auxv:",
	"zombie pagemap:",
	"reaped smaps_rollup:",
	"reaped environ:",
	"reaped auxv:",
	NULL,
};

/* text without the lines newer_kernel_differs names (malloc'd). */
static char *without_differences(const char *text)
{
	return lines_starting(text, newer_kernel_differs, false);
}

static void as_on_linux(const char *name)
{
	static char want[8192];
	snprintf(want, sizeof(want), PROCPID_OUT, name, (int)strlen(name) + 1);
	int status;
	char *host = without_differences(native_stdout(name, NULL, &status));
	cr_assert_eq(status, 0, "%s", host);
	guest_open(&g, name, NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s",
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 0);
	const char *out = guest_stdout(&g);
	cr_assert_str_eq(out, want);
	char *mine = without_differences(out);
	cr_assert_str_eq(mine, host);
	free(mine);
	free(host);
}

Test(procpid, musl_child_thread_and_zombie_as_on_linux)
{
	as_on_linux("procpid");
}

Test(procpid, glibc_child_thread_and_zombie_as_on_linux)
{
	as_on_linux("procpid_glibc");
}

/* main leaves with pthread_exit: the process's directory shows its
 * leader, a zombie with no address space, descriptors or fs, and the
 * thread still running sees its own through /proc/thread-self. */
#define LEADER_OUT                                                             \
	"leader status: Name %1$s, State Z (zombie), Tgid self, Pid self, "    \
	"PPid parent, Threads 2, FDSize 0, Umask no, VmRSS no, SigQ yes\n"     \
	"leader stat: self (%1$s) Z ppid parent threads 2 vsize 0 startcode "  \
	"0 "                                                                   \
	"exit_code 0 fields 52\n"                                              \
	"leader maps: empty, no child page\n"                                  \
	"thread status: Name %1$s, State R (running), Tgid self, Pid tid, "    \
	"PPid parent, Threads 2, FDSize some, Umask yes, VmRSS yes, SigQ "     \
	"yes\n"                                                                \
	"thread maps: lines, no child page\n"

static void leader_as_on_linux(const char *name)
{
	static char want[2048];
	snprintf(want, sizeof(want), LEADER_OUT, name);
	int status;
	const char *host = native_stdout(name, "leader", &status);
	cr_assert_eq(status, 0, "%s", host);
	cr_assert_str_eq(host, want);
	guest_open(&g, name, "leader", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s",
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_str_eq(guest_stdout(&g), want);
}

Test(procpid, musl_zombie_leader_as_on_linux)
{
	leader_as_on_linux("procpid");
}

Test(procpid, glibc_zombie_leader_as_on_linux)
{
	leader_as_on_linux("procpid_glibc");
}

/* getdents64 on /proc: a directory for each live process, zombies
 * included, none once reaped (pid 1 the guest, 2 its child); what a
 * process's directory lists; a reaped pid's directory is ENOENT. */
Test(procpid, proc_lists_the_live_pids)
{
	guest_open(&g, "procpid", "list", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_str_eq(guest_stdout(&g),
			 "alone: 1\n"
			 "child: 1 2\n"
			 "/proc/child: . .. auxv clear_refs "
			 "cmdline comm cwd environ exe fd fdinfo limits maps "
			 "mem mountinfo oom_score oom_score_adj pagemap root "
			 "smaps smaps_rollup stat statm status "
			 "task\n"
			 "zombie: 1 2\n"
			 "reaped: 1\n"
			 "open reaped status: -1 errno 2\n");
}

/* The parent reads the frame of its child's page from
 * /proc/CHILD/pagemap: memu's reverse map says that frame is mapped by
 * the child, at that address, and nobody else. */
Test(procpid, child_pagemap_is_the_frame_memu_rmap_gives)
{
	guest_open(&g, "procpid", "pagemap", NULL);
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE, "%s",
		     g.r.reason ? g.r.reason : "exit");
	int pid = 0;
	unsigned long long pfn = 0;
	long err = -9;
	cr_assert_eq(sscanf(guest_stdout(&g), "child %d pfn %llx err %ld", &pid,
			    &pfn, &err),
		     3, "%s", guest_stdout(&g));
	cr_assert_eq(pid, 2);
	cr_assert_eq(err, 0);
	struct memu_pte pte;
	cr_assert_eq(memu_pte_pid(g.m, pid, 0x10000000, &pte), 0);
	cr_assert(pte.present);
	cr_assert_eq(pte.pfn, pfn);
	struct memu_rmap r[4];
	cr_assert_eq(memu_rmap(g.m, pfn, r, 4), 1);
	cr_assert_eq(r[0].pid, 2);
	cr_assert_eq(r[0].va, 0x10000000);
	/* the parent has nothing there */
	cr_assert_eq(memu_pte_pid(g.m, 1, 0x10000000, &pte), 0);
	cr_assert(!pte.present);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
}
