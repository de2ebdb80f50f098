/* epoll (docs/files.md, "epoll"): guest/tests/epoll.c with musl and
 * glibc, the same as on Linux, and under memu the virtual clock's
 * waits, fdinfo's own numbers and the ready list's order under other
 * schedules. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* The errnos of the six calls, level- and edge-triggered items (a
 * pipe's every write wakes an edge-triggered reader, an eventfd's read
 * wakes its EPOLLOUT), EPOLLONESHOT until EPOLL_CTL_MOD, the ready
 * list's order (as items became ready, a reported level-triggered one
 * at the tail, the newer of two items of one file first), EPOLLRDHUP,
 * EPOLLERR and EPOLLHUP unasked, a last close leaving every set, an
 * epoll in an epoll, timers in the order they fire, EINTR with
 * SA_RESTART, epoll_pwait's mask, a thread and children woken (by a
 * write, a socket peer's close, a timer, a signal), and the
 * /proc/self/fd link and fdinfo lines: the same as on Linux.  One place
 * where the host (6.18) is not 6.1 as released: how deep epolls may
 * nest counts those above the set too ("eventpoll: Fix semi-unbounded
 * recursion"), so a chain built from the top stops at five; memu does
 * as the host. */
Test(epoll, the_same_as_linux_musl)
{
	same_output_as_linux("epoll",
			     "order, a and its dup: 2 [0x1 4] [0x1 1]\n");
}

Test(epoll, the_same_as_linux_glibc)
{
	same_output_as_linux("epoll_glibc",
			     "fdinfo: tfd: p[0] events: 80000019 data: "
			     "    1234abcd5678  pos:0  [ino fstat's, sdev "
			     "fstat's]\n");
}

/* memu's own numbers: the waits on the virtual clock (20 ms to the
 * second timer, 30 ms and 15 ms timeouts, and 0.5 us for each call
 * between the two clock_gettime calls), the epoll's mount and inode (the
 * anonymous inode: mount 9, inode 1) and each item's pipe (pipefs,
 * 00:0d, inode 14: the guest's fourteenth pipe). */
static void exact(const char *guest)
{
	char *got = exact_lines(guest);
	cr_assert_str_eq(got,
			 "exact: both fired after 20002500 ns\n"
			 "exact: epoll_wait waited 30002000 ns\n"
			 "exact: epoll_pwait2 waited 15001500 ns\n"
			 "exact: mnt_id:\t9\n"
			 "exact: ino:\t1\n"
			 "exact: tfd:        4 events: 80000019 data:     "
			 "1234abcd5678  pos:0 ino:e sdev:d\n"
			 "exact: tfd:        5 events: 40000000 data:          "
			 "      7  pos:0 ino:e sdev:d\n");
	free(got);
}

Test(epoll, virtual_clock_and_fdinfo_musl)
{
	exact("epoll");
}

Test(epoll, virtual_clock_and_fdinfo_glibc)
{
	exact("epoll_glibc");
}

/* Under other schedules the same bytes as on Linux: the thread and the
 * child blocked in epoll_wait are woken whenever they went to sleep. */
Test(epoll, every_scheduler_seed_gives_linux_s_output)
{
	const char *guests[] = {"epoll", "epoll_glibc"};
	for (size_t k = 0; k < 2; k++) {
		int status;
		const char *linux_out = native_stdout(guests[k], NULL, &status);
		cr_assert_eq(status, 0);
		char *want = strdup(linux_out);
		for (uint64_t seed = 1; seed <= 3; seed++) {
			struct memu_config cfg;
			memu_config_init(&cfg);
			cfg.sched_seed = seed;
			struct guest g;
			guest_open_cfg(&g, &cfg, guests[k], NULL);
			guest_finish(&g);
			cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s seed %lu",
				     guests[k], (unsigned long)seed);
			cr_assert_str_eq(guest_stdout(&g), want, "%s seed %lu",
					 guests[k], (unsigned long)seed);
			guest_close(&g);
		}
		free(want);
	}
}

/* Three threads make their pipes ready in an order the scheduler alone
 * decides: each seed's order, the same on every run, is the order
 * epoll_wait reports; and the seeds do not all give one order. */
Test(epoll, ready_order_is_the_order_of_the_writes)
{
	char first[128] = "";
	bool differs = false;
	for (uint64_t seed = 0; seed <= 7; seed++) {
		char out[2][128];
		for (int run = 0; run < 2; run++) {
			struct memu_config cfg;
			memu_config_init(&cfg);
			cfg.sched_seed = seed;
			const char *args[] = {"race", NULL};
			struct guest g;
			guest_open_cfg(&g, &cfg, "epoll", args);
			guest_finish(&g);
			cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
			snprintf(out[run], sizeof(out[run]), "%s",
				 guest_stdout(&g));
			guest_close(&g);
		}
		cr_assert_str_eq(out[0], out[1], "seed %lu",
				 (unsigned long)seed);
		cr_assert(strstr(out[0], "reported in that order: 1\n"),
			  "seed %lu: %s", (unsigned long)seed, out[0]);
		if (!seed)
			snprintf(first, sizeof(first), "%s", out[0]);
		else if (strcmp(first, out[0]))
			differs = true;
	}
	cr_assert(differs, "every seed wrote in one order: %s", first);
}
