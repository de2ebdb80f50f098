/* /proc/PID/mem against Linux (docs/processes.md, "/proc/PID/mem"):
 * guest/tests/procmem.c runs natively and under memu, with musl and with
 * glibc, and both must print the same lines - its own memory read and
 * written, PROT_NONE, holes (EIO, short counts), its read-only text and
 * a read-only private mapping written (copy-on-write, the file kept), a
 * child's memory, a reaped child and a zombie (0 bytes), bad buffers
 * (EFAULT) and lseek.  Then what only memu shows: the faults the forced
 * accesses take and the entries they leave, and a zombie's file, which
 * Linux 6.1 opens (mm_access gives no mm, not an error) and reads as 0
 * bytes, where later kernels (the host's) refuse the open with ESRCH. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

static struct guest g;

static void teardown(void)
{
	guest_close(&g);
}

TestSuite(procmem, .fini = teardown);

Test(procmem, musl_guest_as_on_linux)
{
	same_output_as_linux("procmem", "text byte changed: yes\n");
}

Test(procmem, glibc_guest_as_on_linux)
{
	same_output_as_linux("procmem_glibc", "child saw: 99\n");
}

static uint64_t delta(const struct memu_stats *a, const struct memu_stats *b,
		      enum memu_fault_kind k)
{
	return b->faults[k] - a->faults[k];
}

/* Between the probes: pread of an untouched anonymous page (the zero
 * page, one fault), two pwrites to it (one copy of the zero page, then
 * the page is the task's own and writable), two pwrites to a read-only
 * private memfd page nobody touched (one copy from the object, a file
 * COW as memu counts a memfd's page, left read-only, then written in
 * place). */
Test(procmem, forced_writes_copy_once_and_stay_read_only)
{
	guest_open(&g, "procmem", NULL);
	struct memu_stats s0, s1;
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE, "stopped with %d",
		     g.r.stop);
	uint64_t anon = g.r.probe_tag;
	struct memu_pte p;
	memu_pte(g.m, anon, &p);
	cr_assert_not(p.present);
	guest_stats(&g, &s0);
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE, "stopped with %d",
		     g.r.stop);
	uint64_t ro = g.r.probe_tag;
	guest_stats(&g, &s1);
	cr_assert_eq(delta(&s0, &s1, MEMU_FAULT_ZERO), 1);
	cr_assert_eq(delta(&s0, &s1, MEMU_FAULT_COW), 1);
	cr_assert_eq(delta(&s0, &s1, MEMU_FAULT_FILE_COW), 1);
	cr_assert_eq(delta(&s0, &s1, MEMU_FAULT_ANON), 0);
	cr_assert_eq(delta(&s0, &s1, MEMU_FAULT_WP_REUSE), 0);
	cr_assert_eq(delta(&s0, &s1, MEMU_FAULT_SHARED), 0);
	cr_assert_eq(delta(&s0, &s1, MEMU_FAULT_SEGV), 0);
	cr_assert_eq(s1.frames_now[MEMU_FRAME_ANON] -
			     s0.frames_now[MEMU_FRAME_ANON],
		     2);

	memu_pte(g.m, anon, &p);
	cr_assert(p.present && p.writable && p.dirty && !p.special);
	cr_assert_eq(memu_frame_kind(g.m, p.pfn), MEMU_FRAME_ANON);
	memu_pte(g.m, ro, &p);
	cr_assert(p.present && !p.writable && p.dirty && !p.special);
	cr_assert_eq(memu_frame_kind(g.m, p.pfn), MEMU_FRAME_ANON);

	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "guest died: %s",
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert(strstr(guest_stdout(&g), "probed: 1 1 1 1 1 AB XYc\n"), "%s",
		  guest_stdout(&g));
}

Test(procmem, zombie_opens_and_reads_nothing_as_on_6_1)
{
	guest_open(&g, "procmem", "zombie", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "guest died: %s",
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_str_eq(guest_stdout(&g),
			 "open zombie: yes\nread zombie: 0\n");
}

/* A child's file opened before it execs reads 0 bytes after the exec
 * (its old address space has no user left), as on Linux; the guest runs
 * itself again, so it is put into memu's file system. */
Test(procmem, exec_drops_the_address_space_as_on_linux)
{
	int status;
	const char *linux_out = native_stdout("procmem", "exec", &status);
	cr_assert_eq(status, 0, "%s", linux_out);
	cr_assert(strstr(linux_out, "value before exec: 42\n"
				    "exec'd child says: b\n"
				    "read after exec: 0\n"),
		  "%s", linux_out);
	guest_open(&g, "procmem", "exec", NULL);
	char spec[600], err[256] = "";
	snprintf(spec, sizeof(spec), "%s:%s", guest_path("procmem"),
		 guest_path("procmem"));
	cr_assert_eq(memu_import(g.m, spec, false, err, sizeof(err)), 0, "%s",
		     err);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "guest died: %s",
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_str_eq(guest_stdout(&g), linux_out);
}
