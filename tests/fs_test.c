/* The file system (docs/files.md): names, directories, links and open's
 * flags, files' data against their mappings, pipes, compared with Linux
 * by running the same guests natively; then what only memu can show:
 * getdents order and inode numbers as Linux 6.1's tmpfs gives them, the
 * page-cache frames behind a file and the three file fault kinds, and
 * --file/--dir. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define PAGE 4096ULL

Test(fs, names_as_on_linux)
{
	same_output_as_linux("fs_names",
			     "rename into itself: Invalid argument");
}

Test(fs, files_as_on_linux)
{
	same_output_as_linux("fs_files", "after unlink and close: k");
}

/* The same programs built with glibc, whose stdio, mkdtemp, opendir and
 * shm_open make other calls than musl's. */
Test(fs, glibc_names_as_on_linux)
{
	same_output_as_linux("fs_names_glibc",
			     "rename into itself: Invalid argument");
}

Test(fs, glibc_files_as_on_linux)
{
	same_output_as_linux("fs_files_glibc", "after unlink and close: k");
}

/* Linux 6.1's tmpfs lists a directory newest first after "." and "..",
 * with d_off counting entries; a rename moves the entry to the front; a
 * reader's cursor survives the removal of the entries it passed.  Inode
 * numbers count from 1 at the root, and every time is the virtual
 * clock's. */
Test(fs, getdents_order_and_numbers)
{
	struct guest g;
	guest_open(&g, "fs_names", "order", NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_str_eq(guest_stdout(&g),
			 "ls /tmp/o: ./4 ../4 third/10 second/4 first/8\n"
			 "ls /tmp/o: ./4 ../4 fourth/8 third/10 second/4\n"
			 "first read: 48\n"
			 "  second off 3\n"
			 "root ino 1 dev 1a\n"
			 "second ino 5 mtime 1767225600.000003500\n");
	guest_close(&g);
}

static uint64_t pfn_of(struct guest *g, uint64_t va, struct memu_pte *pte)
{
	memu_pte(g->m, va, pte);
	cr_assert(pte->present, "%#llx not mapped", (unsigned long long)va);
	return pte->pfn;
}

Test(fs, file_faults_and_page_cache_frames)
{
	struct guest g;
	guest_open(&g, "file_faults", NULL);
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE);
	unsigned long long sh, pv;
	cr_assert_eq(sscanf(guest_stdout(&g), "%llx %llx", &sh, &pv), 2);
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_FILE_READ), 2);
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_FILE_WRITE), 1);
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_FILE_COW), 1);
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_SHARED), 0);
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_eq(s.frames_now[MEMU_FRAME_PAGECACHE], 3,
		     "write(2) put the file's three pages in the page cache");

	struct memu_pte a, b, c, d;
	uint64_t f0 = pfn_of(&g, sh, &a);
	cr_assert_eq(pfn_of(&g, pv, &b), f0,
		     "both mappings map page 0's frame");
	cr_assert_eq(memu_frame_kind(g.m, f0), MEMU_FRAME_PAGECACHE);
	cr_assert(a.writable, "a shared mapping gets a writable entry");
	cr_assert_not(b.writable, "a private one maps the file read-only");
	struct memu_rmap r[4];
	cr_assert_eq(memu_rmap(g.m, f0, r, 4), 2);
	uint64_t f1 = pfn_of(&g, sh + PAGE, &c);
	cr_assert_eq(f1, f0 + 1, "a file's pages take neighbouring frames");
	cr_assert_eq(memu_frame_kind(g.m, f1), MEMU_FRAME_PAGECACHE);
	cr_assert(c.dirty && c.writable);
	/* Fault-around: the read of page 0 mapped the other cached pages
	 * that had no entry: page 2 of the shared mapping (writable, as the
	 * mapping is) and page 1 of the private one (read-only). */
	struct memu_pte e;
	cr_assert_eq(pfn_of(&g, sh + 2 * PAGE, &e), f0 + 2);
	cr_assert(e.writable);
	cr_assert_eq(pfn_of(&g, pv + PAGE, &e), f1);
	cr_assert_not(e.writable);
	uint64_t cow = pfn_of(&g, pv + 2 * PAGE, &d);
	cr_assert_eq(memu_frame_kind(g.m, cow), MEMU_FRAME_ANON,
		     "the private write copied the page");
	cr_assert(d.writable && d.dirty);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert(strstr(guest_stdout(&g), "\nSf\n"),
		  "the shared write reached the file, the private one did "
		  "not: %s",
		  guest_stdout(&g));
	guest_close(&g);
}
