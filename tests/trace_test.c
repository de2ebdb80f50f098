/* The event trace (docs/trace.md): exact instruction counts and RIPs at
 * known instructions (guest/freestanding/icount.c), every JSON Lines
 * record parsed and its documented fields checked, the counts of each
 * kind equal to the --stats counters, the filter, the Chrome trace-event
 * file against that format's rules, the same bytes from two runs, a run
 * unchanged by tracing it, and the options' usage errors.
 *
 * JSON is parsed with Jansson (libjansson-dev, scripts/setup): a strict
 * RFC 8259 parser that rejects trailing garbage, bad escapes and, asked
 * to, duplicate keys, and keeps 64-bit integers exact.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

/* ---- the guest's symbols, for exact RIPs */

static uint64_t sym(const char *guest, const char *name)
{
	return guest_symbol(guest, name);
}

/* ---- JSON */

static uint64_t hex_value(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	cr_assert(s, "no string \"%s\"", key);
	cr_assert(s[0] == '0' && s[1] == 'x' && s[2] &&
			  strspn(s + 2, "0123456789abcdef") == strlen(s + 2),
		  "\"%s\" is not 0x and lower-case hex: %s", key, s);
	return strtoull(s, NULL, 16);
}

static json_int_t int_value(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	cr_assert(json_is_integer(v), "\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static const char *str_value(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	cr_assert(s, "\"%s\" is not a string", key);
	return s;
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

#define ONE_OF(s, ...) one_of((s), (const char *const[]){__VA_ARGS__, NULL})

/* The fields docs/trace.md gives each kind after n, rip and ev: all of
 * them, of the documented type, and no others. */
static void check_fields(json_t *o)
{
	const char *ev = str_value(o, "ev");
	size_t want = 3;
	if (!strcmp(ev, "fault")) {
		cr_assert(ONE_OF(str_value(o, "kind"), "anon", "zero", "cow",
				 "wp_reuse", "shared", "device", "file_read",
				 "file_write", "file_cow", "stack_grow",
				 "segv"));
		hex_value(o, "addr");
		cr_assert(ONE_OF(str_value(o, "access"), "read", "write",
				 "fetch"));
		int_value(o, "flags");
		want += 4;
	} else if (!strcmp(ev, "pte")) {
		cr_assert(ONE_OF(str_value(o, "op"), "set", "clear"));
		hex_value(o, "va");
		json_int_t level = int_value(o, "level");
		cr_assert(level >= 1 && level <= 4);
		hex_value(o, "old");
		hex_value(o, "new");
		want += 5;
	} else if (!strcmp(ev, "frame")) {
		cr_assert(ONE_OF(str_value(o, "op"), "alloc", "free"));
		hex_value(o, "pfn");
		cr_assert(ONE_OF(str_value(o, "kind"), "kernel", "zero", "file",
				 "anon", "pagetable", "shared", "driver",
				 "pagecache"));
		cr_assert(int_value(o, "in_use") >= 0);
		want += 4;
	} else if (!strcmp(ev, "tlb")) {
		cr_assert(ONE_OF(str_value(o, "reason"), "unmap", "protect",
				 "cow", "unmap+protect", "unmap+cow",
				 "protect+cow", "unmap+protect+cow"));
		want += 1;
	} else if (!strcmp(ev, "syscall")) {
		int_value(o, "nr");
		str_value(o, "name");
		int_value(o, "result");
		want += 3;
	} else if (!strcmp(ev, "signal")) {
		json_int_t sig = int_value(o, "sig");
		cr_assert(sig >= 1 && sig <= 64);
		cr_assert(!strncmp(str_value(o, "name"), "SIG", 3));
		int_value(o, "code");
		hex_value(o, "addr");
		const char *action = str_value(o, "action");
		cr_assert(ONE_OF(action, "handler", "kill"));
		want += 5;
		if (!strcmp(action, "handler")) {
			hex_value(o, "handler");
			want++;
		}
	} else {
		cr_assert_str_eq(ev, "inject");
		int_value(o, "spec");
		str_value(o, "what");
		hex_value(o, "target");
		hex_value(o, "value");
		want += 4;
	}
	cr_assert_eq(json_object_size(o), want, "%s: %zu fields, want %zu", ev,
		     json_object_size(o), want);
}

/* A JSON Lines trace, parsed: the header and each event. */
struct jsonl {
	json_t *header;
	json_t **ev;
	size_t n;
};

static void jsonl_parse(FILE *f, struct jsonl *t)
{
	memset(t, 0, sizeof(*t));
	rewind(f);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	size_t lineno = 0;
	json_int_t last_n = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		cr_assert_eq(line[len - 1], '\n', "line %zu unterminated",
			     lineno);
		json_error_t err;
		json_t *o = json_loadb(line, (size_t)len - 1,
				       JSON_REJECT_DUPLICATES, &err);
		cr_assert(json_is_object(o), "line %zu: %s: %s", lineno,
			  err.text, line);
		if (lineno == 1) {
			t->header = o;
			continue;
		}
		cr_assert(strncmp(line, "{\"n\":", 5) == 0);
		json_int_t n = int_value(o, "n");
		cr_assert(n >= last_n, "line %zu: n %lld after %lld", lineno,
			  (long long)n, (long long)last_n);
		last_n = n;
		hex_value(o, "rip");
		check_fields(o);
		t->ev = realloc(t->ev, (t->n + 1) * sizeof(*t->ev));
		cr_assert(t->ev);
		t->ev[t->n++] = o;
	}
	free(line);
	cr_assert(t->header, "empty trace");
	cr_assert_str_eq(str_value(t->header, "trace"), "memu");
	cr_assert_eq(int_value(t->header, "version"), MEMU_TRACE_VERSION);
	cr_assert(json_is_array(json_object_get(t->header, "events")));
	str_value(t->header, "guest");
}

static void jsonl_free(struct jsonl *t)
{
	for (size_t i = 0; i < t->n; i++)
		json_decref(t->ev[i]);
	free(t->ev);
	json_decref(t->header);
}

static bool is(json_t *o, const char *key, const char *value)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && !strcmp(s, value);
}

static size_t count(const struct jsonl *t, const char *ev, const char *key,
		    const char *value)
{
	size_t c = 0;
	for (size_t i = 0; i < t->n; i++)
		c += is(t->ev[i], "ev", ev) &&
		     (!key || is(t->ev[i], key, value));
	return c;
}

/* Run guest (no arguments) to its end with a trace of the kinds in mask;
 * the parsed trace in *t and the machine's statistics in *s. */
static void traced_run(const char *guest, unsigned mask, struct jsonl *t,
		       struct memu_stats *s, struct guest *g)
{
	FILE *f = tmpfile();
	cr_assert(f);
	guest_open_traced(g, f, mask, MEMU_TRACE_JSONL, guest, NULL);
	guest_finish(g);
	cr_assert_eq(memu_trace_end(g->m), 0);
	guest_stats(g, s);
	jsonl_parse(f, t);
	fclose(f);
}

/* ---- exact counts */

struct expect {
	const char *ev, *what; /* what: a syscall's or a fault's name */
	uint64_t n;
	const char *at; /* the RIP's symbol, or NULL: rip below */
	uint64_t rip;
};

Test(trace, counts_instructions_exactly)
{
	struct jsonl t;
	struct memu_stats s;
	struct guest g;
	traced_run("icount",
		   MEMU_TRACE_SYSCALL | MEMU_TRACE_FAULT | MEMU_TRACE_SIGNAL |
			   MEMU_TRACE_TLB,
		   &t, &s, &g);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGSEGV);
	/* The numbers guest/freestanding/icount.c gives each instruction. */
	const struct expect want[] = {
		{"syscall", "getpid", 6, "ic_getpid", 0},
		{"syscall", "mmap", 14, "ic_mmap", 0},
		{"fault", "anon", 16, "ic_touch", 0},
		{"syscall", "rt_sigaction", 2023, "ic_sigaction", 0},
		{"tlb", NULL, 2028, "ic_mprotect", 0},
		{"syscall", "mprotect", 2028, "ic_mprotect", 0},
		/* The write faults: not retired, the handler runs from
		 * the same count, and the write retires after it. */
		{"fault", "segv", 2029, "ic_fault", 0},
		{"signal", "SIGSEGV", 2029, "ic_fault", 0},
		{"syscall", "mprotect", 2033, "ic_unprotect", 0},
		{"syscall", "rt_sigreturn", 2036, "ic_sigreturn", 0},
		/* call *%rax retires; the fetch at its target faults. */
		{"fault", "segv", 2040, NULL, 0x10000000},
		{"signal", "SIGSEGV", 2040, NULL, 0x10000000},
	};
	size_t nwant = sizeof(want) / sizeof(want[0]);
	cr_assert_eq(t.n, nwant, "%zu events, want %zu", t.n, nwant);
	for (size_t i = 0; i < nwant; i++) {
		json_t *o = t.ev[i];
		const struct expect *w = &want[i];
		cr_assert(is(o, "ev", w->ev), "event %zu: not a %s", i, w->ev);
		if (w->what)
			cr_assert(is(o,
				     !strcmp(w->ev, "fault") ? "kind" : "name",
				     w->what),
				  "event %zu: not %s", i, w->what);
		cr_assert_eq(int_value(o, "n"), (json_int_t)w->n,
			     "event %zu (%s %s): n %lld, want %" PRIu64, i,
			     w->ev, w->what ? w->what : "",
			     (long long)int_value(o, "n"), w->n);
		uint64_t rip = w->at ? sym("icount", w->at) : w->rip;
		cr_assert_eq(hex_value(o, "rip"), rip,
			     "event %zu: rip %#" PRIx64 ", want %#" PRIx64, i,
			     hex_value(o, "rip"), rip);
	}
	/* What each says besides. */
	json_t *mmap_ev = t.ev[1], *anon = t.ev[2];
	cr_assert_eq(hex_value(anon, "addr"),
		     (uint64_t)int_value(mmap_ev, "result"));
	cr_assert(is(anon, "access", "write"));
	cr_assert(is(t.ev[4], "reason", "protect"), "%s",
		  str_value(t.ev[4], "reason"));
	json_t *deliver = t.ev[7], *kill = t.ev[11];
	cr_assert_eq(int_value(deliver, "sig"), SIGSEGV);
	cr_assert_eq(int_value(deliver, "code"), SEGV_ACCERR);
	cr_assert_eq(hex_value(deliver, "addr"), hex_value(anon, "addr"));
	cr_assert(is(deliver, "action", "handler"));
	cr_assert_eq(hex_value(deliver, "handler"),
		     sym("icount", "ic_handler"));
	cr_assert(is(t.ev[10], "access", "fetch"));
	cr_assert_eq(int_value(kill, "code"), SEGV_MAPERR);
	cr_assert_eq(hex_value(kill, "addr"), 0x10000000);
	cr_assert(is(kill, "action", "kill"));
	cr_assert_eq(memu_instructions(g.m), 2040);
	jsonl_free(&t);
	guest_close(&g);
}

/* A trap retires before its signal; a fault (#UD, #DE) does not; a REP
 * string instruction is one instruction. */
Test(trace, traps_retire_and_faults_do_not)
{
	struct jsonl t;
	struct memu_stats s;
	struct guest g;
	traced_run("icount_traps",
		   MEMU_TRACE_SYSCALL | MEMU_TRACE_SIGNAL | MEMU_TRACE_FAULT,
		   &t, &s, &g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
	/* guest/freestanding/icount_traps.c's numbers. */
	const struct expect want[] = {
		{"syscall", "rt_sigaction", 5, NULL, 0},
		{"syscall", "rt_sigaction", 8, "it_sigill", 0},
		{"syscall", "rt_sigaction", 11, NULL, 0},
		{"signal", "SIGTRAP", 17, "it_after_int3", 0},
		{"syscall", "rt_sigreturn", 21, "it_sigreturn", 0},
		{"signal", "SIGILL", 23, "it_ud2", 0},
		{"syscall", "rt_sigreturn", 28, "it_sigreturn", 0},
		{"signal", "SIGFPE", 30, "it_div", 0},
		{"syscall", "rt_sigreturn", 35, "it_sigreturn", 0},
		{"fault", "zero", 39, "it_rep", 0},
		{"fault", "anon", 39, "it_rep", 0},
		{"syscall", "exit_group", 44, "it_exit", 0},
	};
	size_t nwant = sizeof(want) / sizeof(want[0]);
	cr_assert_eq(t.n, nwant, "%zu events, want %zu", t.n, nwant);
	for (size_t i = 0; i < nwant; i++) {
		json_t *o = t.ev[i];
		const struct expect *w = &want[i];
		cr_assert(is(o, "ev", w->ev) &&
				  is(o,
				     !strcmp(w->ev, "fault") ? "kind" : "name",
				     w->what),
			  "event %zu: not %s %s", i, w->ev, w->what);
		cr_assert_eq(int_value(o, "n"), (json_int_t)w->n,
			     "event %zu (%s): n %lld, want %" PRIu64, i,
			     w->what, (long long)int_value(o, "n"), w->n);
		if (w->at)
			cr_assert_eq(hex_value(o, "rip"),
				     sym("icount_traps", w->at),
				     "event %zu (%s): rip", i, w->what);
	}
	cr_assert_eq(int_value(t.ev[5], "code"), ILL_ILLOPN);
	cr_assert_eq(hex_value(t.ev[5], "addr"), sym("icount_traps", "it_ud2"));
	cr_assert_eq(int_value(t.ev[7], "code"), FPE_INTDIV);
	cr_assert_eq(memu_instructions(g.m), 45);
	jsonl_free(&t);
	guest_close(&g);
}

/* ---- the counts against --stats */

static const char *const fault_kinds[MEMU_FAULT_KINDS] = {
	"anon",	     "zero",	   "cow",      "wp_reuse",   "shared", "device",
	"file_read", "file_write", "file_cow", "stack_grow", "segv",   "swap",
};

static const char *const frame_kinds[MEMU_FRAME_KINDS] = {
	"free", "reserved",  "kernel", "zero",	 "file",
	"anon", "pagetable", "shared", "driver", "pagecache",
};

static void counts_match_stats(const char *guest)
{
	struct jsonl t;
	struct memu_stats s;
	struct guest g;
	traced_run(guest, MEMU_TRACE_ALL, &t, &s, &g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s", guest);
	for (int k = 0; k < MEMU_FAULT_KINDS; k++)
		cr_assert_eq(count(&t, "fault", "kind", fault_kinds[k]),
			     s.faults[k],
			     "%s: %s faults: trace %zu, stats %" PRIu64, guest,
			     fault_kinds[k],
			     count(&t, "fault", "kind", fault_kinds[k]),
			     s.faults[k]);
	cr_assert_eq(count(&t, "pte", NULL, NULL), s.pte_writes, "%s", guest);
	cr_assert_eq(count(&t, "tlb", NULL, NULL), s.tlb_flushes, "%s", guest);
	cr_assert_eq(count(&t, "signal", NULL, NULL), s.signals, "%s", guest);
	cr_assert_eq(count(&t, "syscall", NULL, NULL), s.syscalls, "%s", guest);
	cr_assert_eq(count(&t, "inject", NULL, NULL), 0);
	/* Each syscall number, and each frame kind: allocations, and the
	 * last in_use the trace shows is the frames in use at the end. */
	static uint64_t by_nr[1024];
	memset(by_nr, 0, sizeof(by_nr));
	uint64_t allocs[MEMU_FRAME_KINDS] = {0};
	int64_t in_use[MEMU_FRAME_KINDS];
	for (int k = 0; k < MEMU_FRAME_KINDS; k++)
		in_use[k] = -1;
	for (size_t i = 0; i < t.n; i++) {
		json_t *o = t.ev[i];
		if (is(o, "ev", "syscall")) {
			json_int_t nr = int_value(o, "nr");
			cr_assert(nr >= 0 && nr < 1024);
			by_nr[nr]++;
			cr_assert_str_eq(str_value(o, "name"),
					 memu_syscall_name((unsigned)nr));
		}
		if (!is(o, "ev", "frame"))
			continue;
		for (int k = 0; k < MEMU_FRAME_KINDS; k++)
			if (is(o, "kind", frame_kinds[k])) {
				allocs[k] += is(o, "op", "alloc");
				in_use[k] = int_value(o, "in_use");
			}
	}
	for (unsigned nr = 0; nr < 511; nr++)
		cr_assert_eq(by_nr[nr], memu_syscall_count(g.m, nr, NULL),
			     "%s: syscall %u", guest, nr);
	for (int k = 0; k < MEMU_FRAME_KINDS; k++) {
		cr_assert_eq(allocs[k], s.frames_alloc[k], "%s: %s frames",
			     guest, frame_kinds[k]);
		if (in_use[k] >= 0)
			cr_assert_eq((uint64_t)in_use[k], s.frames_now[k],
				     "%s: %s in use", guest, frame_kinds[k]);
	}
	jsonl_free(&t);
	guest_close(&g);
}

Test(trace, counts_of_each_kind_equal_the_statistics)
{
	/* Signals (1,500 faults a handler fixes), file faults, COW and
	 * anonymous memory, mremap. */
	counts_match_stats("signals");
	counts_match_stats("file_faults");
	counts_match_stats("determinism");
	counts_match_stats("mremap_move");
}

Test(trace, the_filter_keeps_only_the_kinds_asked_for)
{
	struct jsonl t;
	struct memu_stats s;
	struct guest g;
	traced_run("signals", MEMU_TRACE_SYSCALL | MEMU_TRACE_SIGNAL, &t, &s,
		   &g);
	json_t *kinds = json_object_get(t.header, "events");
	cr_assert_eq(json_array_size(kinds), 2);
	cr_assert_str_eq(json_string_value(json_array_get(kinds, 0)),
			 "syscall");
	cr_assert_str_eq(json_string_value(json_array_get(kinds, 1)), "signal");
	size_t sys = count(&t, "syscall", NULL, NULL);
	size_t sig = count(&t, "signal", NULL, NULL);
	cr_assert_eq(sys, s.syscalls);
	cr_assert_eq(sig, s.signals);
	cr_assert_geq(sig, 1502);
	cr_assert_eq(t.n, sys + sig);
	jsonl_free(&t);
	guest_close(&g);
}

/* Counting instructions must not change what the guest does or what the
 * machine counts. */
Test(trace, tracing_does_not_change_the_run)
{
	struct guest plain, traced;
	struct memu_stats a, b;
	guest_open(&plain, "signals", NULL);
	guest_finish(&plain);
	guest_stats(&plain, &a);
	FILE *f = fopen("/dev/null", "w");
	cr_assert(f);
	guest_open_traced(&traced, f, MEMU_TRACE_ALL, MEMU_TRACE_CHROME,
			  "signals", NULL);
	guest_finish(&traced);
	guest_stats(&traced, &b);
	cr_assert_eq(plain.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(traced.r.stop, MEMU_STOP_EXIT);
	cr_assert_str_eq(guest_stdout(&plain), guest_stdout(&traced));
	cr_assert(memcmp(&a, &b, sizeof(a)) == 0);
	cr_assert_eq(memu_instructions(plain.m), 0, "no trace, no count");
	cr_assert_gt(memu_instructions(traced.m), 100000);
	guest_close(&plain);
	guest_close(&traced);
	fclose(f);
}

/* ---- the command line */

static char tmpdir[64];

static void make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/memu-trace-XXXXXX");
	cr_assert(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static const char *tmp(const char *name)
{
	static char path[4][128];
	static int i;
	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, name);
	return path[i];
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "%s", path);
	char *buf = NULL;
	size_t cap = 0;
	FILE *m = open_memstream(&buf, &cap);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	if (len)
		*len = cap;
	return buf;
}

/* Run MEMU_BIN with args (NULL-terminated): its exit status, stdout and
 * stderr in the files out and err under tmpdir. */
static int memu_cli(const char *const *args)
{
	const char *argv[32] = {MEMU_BIN};
	for (int i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, tmp("out"),
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, tmp("err"),
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	int rc = posix_spawn(&pid, MEMU_BIN, &fa, NULL, (char *const *)argv,
			     environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0);
	int ws;
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFEXITED(ws), "memu died of signal %d", WTERMSIG(ws));
	return WEXITSTATUS(ws);
}

#define MEMU(...) memu_cli((const char *const[]){__VA_ARGS__, NULL})

/* A usage error: status 2, nothing on stdout, "memu: " and needle on
 * stderr's first line, and no trace file made. */
static void expect_usage_error(int status, const char *needle)
{
	cr_assert_eq(status, 2);
	char *out = slurp(tmp("out"), NULL), *err = slurp(tmp("err"), NULL);
	cr_assert_str_empty(out, "stdout: %s", out);
	cr_assert(!strncmp(err, "memu: ", 6), "stderr: %s", err);
	char *nl = strchr(err, '\n');
	cr_assert(nl);
	*nl = '\0';
	cr_assert(strstr(err, needle), "\"%s\" lacks \"%s\"", err, needle);
	cr_assert(access(tmp("trace"), F_OK) != 0, "a trace was written");
	free(out);
	free(err);
}

Test(trace, bad_options_are_usage_errors, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	const char *hello = guest_path("hello");
	expect_usage_error(MEMU("run", "--trace", tmp("trace"),
				"--trace-events", "fault,bogus", hello),
			   "--trace-events: unknown kind (fault, pte, frame, "
			   "tlb, syscall, signal, inject): fault,bogus");
	expect_usage_error(MEMU("run", "--trace", tmp("trace"),
				"--trace-events", "fault,,pte", hello),
			   "--trace-events: empty kind");
	expect_usage_error(MEMU("run", "--trace", tmp("trace"),
				"--trace-events", "", hello),
			   "--trace-events: empty kind");
	expect_usage_error(MEMU("run", "--trace", tmp("trace"),
				"--trace-format", "xml", hello),
			   "--trace-format takes jsonl or chrome: xml");
	expect_usage_error(MEMU("run", "--trace-events", "fault", hello),
			   "--trace-events needs --trace");
	expect_usage_error(MEMU("run", "--trace-format", "chrome", hello),
			   "--trace-format needs --trace");
	int st = MEMU("run", "--trace", "/nonexistent/dir/trace", hello);
	expect_usage_error(st, "memu: cannot write the trace: "
			       "/nonexistent/dir/trace: No such file or "
			       "directory");
	char *err = slurp(tmp("err"), NULL);
	cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1,
		     "not one line: %s", err);
	free(err);
}

/* A trace that cannot be written to the end: the guest runs, then one
 * line and status 74. */
Test(trace, a_trace_that_cannot_be_written_is_exit_status_74,
     .init = make_tmpdir, .fini = remove_tmpdir)
{
	cr_assert_eq(MEMU("run", "--trace", "/dev/full", guest_path("hello")),
		     74);
	char *out = slurp(tmp("out"), NULL), *err = slurp(tmp("err"), NULL);
	cr_assert_str_eq(out, "hello:\n");
	cr_assert_str_eq(err, "memu: cannot write the trace: /dev/full: No "
			      "space left on device\n");
	free(out);
	free(err);
}

/* The lines of --stats on stderr: the number after key. */
static uint64_t stat_line(const char *err, const char *key)
{
	const char *s = strstr(err, key);
	cr_assert(s, "no \"%s\" in:\n%s", key, err);
	return strtoull(s + strlen(key), NULL, 10);
}

static size_t lines_with(const char *text, const char *needle)
{
	size_t c = 0;
	for (const char *s = text; (s = strstr(s, needle)); s++)
		c++;
	return c;
}

Test(trace, the_same_run_gives_the_same_bytes, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	static const char *const formats[] = {"jsonl", "chrome"};
	for (int f = 0; f < 2; f++) {
		size_t len[2];
		char *bytes[2];
		for (int i = 0; i < 2; i++) {
			const char *name = i ? "trace2" : "trace1";
			int st = MEMU("run", "--stats", "--trace", tmp(name),
				      "--trace-format", formats[f],
				      guest_path("signals"));
			cr_assert_eq(st, 0);
			bytes[i] = slurp(tmp(name), &len[i]);
		}
		cr_assert_gt(len[0], 100000, "%s: %zu bytes", formats[f],
			     len[0]);
		cr_assert_eq(len[0], len[1], "%s", formats[f]);
		cr_assert(memcmp(bytes[0], bytes[1], len[0]) == 0, "%s",
			  formats[f]);
		/* And what --stats printed is what the trace holds. */
		char *err = slurp(tmp("err"), NULL);
		bool jsonl = f == 0;
		cr_assert_eq(lines_with(bytes[0], jsonl ? "\"ev\":\"syscall\""
							: "\"ph\":\"X\""),
			     stat_line(err, "  syscalls: "));
		cr_assert_eq(lines_with(bytes[0], jsonl ? "\"ev\":\"signal\""
							: "\"cat\":\"signal\""),
			     stat_line(err, "  signals delivered: "));
		cr_assert_eq(lines_with(bytes[0], jsonl ? "\"ev\":\"tlb\""
							: "\"cat\":\"tlb\""),
			     stat_line(err, "  TLB flushes: "));
		cr_assert_eq(lines_with(bytes[0], jsonl ? "\"ev\":\"pte\""
							: "\"cat\":\"pte\""),
			     stat_line(err, "  PTE writes: "));
		free(err);
		free(bytes[0]);
		free(bytes[1]);
	}
}

/* ---- the Chrome trace-event format */

static bool is_number(json_t *v)
{
	return json_is_integer(v) || json_is_real(v);
}

Test(trace, the_chrome_trace_follows_the_format, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	cr_assert_eq(MEMU("run", "--stats", "--trace", tmp("trace"),
			  "--trace-format", "chrome", guest_path("signals")),
		     0);
	char *err = slurp(tmp("err"), NULL);
	json_error_t e;
	json_t *top = json_load_file(tmp("trace"), JSON_REJECT_DUPLICATES, &e);
	cr_assert(json_is_object(top), "not JSON: line %d: %s", e.line, e.text);
	json_t *other = json_object_get(top, "otherData");
	cr_assert_eq(int_value(other, "version"), MEMU_TRACE_VERSION);
	json_t *events = json_object_get(top, "traceEvents");
	cr_assert(json_is_array(events));
	size_t n = json_array_size(events), slices = 0, faults = 0,
	       counters = 0, meta = 0;
	json_int_t last_ts = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(events, i);
		cr_assert(json_is_object(o), "event %zu", i);
		/* Every event: name, ph, ts, pid, tid. */
		str_value(o, "name");
		const char *ph = str_value(o, "ph");
		cr_assert(ONE_OF(ph, "X", "i", "C", "M"), "ph %s", ph);
		json_t *ts = json_object_get(o, "ts");
		cr_assert(is_number(ts), "event %zu: ts", i);
		int_value(o, "pid");
		int_value(o, "tid");
		json_t *args = json_object_get(o, "args");
		if (!strcmp(ph, "M")) {
			cr_assert_eq(meta, i, "metadata first");
			cr_assert(ONE_OF(str_value(o, "name"), "process_name",
					 "thread_name"));
			str_value(args, "name");
			meta++;
			continue;
		}
		/* Monotonic: never earlier than the event before. */
		cr_assert(json_integer_value(ts) >= last_ts,
			  "event %zu: ts %lld after %lld", i,
			  (long long)json_integer_value(ts),
			  (long long)last_ts);
		last_ts = json_integer_value(ts);
		str_value(o, "cat");
		if (!strcmp(ph, "X")) {
			json_t *dur = json_object_get(o, "dur");
			cr_assert(is_number(dur) && json_number_value(dur) >= 0,
				  "event %zu: dur", i);
			slices++;
		} else if (!strcmp(ph, "C")) {
			cr_assert(json_is_object(args) &&
					  json_object_size(args) > 0,
				  "event %zu: counter args", i);
			const char *key;
			json_t *v;
			json_object_foreach(args, key, v)
			{
				cr_assert(is_number(v), "counter %s", key);
			}
			counters++;
		} else {
			cr_assert(ONE_OF(str_value(o, "s"), "t", "p", "g"));
			faults += is(o, "name", "fault segv");
		}
		if (strcmp(ph, "C")) {
			cr_assert(json_is_object(args));
			cr_assert_eq(int_value(args, "n"),
				     json_integer_value(ts));
			hex_value(args, "rip");
		}
	}
	cr_assert_eq(meta, 2);
	cr_assert_eq(slices, stat_line(err, "  syscalls: "));
	cr_assert_eq(faults, stat_line(err, "SIGSEGV/SIGBUS  "));
	cr_assert_geq(counters, 1);
	json_decref(top);
	free(err);
}
