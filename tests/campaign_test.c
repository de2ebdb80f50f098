/* Fault-injection campaigns (docs/campaigns.md): `memu campaign` run as
 * a user runs it, on the checksum guest (guest/demo/checksum.c), and the
 * instruction limit and pause it is built on (include/memu.h).
 *
 * Each experiment of the classification campaign is chosen for its one
 * exact outcome: a flip in a backed byte nobody reads is masked, a flip
 * in the input is SDC, RSP's bit 44 is SIGSEGV, a failed frame
 * allocation is retried (masked), EIO on the read is the program's own
 * detection (exit 3), a flipped loop bound is a hang stopped at exactly
 * the budget.  Every result line's command line is run again through
 * the shell and must end the same way.  The results file must be the
 * same bytes with -j 1, -j 2, without snapshots, after an interrupted
 * run resumed, and merged from --index/--range pieces.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

/* ---- running memu */

static char dir[64];

/* Run memu with the NULL-terminated args in the campaign directory. */
static void run_memu(struct cmd *p, const char *const *args)
{
	const char *argv[32] = {MEMU_BIN};
	for (int i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	cmd_run(p, dir, argv, NULL);
}

#define MEMU(p, ...) run_memu((p), (const char *const[]){__VA_ARGS__, NULL})

/* ---- the campaign directory */

static void make_dir(void)
{
	strcpy(dir, "/tmp/memu-campaign-XXXXXX");
	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	/* The checksum's input: 256 bytes, the same in every run. */
	char path[128];
	snprintf(path, sizeof(path), "%s/input.bin", dir);
	FILE *f = fopen(path, "wb");
	cr_assert(f);
	for (int i = 0; i < 256; i++)
		fputc((i * 37 + 11) & 0xff, f);
	cr_assert_eq(fclose(f), 0);
}

/* Parsed lines, released when the test ends. */
static json_t *held[256];
static int nheld;

static json_t *hold(json_t *j)
{
	cr_assert_lt(nheld, 256);
	return held[nheld++] = j;
}

static void remove_dir(void)
{
	while (nheld)
		json_decref(held[--nheld]);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(campaign, .init = make_dir, .fini = remove_dir);

static const char *in_dir(const char *name)
{
	static char path[8][256];
	static int k;
	char *p = path[k++ % 8];
	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(in_dir(name), "w");
	cr_assert(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* A campaign file on the checksum guest (2 rounds over input.bin) with
 * these lines after the common ones. */
static void write_campaign(const char *name, const char *lines)
{
	char *text;
	cr_assert(asprintf(&text,
			   "campaign 1\n"
			   "# the checksum of a file copied into the guest\n"
			   "guest %s\n"
			   "arg /input\n"
			   "arg 2\n"
			   "file input.bin:/input\n"
			   "ram 32M\n"
			   "%s",
			   guest_path("checksum"), lines) > 0);
	write_file(name, text);
	free(text);
}

static bool same_file(const char *a, const char *b)
{
	char *x = slurp_path(in_dir(a)), *y = slurp_path(in_dir(b));
	bool same = !strcmp(x, y);
	free(x);
	free(y);
	return same;
}

static int count_lines(const char *text)
{
	int n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* ---- results */

/* Line k (0: the header) of results file name, parsed. */
static json_t *line_of(const char *name, int k)
{
	char *text = slurp_path(in_dir(name));
	char *s = text;
	for (int i = 0; i < k && s; i++) {
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	cr_assert(s && *s, "%s has no line %d", name, k);
	*strchrnul(s, '\n') = '\0';
	json_error_t e;
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &e);
	cr_assert(j, "%s line %d: %s: %s", name, k, e.text, s);
	free(text);
	return hold(j);
}

static const char *str(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	cr_assert(json_is_string(v), "no string \"%s\"", key);
	return json_string_value(v);
}

static long long num(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	cr_assert(json_is_integer(v), "no integer \"%s\"", key);
	return json_integer_value(v);
}

/* Experiment i of results file name: its class, and exit status. */
static json_t *result(const char *name, int i)
{
	json_t *j = line_of(name, i + 1);
	cr_assert_eq(num(j, "index"), i);
	return j;
}

/* The count of a class in an outcome table. */
static long table_count(const char *table, const char *class)
{
	char key[32];
	snprintf(key, sizeof(key), "\n%-14s ", class);
	const char *s = strstr(table, key);
	cr_assert(s, "no %s in the table:\n%s", class, table);
	return strtol(s + strlen(key), NULL, 10);
}

/* The table's line of a class: count, rate, interval. */
static void expect_row(const char *table, const char *class, int count,
		       const char *rate, const char *interval)
{
	char want[128];
	snprintf(want, sizeof(want), "\n%-14s %8d %7s%%   %s\n", class, count,
		 rate, interval);
	cr_expect(strstr(table, want), "no \"%s\" in:\n%s", want + 1, table);
}

static void expect_class(json_t *j, const char *class, int exit)
{
	cr_expect_str_eq(str(j, "class"), class, "experiment %lld",
			 num(j, "index"));
	cr_expect_eq(num(j, "exit"), exit, "experiment %lld", num(j, "index"));
}

/* ---- the instruction limit and the pause (include/memu.h) */

static struct memu *counted(const char *guest)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.stdin_fd = -1;
	char err[256];
	struct memu *m = memu_new(&cfg, err, sizeof(err));
	cr_assert(m, "%s", err);
	cr_assert_eq(memu_count_instructions(m), 0);
	const char *argv[] = {guest_path(guest), NULL};
	cr_assert_eq(memu_load(m, guest_path(guest), 1, argv, err, sizeof(err)),
		     0, "%s", err);
	return m;
}

Test(limit, stops_before_the_next_instruction)
{
	/* guest/freestanding/icount.c: 16 retired before the store at
	 * ic_touch, whose anonymous fault has not happened. */
	struct memu *m = counted("icount");
	cr_assert_eq(memu_insn_limit(m, 16), 0);
	struct memu_result r;
	memu_run(m, &r);
	cr_assert_eq(r.stop, MEMU_STOP_LIMIT);
	cr_assert_eq(memu_instructions(m), 16);
	cr_assert_eq(r.rip, guest_symbol("icount", "ic_touch"));
	cr_assert_eq(memu_exit_code(&r), 124);
	struct memu_stats s;
	memu_get_stats(m, &s);
	cr_assert_eq(s.faults[MEMU_FAULT_ANON], 0);
	/* For good: running again changes nothing. */
	memu_run(m, &r);
	cr_assert_eq(r.stop, MEMU_STOP_LIMIT);
	cr_assert_eq(memu_instructions(m), 16);
	memu_free(m);
}

Test(limit, a_pause_then_the_rest_is_the_whole_run)
{
	struct memu *whole = counted("icount"), *m = counted("icount");
	struct memu_result w, r;
	memu_run(whole, &w);
	cr_assert_eq(w.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(memu_instructions(whole), 2040);
	cr_assert_eq(memu_pause_at(m, 16), 0);
	memu_run(m, &r);
	cr_assert_eq(r.stop, MEMU_STOP_PAUSE);
	cr_assert_eq(memu_instructions(m), 16);
	cr_assert_eq(r.rip, guest_symbol("icount", "ic_touch"));
	cr_assert_eq(memu_pause_at(m, 15), -1, "a count already passed");
	cr_assert_eq(memu_pause_at(m, 16), 0, "here: at once");
	memu_run(m, &r);
	cr_assert_eq(r.stop, MEMU_STOP_PAUSE);
	cr_assert_eq(memu_instructions(m), 16);
	memu_run(m, &r);
	cr_assert_eq(r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(r.signal, w.signal);
	cr_assert_eq(r.fault_addr, w.fault_addr);
	cr_assert_eq(memu_instructions(m), 2040);
	struct memu_stats a, b;
	memu_get_stats(whole, &a);
	memu_get_stats(m, &b);
	cr_assert_eq(memcmp(a.faults, b.faults, sizeof(a.faults)), 0);
	cr_assert_eq(a.syscalls, b.syscalls);
	cr_assert_eq(a.signals, b.signals);
	memu_free(whole);
	memu_free(m);
}

Test(limit, needs_the_counter)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	char err[256];
	struct memu *m = memu_new(&cfg, err, sizeof(err));
	cr_assert(m);
	cr_assert_eq(memu_insn_limit(m, 5), -1);
	cr_assert_eq(memu_pause_at(m, 5), -1);
	memu_free(m);
}

Test(campaign, insn_limit_on_the_command_line)
{
	struct cmd p;
	MEMU(&p, "run", "--insn-limit", "16", guest_path("icount"));
	cmd_expect_status(&p, 124);
	char want[160];
	snprintf(want, sizeof(want),
		 "memu: icount: stopped after 16 instructions at ip %#llx: "
		 "instruction limit\n",
		 (unsigned long long)guest_symbol("icount", "ic_touch"));
	cr_assert_str_eq(p.err, want);
	cmd_free(&p);
	MEMU(&p, "run", "--insn-limit", "0", guest_path("icount"));
	cmd_expect_status(&p, 2);
	cmd_free(&p);
}

/* ---- classification */

/* One experiment per line, each with one outcome. */
static const char classes_campaign[] =
	/* 0: a backed byte of input's page past the 256 read: masked */
	"fault flip:va={@input+2000},bit=3@event=syscall.read#2\n"
	/* 1: a bit of the input, after it is read: SDC */
	"fault flip:va={@input+5},bit=0@event=syscall.read#2\n"
	/* 2: RSP bit 44: the next push or call faults */
	"fault flip:reg=rsp,bit=44@insn=1000\n"
	/* 3: the first user frame allocation after the first fails: the
	 * fault is retried, as Linux does */
	"fault fail-alloc:times=1@event=frame-alloc#1\n"
	/* 4: the read fails: the program says so, exit 3 */
	"fault syscall:errno=EIO@event=syscall.read#1\n"
	/* 5: rounds += 2^40 after it is set: the loop never ends */
	"fault flip:va={@rounds+5},bit=0@event=syscall.read#2\n"
	/* 6: after the end: never fires */
	"fault flip:reg=rax,bit=0@insn={$insn+1}\n"
	"detected exit 3\n"
	"hang 2x+1000\n";

Test(campaign, each_experiment_has_its_exact_class)
{
	write_campaign("classes.campaign", classes_campaign);
	struct cmd p;
	MEMU(&p, "campaign", "run", "classes.campaign");
	cmd_expect_status(&p, 0);
	cr_assert_str_empty(p.err);
	json_t *h = line_of("classes.results.jsonl", 0);
	cr_assert_str_eq(str(h, "campaign"), "memu");
	cr_assert_eq(num(h, "experiments"), 7);
	json_t *gold = json_object_get(h, "golden");
	cr_assert_eq(num(gold, "exit"), 0);
	long long insns = num(gold, "instructions");
	cr_assert_eq(num(h, "budget"), 2 * insns + 1000);

	json_t *r = result("classes.results.jsonl", 0);
	expect_class(r, "masked", 0);
	cr_assert_str_eq(str(r, "stdout"), "same");
	cr_assert_eq(num(r, "instructions"), insns);
	cr_assert_eq(json_integer_value(
			     json_array_get(json_object_get(r, "fired"), 0)),
		     1);
	char want[64];
	snprintf(want, sizeof(want), "flip:va=%#llx,bit=3@event=syscall.read#2",
		 (unsigned long long)guest_symbol("checksum", "input") + 2000);
	cr_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(r, "specs"), 0)),
			 want);

	r = result("classes.results.jsonl", 1);
	expect_class(r, "sdc", 0);
	cr_assert_str_eq(str(r, "stdout"), "different");
	cr_assert_str_eq(str(r, "stderr"), "same");

	r = result("classes.results.jsonl", 2);
	expect_class(r, "crash", 128 + SIGSEGV);
	cr_assert_str_eq(str(r, "signal"), "SIGSEGV");
	cr_assert_eq(num(r, "si_code"), 1); /* SEGV_MAPERR */

	r = result("classes.results.jsonl", 3);
	expect_class(r, "masked", 0);

	r = result("classes.results.jsonl", 4);
	expect_class(r, "detected", 3);
	cr_assert_str_eq(str(r, "rule"), "exit 3");
	cr_assert_str_eq(str(r, "stderr"), "different");

	r = result("classes.results.jsonl", 5);
	expect_class(r, "hang", 124);
	cr_assert_str_eq(str(r, "reason"), "instruction limit");
	cr_assert_eq(num(r, "instructions"), 2 * insns + 1000);

	r = result("classes.results.jsonl", 6);
	expect_class(r, "masked", 0);
	cr_assert_eq(json_integer_value(
			     json_array_get(json_object_get(r, "fired"), 0)),
		     0);

	/* The table: 3 masked of 7 is 42.86%, Wilson [15.82%, 74.95%]; 1
	 * of 7 is 14.29%, [2.57%, 51.31%]. */
	cr_assert(strstr(p.out, "campaign classes.campaign: 7 of 7 "
				"experiments (every point of the fault "
				"space)\n"),
		  "%s", p.out);
	expect_row(p.out, "masked", 3, "42.86", "[15.82%, 74.95%]");
	expect_row(p.out, "crash", 1, "14.29", "[2.57%, 51.31%]");
	expect_row(p.out, "exit", 0, "0.00", "[0.00%, 35.43%]");
	cr_assert(strstr(p.out, "never fired: 1 (counted in their class)\n"),
		  "%s", p.out);
	cmd_free(&p);

	/* summary reads the same table back from the file. */
	struct cmd s;
	MEMU(&s, "campaign", "summary", "classes.results.jsonl");
	cmd_expect_status(&s, 0);
	MEMU(&p, "campaign", "run", "classes.campaign");
	cmd_expect_status(&p, 0);
	cr_assert_str_eq(s.out, p.out, "a rerun has nothing to do: same table");
	cmd_free(&s);
	cmd_free(&p);
}

Test(campaign, without_rules_another_exit_status_is_exit_and_stderr_rules)
{
	write_campaign(
		"exit.campaign",
		"fault syscall:errno={EIO,EINTR}@event=syscall.read#1\n");
	write_campaign("stderr.campaign",
		       "fault syscall:errno={EIO,EINTR}@event=syscall.read#1\n"
		       "detected stderr I/O error$\n");
	struct cmd p;
	MEMU(&p, "campaign", "run", "exit.campaign");
	cmd_expect_status(&p, 0);
	expect_class(result("exit.results.jsonl", 0), "exit", 3);
	expect_class(result("exit.results.jsonl", 1), "exit", 3);
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "stderr.campaign");
	cmd_expect_status(&p, 0);
	json_t *r = result("stderr.results.jsonl", 0);
	expect_class(r, "detected", 3);
	cr_assert_str_eq(str(r, "rule"), "stderr I/O error$");
	expect_class(result("stderr.results.jsonl", 1), "exit", 3);
	cmd_free(&p);
}

/* The command line of every result, run through the shell in the
 * campaign's directory, ends as the result says: its exit status, and
 * for a masked one the golden run's output. */
Test(campaign, every_command_line_reproduces_its_result)
{
	write_campaign("classes.campaign", classes_campaign);
	struct cmd p;
	MEMU(&p, "campaign", "run", "classes.campaign");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	char bin[4096];
	snprintf(bin, sizeof(bin), "%s", MEMU_BIN);
	*strrchr(bin, '/') = '\0';
	char *golden = NULL;
	for (int i = 0; i < 7; i++) {
		json_t *r = result("classes.results.jsonl", i);
		char *cmd;
		cr_assert(asprintf(&cmd, "PATH='%s':\"$PATH\"; %s", bin,
				   str(r, "command")) > 0);
		const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
		cmd_run(&p, dir, argv, NULL);
		cr_expect_eq(p.status, num(r, "exit"), "%s\n%s", cmd, p.err);
		if (i == 0)
			golden = strdup(p.out);
		if (!strcmp(str(r, "class"), "masked"))
			cr_expect_str_eq(p.out, golden, "%s", cmd);
		if (!strcmp(str(r, "class"), "sdc"))
			cr_expect_str_neq(p.out, golden, "%s", cmd);
		free(cmd);
		cmd_free(&p);
	}
	cr_assert(strstr(golden, "checksum ") && strstr(golden, "of 256 bytes"),
		  "%s", golden);
	free(golden);

	/* The failed allocation really failed one, and was retried. */
	json_t *r = result("classes.results.jsonl", 3);
	char *cmd;
	cr_assert(asprintf(&cmd, "PATH='%s':\"$PATH\"; %s", bin,
			   str(r, "command")) > 0);
	*strstr(cmd, "memu run") = '\0';
	char *full;
	cr_assert(asprintf(&full, "%smemu run --stats%s", cmd,
			   strstr(str(r, "command"), "memu run") + 8) > 0);
	const char *argv[] = {"/bin/sh", "-c", full, NULL};
	cmd_run(&p, dir, argv, NULL);
	cmd_expect_status(&p, 0);
	cr_assert(strstr(p.err, "frame allocations    1 (of 2 asked)"), "%s",
		  p.err);
	cmd_free(&p);
	free(cmd);
	free(full);
}

/* A flipped code byte is what the CPU fetches next, at once, whether the
 * experiment forks from a snapshot or runs from the start (where the
 * CPU is inside a translated block of the old bytes).  icount's loop,
 * "1: dec %ecx; jnz 1b" 10 bytes after ic_touch, runs dec at even
 * counts from 18 and jnz at odd ones; jnz's opcode 0x75 with bit 0
 * flipped is jz, not taken: the loop ends there and the 1,916 or 1,918
 * instructions of the loop left are never run (2,040 in all). */
Test(campaign, a_flipped_code_byte_takes_effect_at_once)
{
	char *text;
	cr_assert(asprintf(&text,
			   "campaign 1\n"
			   "guest %s\n"
			   "fault flip:va={@ic_touch+10},bit=0@insn={99,100}\n",
			   guest_path("icount")) > 0);
	write_file("code.campaign", text);
	free(text);
	struct cmd p;
	MEMU(&p, "campaign", "run", "code.campaign", "-o", "snap.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "code.campaign", "--no-snapshot", "-o",
	     "fresh.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	cr_assert(same_file("snap.jsonl", "fresh.jsonl"));
	json_t *h = line_of("snap.jsonl", 0);
	cr_assert_eq(num(json_object_get(h, "golden"), "instructions"), 2040);
	/* at 99 the next is jnz itself: out at once, 99 + 1 + 22 */
	json_t *r = result("snap.jsonl", 0);
	expect_class(r, "crash", 128 + SIGSEGV);
	cr_assert_eq(num(r, "instructions"), 2040 - 1918);
	/* at 100 the next is dec, then the flipped jnz */
	r = result("snap.jsonl", 1);
	expect_class(r, "crash", 128 + SIGSEGV);
	cr_assert_eq(num(r, "instructions"), 2040 - 1916);
}

/* The guest's stdin is the campaign's file in every experiment: a child
 * forked from a worker's machine reads it from where that machine had
 * got to, without moving the worker's own offset (they would share it).
 * spare is never read after it is written: every flip is masked. */
Test(campaign, stdin_is_read_whole_by_every_experiment)
{
	char *text;
	cr_assert(asprintf(&text,
			   "campaign 1\n"
			   "guest %s\n"
			   "arg -\n"
			   "arg 2\n"
			   "stdin input.bin\n"
			   "fault flip:va={@spare+100},bit=3@insn={100..$insn.."
			   "2000}\n",
			   guest_path("checksum")) > 0);
	write_file("stdin.campaign", text);
	free(text);
	struct cmd p;
	MEMU(&p, "campaign", "run", "stdin.campaign", "-j", "2");
	cmd_expect_status(&p, 0);
	json_t *h = line_of("stdin.results.jsonl", 0);
	long long n = num(h, "experiments");
	cr_assert_gt(n, 10);
	cr_assert_eq(num(json_object_get(h, "golden"), "stdout_bytes"),
		     (long long)strlen("checksum 00000000 of 256 bytes\n"));
	for (int i = 0; i < n; i++)
		expect_class(result("stdin.results.jsonl", i), "masked", 0);
	char want[32];
	snprintf(want, sizeof(want), "\n%-14s %8lld ", "masked", n);
	cr_assert(strstr(p.out, want), "%s", p.out);
	cmd_free(&p);
}

/* ---- determinism, resumption, pieces */

/* 40 experiments sampled from register flips at instruction counts (the
 * snapshot path) and input flips at a syscall (fresh runs). */
static const char sampled_campaign[] =
	"fault flip:reg={rax,rcx,rdx,rsi,rdi,rsp,r8,r10},bit={0..63}"
	"@insn={100..$insn..3000}\n"
	"fault flip:va={@input..@input+255},bit={0..7}"
	"@event=syscall.read#{1..$syscall.read}\n"
	"sample 40\n"
	"sample-seed 7\n"
	"detected exit 3\n"
	"hang 3x+1000\n";

Test(campaign, the_same_results_with_any_jobs_and_without_snapshots)
{
	write_campaign("s.campaign", sampled_campaign);
	struct cmd p;
	MEMU(&p, "campaign", "run", "s.campaign", "-j", "1", "-o", "j1.jsonl");
	cmd_expect_status(&p, 0);
	char *table = strdup(p.out);
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "s.campaign", "-j2", "-o", "j2.jsonl");
	cmd_expect_status(&p, 0);
	cr_assert_str_eq(p.out, table);
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "s.campaign", "-j", "2", "--no-snapshot",
	     "-o", "fresh.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	cr_assert(same_file("j1.jsonl", "j2.jsonl"));
	cr_assert(same_file("j1.jsonl", "fresh.jsonl"));
	char *text = slurp_path(in_dir("j1.jsonl"));
	cr_assert_eq(count_lines(text), 41);
	free(text);
	/* Several classes, or the comparison proves little. */
	cr_assert_gt(table_count(table, "masked"), 0, "%s", table);
	cr_assert_gt(table_count(table, "sdc"), 0, "%s", table);
	cr_assert_gt(table_count(table, "crash"), 0, "%s", table);
	free(table);
}

/* Faults at the Nth event fork from a snapshot taken just before the
 * instruction before the one that brings the event: events inside an
 * instruction (a syscall, a page fault, the frame allocation and TLB
 * flush inside those) and between two (a signal's delivery), an event
 * that never comes (the mprotect after the last), and an event fault
 * with an insn= fault in one experiment, and faults on each event with a
 * probability (they fork before the first event their draws pick).
 * The signals guest: 1,511 signals, 1,506 faults, 3,003 mprotects. */
Test(campaign, faults_at_events_fork_from_snapshots)
{
	char *text;
	cr_assert(
		asprintf(&text,
			 "campaign 1\n"
			 "guest %s\n"
			 "fault flip:reg={rax,rsp},bit=5@event=signal#{1..3}\n"
			 "fault "
			 "flip:reg=rip,bit=2@event=fault#{1..$fault..300}\n"
			 "fault lose-flush:count=1"
			 "@event=tlb-flush#{1..$tlb-flush..300}\n"
			 "fault fail-alloc:times=1"
			 "@event=frame-alloc#{1..$frame-alloc}\n"
			 "fault syscall:errno=EINTR@event=syscall#{1..40}\n"
			 "fault flip:reg=rdi,bit=0@event=syscall.mprotect#"
			 "{$syscall.mprotect,$syscall.mprotect+1}\n"
			 "fault flip:reg=rax,bit=1@event=fault.anon#2 "
			 "flip:reg=rbx,bit=1@insn=5000\n"
			 "fault syscall:errno=EINTR@event=syscall,p=0.05,"
			 "seed={1..3}\n"
			 "fault flip:reg=rax,bit=2@event=signal,p=0.01,"
			 "seed={1..2}\n"
			 "fault fail-alloc:times=1@event=frame-alloc,"
			 "p=0.000001,seed=1\n"
			 "hang 3x+10000\n",
			 guest_path("signals")) > 0);
	write_file("ev.campaign", text);
	free(text);
	struct cmd p;
	MEMU(&p, "campaign", "run", "ev.campaign", "-j", "2", "--stats", "-o",
	     "snap.jsonl");
	cmd_expect_status(&p, 0);
	char *table = strdup(p.out);
	cr_assert_str_eq(p.err, "memu: snapshots: 70 of the 70 experiments run "
				"forked from a snapshot\n");
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "ev.campaign", "-j", "2", "--no-snapshot",
	     "--stats", "-o", "fresh.jsonl");
	cmd_expect_status(&p, 0);
	cr_assert_str_eq(p.err, "memu: snapshots: 0 of the 70 experiments run "
				"forked from a snapshot\n");
	cmd_free(&p);
	json_t *h = line_of("snap.jsonl", 0);
	json_t *counts =
		json_object_get(json_object_get(h, "golden"), "counts");
	cr_assert_eq(num(counts, "frame-alloc"), 4);
	cr_assert_eq(num(counts, "fault"), 1506);
	cr_assert_eq(num(counts, "tlb-flush"), 1500);
	/* 6 + 6 + 5 + 4 + 40 + 2 + 1 + 3 + 2 + 1 */
	cr_assert_eq(num(h, "experiments"), 70);
	cr_assert(same_file("snap.jsonl", "fresh.jsonl"));
	/* The mprotect after the last never comes. */
	json_t *r = result("snap.jsonl", 62);
	cr_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(r, "specs"), 0)),
			 "flip:reg=rdi,bit=0@event=syscall.mprotect#3004");
	cr_assert_eq(json_integer_value(
			     json_array_get(json_object_get(r, "fired"), 0)),
		     0);
	/* Several classes, or the comparison proves little. */
	cr_assert_gt(table_count(table, "masked"), 0, "%s", table);
	cr_assert_gt(table_count(table, "sdc"), 0, "%s", table);
	cr_assert_gt(table_count(table, "crash"), 0, "%s", table);
	free(table);
}

/* Faults at an instruction's Nth execution fork from a snapshot just
 * before it: the golden run is run again to count the executions of
 * each instruction the fault space names.  musl's memcpy: its first
 * instruction, the movsb loop at +0x2c, and "rep movsq" at +0x24, whose
 * second iteration is an execution with the instructions retired of
 * the first (a pause cannot fall between two iterations: those run from
 * the start); read and __lock run twice and once (#3 to #6 never
 * come). */
Test(campaign, faults_at_an_instructions_nth_execution_fork_from_snapshots)
{
	write_campaign("rip.campaign",
		       "fault flip:reg={rax,rcx,rsi},bit=2@rip={@memcpy,"
		       "@memcpy+0x24,@read,@__lock,@memcpy+0x2c}#{1..6}\n"
		       "hang 3x+10000\n");
	struct cmd p;
	MEMU(&p, "campaign", "run", "rip.campaign", "-j", "2", "--stats", "-o",
	     "snap.jsonl");
	cmd_expect_status(&p, 0);
	char *table = strdup(p.out);
	/* 6 of the 90 at "rep movsq": #2 and #4 are second iterations. */
	cr_assert_str_eq(p.err, "memu: snapshots: 84 of the 90 experiments run "
				"forked from a snapshot\n");
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "rip.campaign", "-j", "2", "--no-snapshot",
	     "-o", "fresh.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	cr_assert(same_file("snap.jsonl", "fresh.jsonl"));
	cr_assert_gt(table_count(table, "masked"), 0, "%s", table);
	cr_assert_gt(table_count(table, "sdc"), 0, "%s", table);
	cr_assert_gt(table_count(table, "crash"), 0, "%s", table);
	free(table);
}

Test(campaign, a_resumed_run_gives_the_same_file)
{
	write_campaign("s.campaign", sampled_campaign);
	struct cmd p;
	MEMU(&p, "campaign", "run", "s.campaign", "-j", "2", "-o", "all.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	/* Some experiments first, then the whole campaign. */
	MEMU(&p, "campaign", "run", "s.campaign", "--range", "5-12", "-o",
	     "part.jsonl");
	cmd_expect_status(&p, 0);
	cr_assert_str_empty(p.out, "no table for a range");
	cmd_free(&p);
	char *text = slurp_path(in_dir("part.jsonl"));
	cr_assert_eq(count_lines(text), 9);
	free(text);
	MEMU(&p, "campaign", "run", "s.campaign", "-o", "part.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	cr_assert(same_file("all.jsonl", "part.jsonl"));
	/* A file cut in the middle of a line, as an interrupted write
	 * leaves it. */
	text = slurp_path(in_dir("all.jsonl"));
	char *cut = strchr(strchr(strchr(text, '\n') + 1, '\n') + 1, '\n');
	cut[-20] = '\0';
	write_file("cut.jsonl", text);
	free(text);
	MEMU(&p, "campaign", "run", "s.campaign", "-j", "2", "-o", "cut.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	cr_assert(same_file("all.jsonl", "cut.jsonl"));
}

Test(campaign, an_interrupted_run_goes_on)
{
	write_campaign("s.campaign", sampled_campaign);
	struct cmd p;
	MEMU(&p, "campaign", "run", "s.campaign", "-j", "2", "-o", "all.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	/* ^C once three results are in (the file is polled; the guard only
	 * stops a hung run). */
	const char *argv[] = {MEMU_BIN,	    "campaign",	 "run",
			      "s.campaign", "-j",	 "1",
			      "-o",	    "int.jsonl", NULL};
	pid_t pid = cmd_spawn(dir, argv, NULL);
	for (int tries = 0; tries < 120000; tries++) {
		if (!access(in_dir("int.jsonl"), R_OK)) {
			char *t = slurp_path(in_dir("int.jsonl"));
			int n = count_lines(t);
			free(t);
			if (n >= 4)
				break;
		}
		poll(NULL, 0, 1);
	}
	kill(pid, SIGINT);
	cmd_wait(&p, dir, pid);
	char *text = slurp_path(in_dir("int.jsonl"));
	if (p.status == 130) {
		cr_assert(strstr(p.err, "memu: campaign interrupted: "), "%s",
			  p.err);
		cr_assert_lt(count_lines(text), 41);
		cr_assert_geq(count_lines(text), 4);
	} else {
		cmd_expect_status(&p, 0); /* it won the race: done already */
	}
	free(text);
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "s.campaign", "-j", "2", "-o", "int.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	cr_assert(same_file("all.jsonl", "int.jsonl"));
}

Test(campaign, index_and_range_pieces_merge_into_the_whole)
{
	write_campaign("s.campaign", sampled_campaign);
	struct cmd p;
	MEMU(&p, "campaign", "count", "s.campaign");
	cmd_expect_status(&p, 0);
	cr_assert_str_eq(p.out, "40\n");
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "s.campaign", "-o", "all.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "s.campaign", "--index", "3", "-o",
	     "a.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	char *a = slurp_path(in_dir("a.jsonl"));
	cr_assert_eq(count_lines(a), 2);
	free(a);
	MEMU(&p, "campaign", "run", "s.campaign", "--range", "0-20", "-o",
	     "b.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "s.campaign", "--range", "21-39", "-o",
	     "c.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	MEMU(&p, "campaign", "merge", "-o", "merged.jsonl", "c.jsonl",
	     "a.jsonl", "b.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	cr_assert(same_file("all.jsonl", "merged.jsonl"));
	MEMU(&p, "campaign", "merge", "c.jsonl", "b.jsonl");
	cmd_expect_status(&p, 0);
	char *all = slurp_path(in_dir("all.jsonl"));
	cr_assert_str_eq(p.out, all, "merged on stdout");
	cmd_free(&p);

	/* Experiment 1 found twice, in two classes. */
	json_t *one = result("all.jsonl", 1);
	const char *was = str(one, "class");
	json_object_set_new(one, "class",
			    json_string(strcmp(was, "hang") ? "hang" : "sdc"));
	char *line = json_dumps(one, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *bad;
	cr_assert(asprintf(&bad, "%.*s%s\n", (int)(strchr(all, '\n') - all + 1),
			   all, line) > 0);
	write_file("bad.jsonl", bad);
	free(bad);
	free(line);
	MEMU(&p, "campaign", "merge", "all.jsonl", "bad.jsonl");
	cmd_expect_status(&p, 1);
	cr_assert_str_empty(p.out);
	cr_assert(strstr(p.err, "memu: campaign merge: ") &&
			  strstr(p.err, "experiment 1 has two different "
					"results") &&
			  count_lines(p.err) == 1,
		  "%s", p.err);
	cmd_free(&p);

	/* Another campaign's results. */
	write_campaign("other.campaign", "fault flip:reg=rax,bit=1@insn=5\n");
	MEMU(&p, "campaign", "run", "other.campaign");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	MEMU(&p, "campaign", "merge", "all.jsonl", "other.results.jsonl");
	cmd_expect_status(&p, 2);
	cr_assert(strstr(p.err, "the headers differ") &&
			  count_lines(p.err) == 1,
		  "%s", p.err);
	cmd_free(&p);
	/* ... and a run into them refuses. */
	MEMU(&p, "campaign", "run", "s.campaign", "-o", "other.results.jsonl");
	cmd_expect_status(&p, 2);
	cr_assert(strstr(p.err, "holds the results of another campaign") &&
			  count_lines(p.err) == 1,
		  "%s", p.err);
	cmd_free(&p);
	free(all);
}

Test(campaign, counts_and_symbols_size_the_fault_space)
{
	/* 2 reads, 8 bits, 3 words, 4 bytes; a range that is empty. */
	write_campaign("n.campaign",
		       "fault syscall:errno=EIO@event=syscall.read#{1..$"
		       "syscall.read}\n"
		       "fault flip:va={@input..@input+3},bit={0..7}@insn=9 "
		       "flip:reg={rax,rbx,r15},bit=1@insn=10\n"
		       "fault flip:reg=rax,bit=1@insn={$insn+5..$insn}\n");
	struct cmd p;
	MEMU(&p, "campaign", "count", "n.campaign");
	cmd_expect_status(&p, 0);
	cr_assert_str_eq(p.out, "98\n");
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "n.campaign", "--index", "97");
	cmd_expect_status(&p, 0);
	json_t *r = line_of("n.results.jsonl", 1);
	json_t *specs = json_object_get(r, "specs");
	cr_assert_eq(json_array_size(specs), 2, "two faults an experiment");
	char want[64];
	snprintf(want, sizeof(want), "flip:va=%#llx,bit=7@insn=9",
		 (unsigned long long)guest_symbol("checksum", "input") + 3);
	cr_assert_str_eq(json_string_value(json_array_get(specs, 0)), want);
	cr_assert_str_eq(json_string_value(json_array_get(specs, 1)),
			 "flip:reg=r15,bit=1@insn=10");
	cmd_free(&p);
}

/* ---- bad campaign files: one line, exit status 2, nothing run */

struct bad_case {
	const char *text; /* %s: the guest */
	const char *line; /* what stderr must hold */
};

Test(campaign, bad_files_are_one_line_and_exit_2)
{
	static const struct bad_case cases[] = {
		{"guest %s\n",
		 "b.campaign:1: the first setting is 'campaign 1'"},
		{"campaign 2\n",
		 "b.campaign:1: campaign: this memu reads version "
		 "1, not '2'"},
		{"", "b.campaign: empty: the first setting is 'campaign 1'"},
		{"campaign 1\nguest %s\n", "b.campaign: no fault"},
		{"campaign 1\nfault flip:reg=rax,bit=1@insn=1\n",
		 "b.campaign: no guest"},
		{"campaign 1\nguest %s\nguest %s\n",
		 "b.campaign:3: guest given twice (line 2)"},
		{"campaign 1\nguest %s\nmelt down\n",
		 "b.campaign:3: unknown key 'melt'"},
		{"campaign 1\nguest %s\nram lots\n",
		 "b.campaign:3: ram: not a size: 'lots'"},
		{"campaign 1\nguest %s\nseed 010x\n",
		 "b.campaign:3: seed: not a number: '010x'"},
		{"campaign 1\nguest %s\nfault melt:x=1@insn=1\n",
		 "b.campaign:3: melt:x=1@insn=1: unknown fault 'melt'"},
		{"campaign 1\nguest %s\nfault "
		 "flip:va=0x1000,bit={0..8}@insn=1\n",
		 "b.campaign:3: flip:va=0x1000,bit=8@insn=1: bit: 8 is out of "
		 "range (at most 7)"},
		{"campaign 1\nguest %s\nfault "
		 "flip:reg={rax,foo},bit=1@insn=1\n",
		 "b.campaign:3: flip:reg=foo,bit=1@insn=1: unknown register "
		 "'foo'"},
		{"campaign 1\nguest %s\nfault flip:phys={0..0x20000000},bit=1@"
		 "insn=1\n",
		 "b.campaign:3: flip:phys=0x20000000,bit=1@insn=1: "
		 "phys=0x20000000 is past RAM (262144 KiB)"},
		{"campaign 1\nguest %s\nfault flip:va={@nosuch},bit=1@insn=1\n",
		 "has no symbol 'nosuch'"},
		{"campaign 1\nguest %s\nfault "
		 "flip:reg=rax,bit=1@insn={1..$nope}\n",
		 "b.campaign:3: unknown count '$nope'"},
		{"campaign 1\nguest %s\nfault flip:reg=rax,bit=1@insn={1..2\n",
		 "b.campaign:3: '{' without '}'"},
		{"campaign 1\nguest %s\nfault "
		 "flip:reg=rax,bit=1@insn={1..5..0}\n",
		 "b.campaign:3: a range's step is at least 1"},
		{"campaign 1\nguest %s\nfault "
		 "flip:reg=rax,bit=1@insn={0..$insn-"
		 "99999999}\n",
		 "b.campaign:3: a range bound is below 0 or too large"},
		{"campaign 1\nguest %s\nhang ten\n",
		 "b.campaign:3: hang: FACTORx+ADD"},
		{"campaign 1\nguest %s\ndetected stdout (\n",
		 "b.campaign:3: detected stdout: bad regular expression"},
		{"campaign 1\nguest %s\ndetected signal SIGNOPE\n",
		 "b.campaign:3: detected signal: unknown signal 'SIGNOPE'"},
		{"campaign 1\r\n", "b.campaign:1: a carriage return"},
		{"campaign 1\nguest %s\nsample 0\n", "b.campaign:3: sample: at "
						     "least 1"},
		{"campaign 1\nguest /nonexistent/guest\nfault flip:reg=rax,bit="
		 "1@insn=1\n",
		 "b.campaign: the golden run: /nonexistent/guest: No such file "
		 "or directory"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text;
		const char *g = guest_path("checksum");
		cr_assert(asprintf(&text, cases[i].text, g, g) >= 0);
		write_file("b.campaign", text);
		struct cmd p;
		MEMU(&p, "campaign", "run", "b.campaign");
		cmd_expect_status(&p, 2);
		cr_expect_str_empty(p.out);
		cr_expect(!strncmp(p.err, "memu: ", 6) &&
				  count_lines(p.err) == 1 &&
				  strstr(p.err, cases[i].line),
			  "case %zu: want \"%s\", stderr:\n%s", i,
			  cases[i].line, p.err);
		cr_expect(access(in_dir("b.results.jsonl"), F_OK) != 0,
			  "case %zu: a results file", i);
		free(text);
		cmd_free(&p);
	}
	struct cmd p;
	MEMU(&p, "campaign", "run", "nonexistent.campaign");
	cmd_expect_status(&p, 2);
	cr_assert_str_eq(p.err, "memu: nonexistent.campaign: No such file or "
				"directory\n");
	cmd_free(&p);
	MEMU(&p, "campaign", "run", "b.campaign", "-j", "0");
	cmd_expect_status(&p, 2);
	cmd_free(&p);
	write_campaign("b.campaign", "fault flip:reg=rax,bit=1@insn=1\n");
	MEMU(&p, "campaign", "run", "b.campaign", "--index", "1");
	cmd_expect_status(&p, 2);
	cr_assert_str_eq(p.err, "memu: b.campaign: experiments are numbered 0 "
				"to 0 (1 in all)\n");
	cmd_free(&p);
}
