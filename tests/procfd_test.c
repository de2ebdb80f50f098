/* /proc/PID/fd, fdinfo, cwd, root and limits (docs/processes.md,
 * "/proc").
 *
 * guest/tests/procfd.c, with musl and glibc, opens a file, a pipe, a
 * memfd, /dev/null, a socket pair, a file it unlinks, a directory,
 * /proc/self/status and an eventfd, dup2s the file to 50 with FD_CLOEXEC, and
 * prints the fd/ and fdinfo/ listings, every link, its lstat and whether stat
 * through it is fstat of the descriptor, every fdinfo; then what open
 * through a link does (a new offset, a pipe's end by the flags, a memfd,
 * an unlinked file, ENXIO for a socket, the errnos of bad names), the
 * eventfd's count as read, write and fdinfo see it, cwd and
 * root after chdir, a child's fd/, cwd and limits while it lives, as a
 * zombie and once reaped (an open limits file then reads ESRCH: this test
 * runs under ASan), and last limits after setrlimit.  With the inode
 * numbers, mount ids, eventfd ids and pids masked it must print what the
 * host prints, byte for byte, but for one line: Linux 6.4 added
 * "eventfd-semaphore:" to an eventfd's fdinfo, which 6.1 does not print,
 * so it is left out of the host's output (the size of fd/, which 6.2
 * made the number of descriptors, is not printed); unmasked, memu's own numbers
 * are held to tests/expected/procfd_raw.txt.
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

TestSuite(procfd, .fini = teardown);

static void run(const char *name, const char *arg)
{
	guest_open(&g, name, arg, NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s",
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 0, "%s", guest_stdout(&g));
}

/* text without the lines Linux 6.1 does not print (malloc'd). */
static char *as_6_1(const char *text)
{
	static const char *const newer[] = {"eventfd-semaphore: ", NULL};
	return lines_starting(text, newer, false);
}

static void as_on_linux(const char *name)
{
	int status;
	char *host = as_6_1(native_stdout(name, NULL, &status));
	cr_assert_eq(status, 0, "%s", host);
	/* the host is a Linux with these files */
	cr_assert(strstr(host, "readlink /proc/self/fd/4: pipe:[INO]\n"), "%s",
		  host);
	cr_assert(strstr(host, "Max open files            64"), "%s", host);
	cr_assert(strstr(host, "eventfd-count:                3\n"), "%s",
		  host);
	run(name, NULL);
	cr_assert_str_eq(guest_stdout(&g), host);
	free(host);
}

Test(procfd, musl_fds_links_fdinfo_limits_as_on_linux)
{
	as_on_linux("procfd");
}

Test(procfd, glibc_fds_links_fdinfo_limits_as_on_linux)
{
	as_on_linux("procfd_glibc");
}

/* memu's own numbers: the inodes fstat gives (pipe and socket 1, the
 * first of their mounts; the memfd 1 on the internal shmem mount;
 * /dev/null 1259 = 1000 + 1 * 256 + 3; every eventfd the anonymous
 * inode, 1), the mount ids of mountinfo's mounts (1 /, 2 /proc, 4 /dev)
 * and the internal ones after them (6 shmem, 7 pipefs, 8 sockfs, 9
 * anon_inodefs), eventfd ids from 0, pid 1 and its child 2. */
static void raw_values(const char *name)
{
	char *want = slurp_path(EXPECT_DIR "/procfd_raw.txt");
	run(name, "raw");
	cr_assert_str_eq(guest_stdout(&g), want);
	free(want);
}

Test(procfd, musl_memu_inode_numbers_and_mount_ids)
{
	raw_values("procfd");
}

Test(procfd, glibc_memu_inode_numbers_and_mount_ids)
{
	raw_values("procfd_glibc");
}

/* The limits a program starts with: Linux 6.1's INIT_RLIMITS, with
 * fork_init's RLIMIT_NPROC and RLIMIT_SIGPENDING for 256 MiB of RAM
 * (threads-max 2048, half of it) and memu's 64 descriptors. */
Test(procfd, limits_at_boot_are_linux_defaults)
{
	run("procfd", "limits");
	cr_assert_str_eq(guest_stdout(&g),
			 "/proc/self/limits:\n"
			 "Limit                     Soft Limit           Hard "
			 "Limit      "
			 "     Units     \n"
			 "Max cpu time              unlimited            "
			 "unlimited       "
			 "     seconds   \n"
			 "Max file size             unlimited            "
			 "unlimited       "
			 "     bytes     \n"
			 "Max data size             unlimited            "
			 "unlimited       "
			 "     bytes     \n"
			 "Max stack size            8388608              "
			 "unlimited       "
			 "     bytes     \n"
			 "Max core file size        0                    "
			 "unlimited       "
			 "     bytes     \n"
			 "Max resident set          unlimited            "
			 "unlimited       "
			 "     bytes     \n"
			 "Max processes             1024                 1024  "
			 "          "
			 "     processes \n"
			 "Max open files            64                   64    "
			 "          "
			 "     files     \n"
			 "Max locked memory         8388608              "
			 "8388608         "
			 "     bytes     \n"
			 "Max address space         unlimited            "
			 "unlimited       "
			 "     bytes     \n"
			 "Max file locks            unlimited            "
			 "unlimited       "
			 "     locks     \n"
			 "Max pending signals       1024                 1024  "
			 "          "
			 "     signals   \n"
			 "Max msgqueue size         819200               "
			 "819200          "
			 "     bytes     \n"
			 "Max nice priority         0                    0     "
			 "          "
			 "     \n"
			 "Max realtime priority     0                    0     "
			 "          "
			 "     \n"
			 "Max realtime timeout      unlimited            "
			 "unlimited       "
			 "     us        \n");
}
