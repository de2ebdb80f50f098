/* Linux 6.1's own mm selftests (tools/testing/selftests/vm, from Debian's
 * linux-source-6.1; guest/selftests builds them), each run natively on
 * the host - Linux, the reference - and under memu, with glibc and with
 * musl.  Every one is listed below with its verdict:
 *
 *   SAME     memu gives what Linux gives: the exit status, and stdout
 *            and stderr line for line (addresses masked, see normalize);
 *   DIFFERS  memu does not yet, for the reason given; the test pins what
 *            memu does today (its exit status and a line that shows the
 *            missing piece) and fails when that changes, so that a
 *            feature landing moves the entry to SAME.
 *
 * Both assert Linux's exit status first: a host that gives another is
 * not the Linux the table was made on.  A selftest runs with no
 * arguments, except userfaultfd (DIFFERS_ARGS: run_vmtests.sh's "anon 20
 * 16" made "anon 4 4", 4 MiB and 4 bounces, to save 2 s natively).
 * docs/guests.md, "Linux mm selftests", says which tests qualify and why the
 * others do not. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* How a run ended, and what it printed. */
struct outcome {
	bool signalled;
	int status; /* exit status, or the signal */
	char *out, *err;
};

static char *read_all(int fd)
{
	off_t n = lseek(fd, 0, SEEK_END);
	cr_assert(n >= 0);
	char *s = malloc((size_t)n + 1);
	cr_assert_not_null(s);
	ssize_t got = pread(fd, s, (size_t)n, 0);
	cr_assert_eq(got, n);
	s[n] = '\0';
	return s;
}

/* The selftest natively, as memu runs it: the arguments (NULL: none), an
 * empty environment, stdin from /dev/null. */
static void run_native(const char *name, const char *const *args,
		       struct outcome *o)
{
	int out = memfd_create("native-stdout", MFD_CLOEXEC);
	int err = memfd_create("native-stderr", MFD_CLOEXEC);
	cr_assert(out >= 0 && err >= 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	const char *path = guest_path(name);
	char *argv[8] = {(char *)path};
	for (int i = 0; args && args[i] && i < 6; i++)
		argv[i + 1] = (char *)args[i];
	char *const envp[] = {NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "posix_spawn %s: %s", path, strerror(rc));
	int ws;
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	o->signalled = WIFSIGNALED(ws);
	o->status = o->signalled ? WTERMSIG(ws) : WEXITSTATUS(ws);
	o->out = read_all(out);
	o->err = read_all(err);
	close(out);
	close(err);
}

static void run_memu(const char *name, const char *const *args,
		     struct outcome *o)
{
	struct guest g;
	struct memu_config cfg;
	memu_config_init(&cfg);
	guest_open_cfg(&g, &cfg, name, args);
	guest_finish(&g);
	cr_assert(g.r.stop == MEMU_STOP_EXIT || g.r.stop == MEMU_STOP_SIGNAL,
		  "%s: the machine stopped: %s", name,
		  g.r.reason ? g.r.reason : "?");
	o->signalled = g.r.stop == MEMU_STOP_SIGNAL;
	o->status = o->signalled ? g.r.signal : g.r.exit_status;
	o->out = strdup(guest_stdout(&g));
	o->err = strdup(guest_stderr(&g));
	cr_assert(o->out && o->err);
	guest_close(&g);
}

static void outcome_free(struct outcome *o)
{
	free(o->out);
	free(o->err);
}

/* What may differ between two runs of one program on two Linuxes and
 * is not a result: addresses (ASLR; memu's layout is Linux's without
 * randomisation), masked as 0x?, except MAP_FAILED; and the lines a
 * kselftest message continues on (they begin with a tab: mremap_test's
 * timings and random seed). */
static char *normalize(const char *s)
{
	char *r = malloc(strlen(s) + 1), *w = r;
	cr_assert_not_null(r);
	while (*s) {
		const char *end = strchr(s, '\n');
		size_t len = end ? (size_t)(end - s + 1) : strlen(s);
		if (*s == '\t') {
			s += len;
			continue;
		}
		for (const char *p = s; p < s + len;) {
			size_t hex = 0;
			if (p[0] == '0' && p[1] == 'x')
				hex = strspn(p + 2, "0123456789abcdef");
			if (hex && !(hex == 16 &&
				     !strncmp(p + 2, "ffffffffffffffff", 16))) {
				w += sprintf(w, "0x?");
				p += 2 + hex;
			} else {
				*w++ = *p++;
			}
		}
		s += len;
	}
	*w = '\0';
	return r;
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	char *ao = normalize(a->out), *bo = normalize(b->out);
	char *ae = normalize(a->err), *be = normalize(b->err);
	bool eq = a->signalled == b->signalled && a->status == b->status &&
		  !strcmp(ao, bo) && !strcmp(ae, be);
	free(ao), free(bo), free(ae), free(be);
	return eq;
}

static void show(const char *who, const struct outcome *o)
{
	cr_log_info("%s: %s %d\n-- stdout:\n%s-- stderr:\n%s", who,
		    o->signalled ? "signal" : "exit status", o->status, o->out,
		    o->err);
}

/* Run natively; Linux must end with linux_status. */
static void run_linux(const char *name, const char *const *args,
		      int linux_status, struct outcome *o)
{
	cr_assert_str_empty(SELFTESTS_MISSING, "%s", SELFTESTS_MISSING);
	run_native(name, args, o);
	if (o->signalled || o->status != linux_status)
		show("Linux", o);
	cr_assert(!o->signalled && o->status == linux_status,
		  "%s: the host is not the Linux this test expects: %s %d, "
		  "want exit status %d (output in the log)",
		  name, o->signalled ? "signal" : "exit status", o->status,
		  linux_status);
}

static void expect_same(const char *name, int linux_status)
{
	struct outcome lx, mu;
	run_linux(name, NULL, linux_status, &lx);
	run_memu(name, NULL, &mu);
	bool eq = same(&lx, &mu);
	if (!eq) {
		show("Linux", &lx);
		show("memu", &mu);
	}
	cr_expect(eq, "%s: memu differs from Linux (both runs in the log)",
		  name);
	outcome_free(&lx);
	outcome_free(&mu);
}

static void expect_differs(const char *name, const char *const *args,
			   int linux_status, const char *why, int memu_status,
			   const char *memu_says)
{
	struct outcome lx, mu;
	run_linux(name, args, linux_status, &lx);
	run_memu(name, args, &mu);
	bool says = strstr(mu.out, memu_says) || strstr(mu.err, memu_says);
	if (mu.signalled || mu.status != memu_status || !says || same(&lx, &mu))
		show("memu", &mu);
	cr_expect(!same(&lx, &mu),
		  "%s now runs as on Linux: move it to the SAME list (%s)",
		  name, why);
	cr_expect(!mu.signalled && mu.status == memu_status && says,
		  "%s under memu no longer ends with exit status %d and "
		  "\"%s\" (%s): see what changed in the log, and update the "
		  "entry",
		  name, memu_status, memu_says, why);
	outcome_free(&lx);
	outcome_free(&mu);
}

TestSuite(selftests);

/* memu's result is Linux's. */
#define SAME(id, name, linux_status)                                           \
	Test(selftests, id)                                                    \
	{                                                                      \
		expect_same("selftests/" name, linux_status);                  \
	}

/* memu's result is not Linux's yet, because of why: today memu ends
 * with memu_status, and memu_says is in its stdout or stderr. */
#define DIFFERS(id, name, linux_status, why, memu_status, memu_says)           \
	Test(selftests, id)                                                    \
	{                                                                      \
		expect_differs("selftests/" name, NULL, linux_status, why,     \
			       memu_status, memu_says);                        \
	}

/* DIFFERS, for a selftest run with the arguments that follow. */
#define DIFFERS_ARGS(id, name, linux_status, why, memu_status, memu_says, ...) \
	Test(selftests, id)                                                    \
	{                                                                      \
		static const char *const argv[] = {__VA_ARGS__, NULL};         \
		expect_differs("selftests/" name, argv, linux_status, why,     \
			       memu_status, memu_says);                        \
	}

/* ---- the same as Linux */

/* As root (CAP_IPC_LOCK) RLIMIT_MEMLOCK does not bind: the mmap the test
 * expects to fail succeeds, on Linux and memu alike (the guest is root). */
SAME(on_fault_limit_glibc, "on-fault-limit-glibc", 1)
SAME(on_fault_limit_musl, "on-fault-limit-musl", 1)
SAME(map_fixed_noreplace_glibc, "map_fixed_noreplace-glibc", 0)
SAME(map_fixed_noreplace_musl, "map_fixed_noreplace-musl", 0)
SAME(mremap_dontunmap_glibc, "mremap_dontunmap-glibc", 0)
SAME(mremap_dontunmap_musl, "mremap_dontunmap-musl", 0)
/* 4-level paging: the three MAP_FIXED mappings at or above 128 TiB fail
 * (ENOMEM), on Linux and memu alike, so the test exits 1. */
SAME(va_128TBswitch_glibc, "va_128TBswitch-glibc", 1)
SAME(va_128TBswitch_musl, "va_128TBswitch-musl", 1)
SAME(virtual_address_range_glibc, "virtual_address_range-glibc", 0)
SAME(virtual_address_range_musl, "virtual_address_range-musl", 0)

/* Both need /proc/self/smaps (VmFlags lo, Size, Rss). */
SAME(mlock2_tests_glibc, "mlock2-tests-glibc", 0)
SAME(mlock2_tests_musl, "mlock2-tests-musl", 0)
/* capset(2) drops every capability, CAP_IPC_LOCK too: RLIMIT_MEMLOCK
 * then binds mlock and mlock2 (ENOMEM beyond it); VmLck. */
SAME(mlock_random_test_glibc, "mlock-random-test-glibc", 0)
SAME(mlock_random_test_musl, "mlock-random-test-musl", 0)
/* They need /proc/sys/vm/mmap_min_addr; the musl build's "mremap expand
 * merge" needs /proc/self/maps built at the first read(2), after musl's
 * fopen has mapped its FILE (Linux's seq_file), as memu's is. */
SAME(mremap_test_glibc, "mremap_test-glibc", 0)
SAME(mremap_test_musl, "mremap_test-musl", 0)
/* On Linux the musl builds bail out: the first page of the test's
 * mapping merges with the VMA below, so no smaps entry starts at it; in
 * memu the same (the address is masked). */
SAME(madv_populate_musl, "madv_populate-musl", 1)
SAME(soft_dirty_musl, "soft-dirty-musl", 1)

/* fork after a MAP_SHARED write, then MAP_PRIVATE | MAP_POPULATE in the
 * child, over socketpair(AF_UNIX, SOCK_SEQPACKET): the child's populated
 * page is its own copy. */
SAME(map_populate_glibc, "map_populate-glibc", 0)
SAME(map_populate_musl, "map_populate-musl", 0)
/* This host's kernel answers process_mrelease(2) with ENOSYS, and so
 * does memu (no pidfd_open or process_mrelease yet): both skip (4) at
 * the test's first call. */
SAME(mrelease_test_glibc, "mrelease_test-glibc", 4)
SAME(mrelease_test_musl, "mrelease_test-musl", 4)
/* musl's headers have no __NR_memfd_secret: the test is built as its
 * skip, and says so on both. */
SAME(memfd_secret_musl, "memfd_secret-musl", 4)
/* No hugetlbfs mounted at /huge: open fails (ENOENT) on both. */
SAME(hugepage_mmap_glibc, "hugepage-mmap-glibc", 1)
SAME(hugepage_mmap_musl, "hugepage-mmap-musl", 1)
/* 256 MiB of MAP_HUGETLB: more than the hugetlb pool holds (memu's is
 * empty; this host's has at most a few pages), so ENOMEM on both. */
SAME(map_hugetlb_glibc, "map_hugetlb-glibc", 1)
SAME(map_hugetlb_musl, "map_hugetlb-musl", 1)

/* ---- known to differ, and why */

/* memu models a kernel without CONFIG_SECRETMEM: memfd_secret(2) is
 * ENOSYS and the test skips; on this host it runs its three tests. */
DIFFERS(memfd_secret_glibc, "memfd_secret-glibc", 0,
	"memu has no memfd_secret(2) (no CONFIG_SECRETMEM; the test would "
	"also need process_vm_readv and ptrace)",
	4, "ok 2 # SKIP memfd_secret is not supported")
/* memu's CPU has no protection keys (CPUID OSPKE clear, pkey_alloc
 * ENOSYS): the test takes its unsupported-CPU path; this host has PKU. */
DIFFERS(protection_keys_glibc, "protection_keys-glibc", 0,
	"memu's CPU has no PKU", 0,
	"has pkeys: 0\nrunning PKEY tests for unsupported CPU/OS\n")
DIFFERS(protection_keys_musl, "protection_keys-musl", 0,
	"memu's CPU has no PKU", 0,
	"has pkeys: 0\nrunning PKEY tests for unsupported CPU/OS\n")
/* memu models a kernel without CONFIG_USERFAULTFD: userfaultfd(2) is
 * ENOSYS and the test skips (4); this host runs the anonymous tests. */
DIFFERS_ARGS(userfaultfd_glibc, "userfaultfd-glibc", 0,
	     "memu has no userfaultfd(2) (no CONFIG_USERFAULTFD)", 4,
	     "creating userfaultfd failed (errno=38", "anon", "4", "4")
DIFFERS_ARGS(userfaultfd_musl, "userfaultfd-musl", 0,
	     "memu has no userfaultfd(2) (no CONFIG_USERFAULTFD)", 4,
	     "creating userfaultfd failed (errno=38", "anon", "4", "4")
/* Both skip (4): this host has /sys/kernel/debug but no gup_test in it
 * (no CONFIG_GUP_TEST); memu has no /sys at all, so the test's hint
 * differs. */
DIFFERS(gup_test_glibc, "gup_test-glibc", 4, "memu has no /sys", 4,
	"mount debugfs at /sys/kernel/debug\n")
DIFFERS(gup_test_musl, "gup_test-musl", 4, "memu has no /sys", 4,
	"mount debugfs at /sys/kernel/debug\n")
/* Both fail (1) at shmget(SHM_HUGETLB): ENOMEM on this host (no huge
 * pages), ENOSYS in memu, which has no System V shared memory. */
DIFFERS(hugepage_shm_glibc, "hugepage-shm-glibc", 1,
	"memu has no System V shared memory (shmget)", 1,
	"shmget: Function not implemented")
DIFFERS(hugepage_shm_musl, "hugepage-shm-musl", 1,
	"memu has no System V shared memory (shmget)", 1,
	"shmget: Function not implemented")
/* Both fail (1): this host's THP is "madvise" but gives the test no huge
 * page ("No THP is allocated"); memu has no THP and no
 * /sys/kernel/mm/transparent_hugepage. */
DIFFERS(split_huge_page_test_glibc, "split_huge_page_test-glibc", 1,
	"memu has no THP (/sys/kernel/mm/transparent_hugepage)", 1,
	"Bail out! Open hpage_pmd_size failed")
DIFFERS(split_huge_page_test_musl, "split_huge_page_test-musl", 1,
	"memu has no THP (/sys/kernel/mm/transparent_hugepage)", 1,
	"Bail out! Open hpage_pmd_size failed")

/* The host's kernel has no CONFIG_MEM_SOFT_DIRTY (no "sd" in VmFlags):
 * Linux runs the 16 tests without the soft-dirty ones. memu is Debian's
 * 6.1 (soft-dirty) and runs all 21, passing them. */
DIFFERS(madv_populate_glibc, "madv_populate-glibc", 0,
	"the host has no soft-dirty: memu runs the 5 soft-dirty tests too", 0,
	"ok 21 range is softdirty")
/* Linux skips the whole test on this host (no soft-dirty, above); memu
 * passes the first three and stops at test_hugepage's THP. */
DIFFERS(soft_dirty_glibc, "soft-dirty-glibc", 4,
	"the host has no soft-dirty; memu has no THP "
	"(/sys/kernel/mm/transparent_hugepage/hpage_pmd_size) for "
	"test_hugepage",
	1, "Bail out! Open hpage_pmd_size failed")
