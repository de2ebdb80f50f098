/* Driver modules (include/memu_driver.h, docs/drivers.md "Modules"):
 * the teaching drivers rewritten as modules behave as the built-in ones;
 * a module written and built here, with cc, loads with --driver and
 * serves the guest; bad modules are refused at load with one line, and
 * a module returning nonsense gives the guest EIO, EINVAL or SIGBUS,
 * never a host crash. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char dir[64];

static void make_dir(void)
{
	scratch_make(dir, "module");
}

static void remove_dir(void)
{
	scratch_remove(dir);
}

TestSuite(module, .init = make_dir, .fini = remove_dir);

/* Build tests/SRC.c (with -DDEFINE when given) into DIR/OUT.so; its
 * path. */
static const char *build_in(const char *src, const char *define,
			    const char *out)
{
	static char so[160];
	char c[200], inc[200], def[64];
	snprintf(so, sizeof(so), "%s/%s.so", dir, out);
	snprintf(c, sizeof(c), "%s/tests/%s.c", SOURCE_DIR, src);
	snprintf(inc, sizeof(inc), "-I%s/include", SOURCE_DIR);
	snprintf(def, sizeof(def), "-D%s", define ? define : "MEMU_MODULE");
	const char *argv[] = {"/usr/bin/cc", "-shared", "-fPIC", "-Wall",
			      "-Wextra",     "-Werror", inc,	 def,
			      "-o",	     so,	c,	 NULL};
	struct cmd r;
	cmd_run(&r, dir, argv, NULL);
	cr_assert_eq(r.status, 0, "cc %s: %s", src, r.err);
	cmd_free(&r);
	return so;
}

/* A driver module of tests/drivers. */
static const char *build(const char *src, const char *define, const char *out)
{
	char path[64];
	snprintf(path, sizeof(path), "drivers/%s", src);
	return build_in(path, define, out);
}

/* memu run ARGS... (NULL-terminated, at most 12). */
static void memu(struct cmd *r, const char *const *args)
{
	const char *argv[16] = {MEMU_BIN, "run"};
	int n = 2;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cmd_run(r, dir, argv, NULL);
}
#define MEMU(r, ...) memu((r), (const char *const[]){__VA_ARGS__, NULL})

/* ---- the teaching drivers as modules */

static const char *module_of(const char *style)
{
	static char path[200];
	snprintf(path, sizeof(path), "%s/drivers/%s_mod.so", BUILD_DIR, style);
	return path;
}

/* The run lines of --pagetables under the VMA of /dev/NAME, their pfns
 * replaced by "N" (the module's frames are not the built-in's). */
static char *device_runs(const char *out, const char *name)
{
	char vma[64];
	snprintf(vma, sizeof(vma), " rw-s /dev/%s\n", name);
	const char *at = strstr(out, vma);
	cr_assert(at, "no VMA of /dev/%s in:\n%s", name, out);
	at += strlen(vma);
	char *runs = calloc(1, strlen(at) + 1), *w = runs;
	while (!strncmp(at, "    ", 4)) {
		const char *end = strchr(at, '\n');
		const char *pfn = strstr(at, "pfn 0x");
		cr_assert(pfn && pfn < end);
		/* The range, then the bits after the pfn. */
		const char *bits = strchr(pfn + 6, ' ');
		w += sprintf(w, "%.*s N%.*s\n", (int)(pfn + 3 - at), at,
			     (int)(end - bits), bits);
		at = end + 1;
	}
	return runs;
}

static unsigned long device_faults(const char *err)
{
	const char *at = strstr(err, "\n    device ");
	cr_assert(at, "%s", err);
	return strtoul(at + 12, NULL, 10);
}

static void same_as_builtin(const char *style, unsigned long faults)
{
	struct cmd b, m;
	char mod[32];
	snprintf(mod, sizeof(mod), "%s_mod", style);
	MEMU(&b, "--stats", "--pagetables", guest_path("teaching"), style);
	MEMU(&m, "--stats", "--pagetables", "--driver", module_of(style),
	     guest_path("teaching"), mod);
	cmd_expect_status(&b, 0);
	cmd_expect_status(&m, 0);
	/* The guest reads the same labels, its own name in them. */
	char want[128];
	snprintf(want, sizeof(want),
		 "%s page 0 ... %s page 15\nmmap past the buffer: refused\n",
		 mod, mod);
	cr_assert(strstr(m.out, want), "%s", m.out);
	snprintf(want, sizeof(want),
		 "%s page 0 ... %s page 15\nmmap past the buffer: refused\n",
		 style, style);
	cr_assert(strstr(b.out, want), "%s", b.out);
	/* The same faults, and the same entries: runs, bits, types. */
	cr_assert_eq(device_faults(b.err), faults, "%s", b.err);
	cr_assert_eq(device_faults(m.err), faults, "%s", m.err);
	char *rb = device_runs(b.out, style), *rm = device_runs(m.out, mod);
	cr_assert_str_eq(rm, rb);
	cr_assert(*rb);
	free(rb);
	free(rm);
	cmd_free(&b);
	cmd_free(&m);
}

/* remap_pfn_range: no fault, one run of special entries. */
Test(module, contig_module_maps_as_the_builtin_contig)
{
	same_as_builtin("contig", 0);
}

/* vm_insert_page: no fault, ordinary entries. */
Test(module, scatter_module_maps_as_the_builtin_scatter)
{
	same_as_builtin("scatter", 0);
}

/* A fault handler: one fault per page, 16. */
Test(module, lazy_module_faults_as_the_builtin_lazy)
{
	same_as_builtin("lazy", 16);
}

/* ---- a module written and built here */

Test(module, a_module_built_here_serves_the_guest)
{
	const char *so = build("counter", NULL, "counter");
	struct cmd r;
	MEMU(&r, "--stats", "--driver", so, guest_path("drvcheck"), "counter",
	     "1");
	cmd_expect_status(&r, 0);
	/* Page 0 faults once (the second mapping shares the frame, but is
	 * a new VMA: faulted again); page 1 is refused by the driver. */
	cr_assert_str_eq(r.out, "read: 18: counter: 0 faults\n"
				"mmap 0: ok\n"
				"page 0: faults: 1\n"
				"mmap 0: ok\n"
				"page 0: faults: 2\n"
				"mmap 1: Invalid argument\n");
	cr_assert_eq(device_faults(r.err), 2, "%s", r.err);
	cmd_free(&r);
}

/* ---- bad modules */

/* memu refuses the module: exit 2, one line, the guest never runs. */
static void refused(const char *so, const char *why)
{
	struct cmd r;
	MEMU(&r, "--driver", so, guest_path("hello"));
	cmd_expect_status(&r, 2);
	cr_assert_str_eq(r.out, "");
	char want[512];
	snprintf(want, sizeof(want), "memu: %s: %s\n", so, why);
	cr_assert_str_eq(r.err, want);
	cmd_free(&r);
}

Test(module, bad_modules_are_refused_at_load_with_one_line)
{
	refused(build("bad", "BAD_SYMBOL", "symbol"),
		"undefined symbol: not_in_memu");
	refused(build("bad", "BAD_ABI", "abi"),
		"built for driver ABI 99, memu has 1");
	refused(build("bad", "BAD_NO_INIT", "noinit"),
		"no memu_driver_init: not a memu driver module "
		"(MEMU_DRIVER_MODULE)");
	refused(build("bad", "BAD_NAME", "name"),
		"its name is not 1-31 of [a-z0-9_-]");
	refused(build("bad", "BAD_DUPLICATE", "duplicate"),
		"/dev/zero exists already");
	refused(build("bad", "BAD_PROBE", "probe"),
		"probe failed: No such device");
	char missing[128];
	snprintf(missing, sizeof(missing), "%s/missing.so", dir);
	refused(missing, "cannot open shared object file: No such file or "
			 "directory");
}

/* Nonsense from a loaded module: EIO, EINVAL, SIGBUS, and a line each. */
static void nonsense(const char *last, const char *out_tail,
		     const char *err_tail)
{
	const char *so = build("nonsense", NULL, "nonsense");
	struct cmd r;
	MEMU(&r, "--driver", so, guest_path("drvcheck"), "nonsense", last);
	cmd_expect_status(&r, 128 + 7);
	char want[512];
	snprintf(want, sizeof(want),
		 "read: I/O error\n" /* musl's EIO */
		 "mmap 0: Invalid argument\n"
		 "mmap 0: Invalid argument\n"
		 "%s",
		 out_tail);
	cr_assert_str_eq(r.out, want);
	const char *head =
		"memu: driver nonsense: read returned 65: EIO\n"
		"memu: driver nonsense: remap_pfn_range of 1 pages at pfn "
		"0x100, not all its own: EINVAL\n"
		"memu: driver nonsense: remap_pfn_range of 1 pages at pfn "
		"0x100, not all its own: EINVAL\n";
	cr_assert(!strncmp(r.err, head, strlen(head)), "%s", r.err);
	cr_assert(!strncmp(r.err + strlen(head), err_tail, strlen(err_tail)),
		  "%s", r.err);
	cr_assert(strstr(r.err,
			 "memu: drvcheck: killed by SIGBUS (Bus error) at "),
		  "%s", r.err);
	cmd_free(&r);
}

Test(module, a_fault_result_linux_does_not_define_is_sigbus)
{
	nonsense("1", "mmap 1: ok\n",
		 "memu: driver nonsense: fault returned 0x1234: SIGBUS\n");
}

Test(module, a_fault_handing_back_a_foreign_frame_is_sigbus)
{
	nonsense("2", "mmap 2: ok\n",
		 "memu: driver nonsense: fault handed back pfn 0x100, not "
		 "its own: SIGBUS\n");
}

/* ---- page-replacement policies as modules (include/memu_policy.h) */

/* CLOCK written as a module gives what memu's own clock gives: the same
 * guest output, the same counts; only the policy's name differs. */
Test(module, a_clock_policy_module_runs_as_the_builtin_clock)
{
	const char *so = build_in("policies/clock", NULL, "myclock");
	struct cmd a, b;
	MEMU(&a, "--ram", "8M", "--swap", "32M", "--stats", "--reclaim",
	     "clock", guest_path("reclaim"), "hot", "2048", "2", "64");
	MEMU(&b, "--ram", "8M", "--swap", "32M", "--stats", "--reclaim", so,
	     guest_path("reclaim"), "hot", "2048", "2", "64");
	cmd_expect_status(&a, 0);
	cmd_expect_status(&b, 0);
	cr_assert_str_eq(b.out, a.out);
	cr_assert(strstr(a.out, "checksum "), "%s", a.out);
	char *named = strstr(a.err, "  reclaim (clock):\n");
	cr_assert(named, "%s", a.err);
	/* Swap the name, then every byte of --stats is the same. */
	char *want = malloc(strlen(a.err) + 8);
	sprintf(want, "%.*s  reclaim (myclock):\n%s", (int)(named - a.err),
		a.err, named + strlen("  reclaim (clock):\n"));
	cr_assert_str_eq(b.err, want);
	/* It did reclaim: thousands of major faults. */
	cr_assert(!strstr(a.err, "\n  major faults: 0\n"), "%s", a.err);
	free(want);
	cmd_free(&a);
	cmd_free(&b);
}

/* A policy that hands back frames it was never given: ignored, said
 * (at most 8 lines), and the guest runs out of memory. */
Test(module, a_wrong_policy_module_ends_in_oom_not_a_crash)
{
	const char *so = build_in("policies/wrong", NULL, "wrong");
	struct cmd r;
	MEMU(&r, "--ram", "8M", "--swap", "32M", "--reclaim", so,
	     guest_path("reclaim"), "hot", "2048", "2", "64");
	cmd_expect_status(&r, 128 + 9);
	const char *line = "memu: policy wrong: lru_add_tail of pfn "
			   "0x10000000000, not a frame of RAM: ignored\n";
	const char *at = r.err;
	for (int i = 0; i < 8; i++, at += strlen(line))
		cr_assert(!strncmp(at, line, strlen(line)), "line %d: %s", i,
			  r.err);
	cr_assert(!strncmp(at, "memu: policy wrong: more mistakes, not said\n",
			   44),
		  "%s", r.err);
	cr_assert(strstr(r.err, "killed by the OOM killer"), "%s", r.err);
	cmd_free(&r);
}

Test(module, a_policy_module_without_an_entry_is_refused)
{
	const char *so = build("counter", NULL, "notapolicy");
	struct cmd r;
	MEMU(&r, "--swap", "8M", "--reclaim", so, guest_path("hello"));
	cmd_expect_status(&r, 2);
	char want[256];
	snprintf(want, sizeof(want),
		 "memu: --reclaim %s: no memu_policy_init: not a policy "
		 "module (MEMU_POLICY_MODULE)\n",
		 so);
	cr_assert_str_eq(r.err, want);
	cr_assert_str_eq(r.out, "");
	cmd_free(&r);
}
