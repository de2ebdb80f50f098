/* The guest can never hurt the host: seeded random arguments to memu's
 * memory and device syscalls (guest/tests/syscall_fuzz.c), run under
 * AddressSanitizer and UBSan in scripts/test.  Each run must end with the
 * guest's own exit (never a machine error, never a host crash), and the
 * same seed must give the same run.  And whatever instruction the guest
 * executes, memu ends it the way Linux does (the CPU battery below). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void run_seed(const char *seed, char *out, size_t outlen,
		     struct memu_stats *s)
{
	struct guest g;
	guest_open(&g, "syscall_fuzz", "20000", seed, NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "seed %s: %s", seed,
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, 0);
	snprintf(out, outlen, "%s", guest_stdout(&g));
	guest_stats(&g, s);
	guest_close(&g);
}

static void fuzz(const char *seed)
{
	char a[128], b[128];
	struct memu_stats sa, sb;
	run_seed(seed, a, sizeof(a), &sa);
	cr_assert(!strncmp(a, "20000 rounds, ", 14), "%s", a);
	run_seed(seed, b, sizeof(b), &sb);
	cr_assert_str_eq(a, b);
	cr_assert_eq(memcmp(&sa, &sb, sizeof(sa)), 0, "same seed, same stats");
	/* + arch_prctl, set_tid_address, 6 opens and a memfd_create, the
	 * mmap of its buffer, rt_sigaction (SIGALRM ignored),
	 * ioctl(TIOCGWINSZ) and writev from stdio, exit_group */
	cr_assert_eq(sa.syscalls, 20000 + 14, "every call reached memu");
}

Test(robustness, random_syscalls_seed_1)
{
	fuzz("1");
}
Test(robustness, random_syscalls_seed_2)
{
	fuzz("2");
}
Test(robustness, random_syscalls_seed_3)
{
	fuzz("3");
}

/* ---- the CPU: whatever the guest executes, memu answers like Linux
 *
 * guest/tests/cpu_battery.c runs one instruction (or a short sequence) per
 * case: invalid encodings, privileged instructions at CPL 3, int N for
 * every N, divide errors, bad addresses, unmasked floating-point
 * exceptions, unimplemented syscall numbers.  Linux is the reference: each
 * case runs natively on the host (with "-r", which reports the signal's
 * si_code and si_addr from a handler, then dies of the signal) and under
 * memu, which must end the same way: the same exit status or terminating
 * signal, with the same si_code and fault address, and never with a
 * machine error.  The case code runs at a fixed address, so the
 * addresses agree.  A few of Linux's answers depend on its configuration:
 * int 0x80 is a syscall with IA32 emulation (else SIGSEGV), a call into
 * the vsyscall page returns with vsyscall=xonly or emulate (else
 * SIGSEGV). */
struct outcome {
	int status; /* exit status, or 128 + the terminating signal */
	bool info;  /* the handler reported: */
	int sig, code;
	uint64_t addr;
	char desc[160];
};

static char *read_all(int fd)
{
	size_t len = 0, cap = 4096;
	char *s = malloc(cap);
	cr_assert(s);
	for (;;) {
		if (len + 1 == cap) {
			s = realloc(s, cap *= 2);
			cr_assert(s);
		}
		ssize_t n = read(fd, s + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	s[len] = '\0';
	return s;
}

/* In a child process: no core files, and a hang dies of SIGALRM. */
static void child_limits(unsigned seconds)
{
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	alarm(seconds);
}

/* Run cpu_battery natively with args; its stdout in *out if out. */
static int native_run(const char *const *args, char **out)
{
	const char *argv[8] = {guest_path("cpu_battery")};
	for (int i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	int p[2];
	cr_assert(pipe(p) == 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		child_limits(10);
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	char *s = read_all(p[0]);
	close(p[0]);
	int ws;
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	if (out)
		*out = s;
	else
		free(s);
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
}

static void describe(struct outcome *o)
{
	if (o->status < 128)
		snprintf(o->desc, sizeof(o->desc), "exit %d", o->status);
	else if (o->info)
		snprintf(o->desc, sizeof(o->desc), "%s si_code %d addr %#llx",
			 sigabbrev_np(o->sig), o->code,
			 (unsigned long long)o->addr);
	else
		snprintf(o->desc, sizeof(o->desc), "%s",
			 sigabbrev_np(o->status - 128));
}

static void linux_outcome(const char *name, const char *arg, struct outcome *o)
{
	char *out;
	memset(o, 0, sizeof(*o));
	o->status =
		native_run((const char *const[]){"-r", name, arg, NULL}, &out);
	unsigned long long addr;
	if (sscanf(out, "sig %d code %d addr %llx", &o->sig, &o->code, &addr) ==
	    3) {
		o->info = true;
		o->addr = addr;
	}
	free(out);
	describe(o);
}

/* What a memu run reports back from its child process. */
struct memu_report {
	struct memu_result r;
	int exit_code;
	char reason[160];
};

/* In a child process: run the case on a fresh machine, report, exit. */
static void memu_child(int fd, const char *name, const char *arg)
{
	struct memu_report rep;
	memset(&rep, 0, sizeof(rep));
	struct memu_config cfg;
	memu_config_init(&cfg);
	int null = open("/dev/null", O_RDWR);
	cfg.stdin_fd = -1;
	cfg.stdout_fd = cfg.stderr_fd = null;
	char err[128] = "";
	struct memu *m = memu_new(&cfg, err, sizeof(err));
	const char *path = guest_path("cpu_battery");
	const char *argv[] = {path, name, arg, NULL};
	if (!m || memu_load(m, path, arg ? 3 : 2, argv, err, sizeof(err))) {
		rep.r.stop = MEMU_STOP_ERROR;
		snprintf(rep.reason, sizeof(rep.reason), "cannot start: %s",
			 err);
	} else {
		do
			memu_run(m, &rep.r);
		while (rep.r.stop == MEMU_STOP_PROBE);
		rep.exit_code = memu_exit_code(&rep.r);
		snprintf(rep.reason, sizeof(rep.reason), "%s",
			 rep.r.reason ? rep.r.reason : "");
		rep.r.reason = NULL;
		memu_free(m);
	}
	_exit(write(fd, &rep, sizeof(rep)) == sizeof(rep) ? 0 : 1);
}

/* Run the case under memu, in a child process so that a host crash or a
 * hang is reported for this case and the battery goes on.  False if the
 * machine failed (why says how). */
static bool memu_outcome(const char *name, const char *arg, struct outcome *o,
			 char *why, size_t whylen)
{
	int p[2];
	cr_assert(pipe(p) == 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_limits(60);
		memu_child(p[1], name, arg);
	}
	close(p[1]);
	struct memu_report rep;
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(rep) &&
	       (n = read(p[0], (char *)&rep + got, sizeof(rep) - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	int ws;
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	memset(o, 0, sizeof(*o));
	if (WIFSIGNALED(ws) || got != sizeof(rep)) {
		int sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
		snprintf(why, whylen, "%s (host process %s%s)",
			 sig == SIGALRM ? "memu hung" : "memu crashed",
			 WIFSIGNALED(ws) ? "died of SIG" : "exited",
			 WIFSIGNALED(ws) ? sigabbrev_np(sig) : "");
		return false;
	}
	snprintf(why, whylen, "%s", rep.reason);
	if (rep.r.stop != MEMU_STOP_EXIT && rep.r.stop != MEMU_STOP_SIGNAL)
		return false;
	o->status = rep.exit_code;
	if (rep.r.stop == MEMU_STOP_SIGNAL) {
		o->info = true;
		o->sig = rep.r.signal;
		o->code = rep.r.si_code;
		o->addr = rep.r.fault_addr;
	}
	describe(o);
	return true;
}

/* Where memu's machine differs from the host's on purpose, and what memu
 * answers instead (docs/machine.md, "Where the CPU differs from Linux's
 * host"): memu's CPU is QEMU's qemu64 model (no RDTSCP, no XSAVE, no
 * PMU), QEMU's translator does not check SSE alignment, EFLAGS.AC or
 * unmasked SSE exceptions and ignores a VEX prefix on syscall, and memu's
 * kernel has no IA32 emulation.  Each entry still must hold exactly. */
static const struct {
	const char *label, *memu, *why;
} known[] = {
	{"int 128", "SEGV si_code 128 addr 0", "no IA32 emulation"},
	{"ok_rdtscp", "ILL si_code 2 addr 0x200000000", "qemu64: no RDTSCP"},
	{"ok_xgetbv", "ILL si_code 2 addr 0x200000002", "qemu64: no XSAVE"},
	{"priv_xsetbv", "ILL si_code 2 addr 0x200000008", "qemu64: no XSAVE"},
	{"priv_rdpmc", "ILL si_code 2 addr 0x200000002", "qemu64: no PMU"},
	{"fpu_sse_div0", "exit 100", "QEMU: no SSE exceptions"},
	{"mem_movaps_unaligned", "exit 100", "QEMU: no SSE alignment check"},
	{"mem_alignment_check", "exit 100", "QEMU: no EFLAGS.AC check"},
	{"insn_vex_syscall", "exit 100", "QEMU: VEX prefix ignored"},
	{"insn_xbegin", "exit 100", "QEMU runs xbegin without RTM"},
};

static const char *known_difference(const char *label, const char **why)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(known[i].label, label)) {
			*why = known[i].why;
			return known[i].memu;
		}
	return NULL;
}

/* Run one case both ways; true if memu behaved like Linux, or exactly as
 * documented where it differs. */
static bool same_as_linux(const char *name, const char *arg)
{
	char label[64], why[200];
	snprintf(label, sizeof(label), "%s%s%s", name, arg ? " " : "",
		 arg ? arg : "");
	struct outcome lx, mu;
	linux_outcome(name, arg, &lx);
	bool ok = memu_outcome(name, arg, &mu, why, sizeof(why));
	cr_expect(ok, "%s: memu failed: %s", label, why);
	if (!ok)
		return false;
	const char *known_why, *expected = known_difference(label, &known_why);
	if (expected) {
		bool as_documented = !strcmp(mu.desc, expected);
		cr_expect(as_documented,
			  "%s: memu should give %s (%s; Linux: %s), gives %s",
			  label, expected, known_why, lx.desc, mu.desc);
		return as_documented;
	}
	bool same = mu.status == lx.status;
	if (same && lx.info && lx.status >= 128)
		same = mu.code == lx.code && mu.addr == lx.addr;
	cr_expect(same, "%s: Linux gives %s, memu %s (%s)", label, lx.desc,
		  mu.desc, why);
	return same;
}

/* Every case of the battery whose name starts with prefix. */
static void battery(const char *prefix)
{
	char *list;
	cr_assert_eq(native_run((const char *const[]){"list", NULL}, &list), 0);
	int n = 0, bad = 0;
	for (char *save, *name = strtok_r(list, "\n", &save); name;
	     name = strtok_r(NULL, "\n", &save)) {
		if (strncmp(name, prefix, strlen(prefix)))
			continue;
		n++;
		bad += !same_as_linux(name, NULL);
	}
	free(list);
	cr_assert_gt(n, 0, "no %s cases", prefix);
	cr_expect_eq(bad, 0, "%d of %d %s cases differ from Linux", bad, n,
		     prefix);
}

Test(robustness, cpu_invalid_encodings, .timeout = 120)
{
	battery("insn_");
}
Test(robustness, cpu_privileged_instructions, .timeout = 120)
{
	battery("priv_");
}
Test(robustness, cpu_traps, .timeout = 60)
{
	battery("trap_");
}
Test(robustness, cpu_divide_errors, .timeout = 60)
{
	battery("div_");
}
Test(robustness, cpu_bad_addresses, .timeout = 120)
{
	battery("mem_");
}
Test(robustness, cpu_floating_point_exceptions, .timeout = 60)
{
	battery("fpu_");
}
Test(robustness, cpu_syscall_numbers, .timeout = 60)
{
	battery("sys_");
}
Test(robustness, cpu_user_instructions, .timeout = 60)
{
	battery("ok_");
}

/* int N for every vector, with eax = 1 and ebx = 42: on Linux int3's
 * vector gives SIGTRAP, int 0x80 is the 32-bit syscall gate (exit(42)),
 * and every other vector is a gate user code may not use (#GP, SIGSEGV). */
Test(robustness, cpu_int_n_for_every_vector, .timeout = 300)
{
	int bad = 0;
	for (int v = 0; v < 256; v++) {
		char arg[8];
		snprintf(arg, sizeof(arg), "%d", v);
		bad += !same_as_linux("int", arg);
	}
	cr_expect_eq(bad, 0, "%d of 256 int N differ from Linux", bad);
}

/* Syscall edges where the order of Linux's checks decides the errno
 * (guest/tests/edge_errno.c): the same output natively and under memu. */
Test(robustness, syscall_edges_as_on_linux)
{
	same_output_as_linux("edge_errno", "write_count_minus1 EFAULT\n");
}
