/* Def/use pruning of campaign experiments (docs/campaigns.md, "Pruning")
 * on guest/tests/defuse.c: a 64-byte buffer zeroed, half overwritten
 * after probe 1, read whole after probe 2; after probe 3 four of its
 * bytes go to write(2) and are then overwritten, after probe 4 only
 * overwritten; the same write-then-read as after probe 1 in a page the
 * CPU ran code from and in one it never did.
 *
 * The flip points are taken from the guest's probes (instruction counts
 * read through the library), two instructions into the nops after each:
 * past the probe's syscall, before the first write.  Which experiments
 * are pruned follows from the program alone: the bytes written after
 * probe 1 and read after probe 2, flipped at probe 1, in a page never
 * run, and the four overwritten after probe 4, flipped there; not those
 * flipped after probe 3, which the kernel reads first (the event rule),
 * nor anything else.  The soundness check runs the campaign again with
 * --no-prune: every pruned experiment must then run and be masked, and
 * every other line must be the same bytes.  Pruned results are the same
 * bytes with -j 1 and -j 2, with and without snapshots, and in pieces.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

static char dir[64];

static void make_dir(void)
{
	scratch_make(dir, "prune");
}

static void remove_dir(void)
{
	scratch_remove(dir);
}

TestSuite(prune, .init = make_dir, .fini = remove_dir);

static const char *in_dir(const char *name)
{
	static char path[8][256];
	static int k;
	char *p = path[k++ % 8];
	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

/* argv in dir: its exit status (0 expected); stdout in *out (malloc'd)
 * when out is not NULL. */
static int run_in_dir(char **out, const char *const *argv)
{
	struct cmd c;
	cmd_run(&c, dir, argv, NULL);
	cr_expect(c.status == 0, "memu exited %d: %s", c.status, c.err);
	if (out)
		*out = c.out;
	else
		free(c.out);
	free(c.err);
	return c.status;
}

/* memu with args (NULL-terminated) in dir, as run_in_dir. */
static int memu(char **out, const char *const *args)
{
	const char *argv[32] = {MEMU_BIN};
	for (int i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	return run_in_dir(out, argv);
}

/* A result line's command, through the shell with memu on the PATH: its
 * stdout (malloc'd); it must exit 0. */
static char *run_command(const char *line)
{
	json_t *j = json_loads(line, 0, NULL);
	cr_assert(j);
	char bin[4096], *cmd;
	snprintf(bin, sizeof(bin), "%s", MEMU_BIN);
	*strrchr(bin, '/') = '\0';
	cr_assert(asprintf(&cmd, "PATH='%s':\"$PATH\"; %s", bin,
			   json_string_value(json_object_get(j, "command"))) >
		  0);
	json_decref(j);
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	char *out;
	cr_assert_eq(run_in_dir(&out, argv), 0, "%s", cmd);
	free(cmd);
	return out;
}

#define MEMU(out, ...) memu((out), (const char *const[]){__VA_ARGS__, NULL})

/* ---- the guest's probes */

struct points {
	uint64_t code, data;  /* the two pages (the first probes' tags) */
	uint64_t buf, buf_pa; /* buf and its physical address */
	uint64_t at[4];	      /* the flip points after probes 1 to 4 */
};

static void find_points(struct points *p)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.stdin_fd = -1;
	cfg.stdout_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	cr_assert(cfg.stdout_fd >= 0);
	cfg.ram_bytes = 32ULL << 20;
	char err[256];
	struct memu *m = memu_new(&cfg, err, sizeof(err));
	cr_assert(m, "%s", err);
	cr_assert_eq(memu_count_instructions(m), 0);
	const char *argv[] = {guest_path("defuse"), NULL};
	cr_assert_eq(memu_load(m, argv[0], 1, argv, err, sizeof(err)), 0, "%s",
		     err);
	p->buf = guest_symbol("defuse", "dbuf");
	struct memu_result r;
	uint64_t tags[6];
	for (int i = 0; i < 6; i++) {
		memu_run(m, &r);
		cr_assert_eq(r.stop, MEMU_STOP_PROBE);
		tags[i] = r.probe_tag;
		if (i >= 2)
			p->at[i - 2] = memu_instructions(m) + 2;
	}
	cr_assert_eq(tags[2], 1);
	cr_assert_eq(tags[3], 2);
	cr_assert_eq(tags[4], 3);
	cr_assert_eq(tags[5], 4);
	p->code = tags[0];
	p->data = tags[1];
	struct memu_pte pte;
	memu_pte(m, p->buf, &pte);
	cr_assert(pte.present);
	p->buf_pa = pte.pfn << 12 | (p->buf & 0xfff);
	memu_run(m, &r);
	cr_assert_eq(r.stop, MEMU_STOP_EXIT);
	memu_free(m);
	close(cfg.stdout_fd);
}

/* Lines of the campaign, in order, and what the guest makes of them:
 * how many experiments each has, and which are pruned. */
static void write_campaign(const char *name, const struct points *p,
			   const char *extra)
{
	FILE *f = fopen(in_dir(name), "w");
	cr_assert(f);
	fprintf(f,
		"campaign 1\n"
		"guest %s\n"
		"ram 32M\n"
		"%s"
		/* 0-383: byte x bit x point; pruned: bytes 0-31 at 1 */
		"fault flip:va={@dbuf..@dbuf+63},bit={0,7}@insn={%lu,%lu,%lu}\n"
		/* 384-511: byte x point; pruned: bytes 0-31 at 1 */
		"fault flip:phys={%#lx..%#lx},bit=5@insn={%lu,%lu}\n"
		/* 512-543: a page the CPU ran code from: none */
		"fault flip:va={%#lx..%#lx},bit=1@insn=%lu\n"
		/* 544-575: the same in a page never run: all */
		"fault flip:va={%#lx..%#lx},bit=1@insn=%lu\n"
		/* 576-583: two flips, both overwritten: all */
		"fault flip:va={@dbuf..@dbuf+3},bit=2@insn=%lu "
		"flip:phys={%#lx..%#lx},bit=3@insn=%lu\n"
		/* 584-587: two flips, the second's byte read first: none */
		"fault flip:va={@dbuf..@dbuf+1},bit=2@insn=%lu "
		"flip:phys={%#lx..%#lx},bit=3@insn=%lu\n"
		/* 588-591: overwritten before read after probe 4: all (after
		 * probe 3, in line 1, the kernel reads them first: none) */
		"fault flip:va={@dbuf+32..@dbuf+35},bit=4@insn=%lu\n"
		/* 592-593: not at an instruction count: never pruned */
		"fault flip:va={@dbuf..@dbuf+1},bit=0@event=syscall#6\n",
		guest_path("defuse"), extra, p->at[0], p->at[1], p->at[2],
		p->buf_pa, p->buf_pa + 63, p->at[0], p->at[1], p->code + 64,
		p->code + 95, p->at[0], p->data + 64, p->data + 95, p->at[0],
		p->at[0], p->buf_pa + 4, p->buf_pa + 5, p->at[0], p->at[0],
		p->buf_pa + 32, p->buf_pa + 33, p->at[0], p->at[3]);
	cr_assert_eq(fclose(f), 0);
}

#define EXPERIMENTS 594

/* Whether experiment i is pruned, from the program's structure. */
static bool must_prune(int i)
{
	if (i < 384) /* ((byte * 2) + bit) * 3 + point */
		return i / 6 < 32 && i % 3 == 0;
	if (i < 512)
		return (i - 384) / 2 < 32 && (i - 384) % 2 == 0;
	return (i >= 544 && i < 584) || (i >= 588 && i < 592);
}

/* The lines of a results file: [0] the header. */
static char **lines_of(const char *name, int *n)
{
	char *text = slurp_path(in_dir(name));
	char **l = calloc(EXPERIMENTS + 2, sizeof(*l));
	cr_assert(l);
	*n = 0;
	for (char *s = text, *e; *s; s = e + 1) {
		e = strchr(s, '\n');
		cr_assert(e, "%s: a line without its newline", name);
		cr_assert_lt(*n, EXPERIMENTS + 1);
		l[(*n)++] = strndup(s, (size_t)(e - s));
	}
	free(text);
	return l;
}

static void free_lines(char **l, int n)
{
	for (int i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static bool same_file(const char *a, const char *b)
{
	char *x = slurp_path(in_dir(a)), *y = slurp_path(in_dir(b));
	bool same = !strcmp(x, y);
	free(x);
	free(y);
	return same;
}

Test(prune, the_guest_prints_what_it_prints_on_linux)
{
	same_output_as_linux("defuse", "sum ");
}

Test(prune, exactly_the_overwritten_flips_and_they_are_masked)
{
	struct points p;
	find_points(&p);
	write_campaign("d.campaign", &p, "");
	char *table;
	MEMU(&table, "campaign", "run", "d.campaign", "-o", "pruned.jsonl");
	int n;
	char **l = lines_of("pruned.jsonl", &n);
	cr_assert_eq(n, EXPERIMENTS + 1);
	int pruned = 0;
	for (int i = 0; i < EXPERIMENTS; i++) {
		json_error_t e;
		json_t *j = json_loads(l[i + 1], JSON_REJECT_DUPLICATES, &e);
		cr_assert(j, "%s: %s", e.text, l[i + 1]);
		cr_assert_eq(json_integer_value(json_object_get(j, "index")),
			     i);
		json_t *why = json_object_get(j, "pruned");
		cr_expect_eq(why != NULL, must_prune(i), "experiment %d: %s", i,
			     l[i + 1]);
		if (why) {
			pruned++;
			cr_expect_str_eq(
				json_string_value(json_object_get(j, "class")),
				"masked");
			/* No field it did not measure. */
			cr_expect_eq(json_object_size(j), 5, "%s", l[i + 1]);
			cr_expect(json_object_get(j, "command"));
			/* The write comes after the flip (before probe 2). */
			const char *w = json_string_value(why);
			unsigned long k1, k2;
			if (i >= 576 && i < 584) {
				cr_assert_eq(sscanf(w,
						    "written by instructions "
						    "%lu, %lu",
						    &k1, &k2),
					     2, "%s", w);
			} else {
				cr_assert_eq(sscanf(w,
						    "written by instruction "
						    "%lu",
						    &k1),
					     1, "%s", w);
				k2 = k1;
			}
			uint64_t from = i < 588 ? p.at[0] : p.at[3];
			uint64_t to = i < 588 ? p.at[1] : UINT64_MAX;
			cr_expect(k1 > from && k1 < to, "%s", w);
			cr_expect(k2 > from && k2 < to, "%s", w);
		}
		json_decref(j);
	}
	cr_assert_eq(pruned, 32 * 2 + 32 + 32 + 8 + 4);
	cr_expect(strstr(table, "\npruned: 140 (counted masked without "
				"running: each flipped byte is overwritten "
				"before it is next read)\n"),
		  "%s", table);
	cr_expect(!strstr(table, "pruning off"), "%s", table);
	free(table);
	/* A pruned line's command runs it: the golden run's output. */
	char *golden;
	MEMU(&golden, "run", "--ram", "32M", guest_path("defuse"));
	cr_assert(!strncmp(golden, "`cfi sum ", 9), "%s", golden);
	for (int i = 0; i < EXPERIMENTS; i += 576) {
		char *out = run_command(l[i + 1]);
		cr_expect_str_eq(out, golden, "%s", l[i + 1]);
		free(out);
	}
	free(golden);

	/* Soundness: each pruned experiment, run, is masked; every other
	 * line is the same bytes. */
	MEMU(NULL, "campaign", "run", "d.campaign", "-j", "2", "--no-prune",
	     "-o", "full.jsonl");
	int m;
	char **f = lines_of("full.jsonl", &m);
	cr_assert_eq(m, n);
	cr_assert_str_eq(f[0], l[0], "the same header");
	for (int i = 0; i < EXPERIMENTS; i++) {
		if (!strstr(l[i + 1], "\"pruned\":")) {
			cr_expect_str_eq(f[i + 1], l[i + 1]);
			continue;
		}
		json_t *j = json_loads(f[i + 1], 0, NULL);
		cr_assert(j);
		cr_expect_str_eq(json_string_value(json_object_get(j, "class")),
				 "masked", "experiment %d: %s", i, f[i + 1]);
		cr_expect(!json_object_get(j, "pruned"));
		json_decref(j);
	}
	free_lines(f, m);
	free_lines(l, n);
}

Test(prune, the_same_bytes_however_the_campaign_runs)
{
	struct points p;
	find_points(&p);
	write_campaign("d.campaign", &p, "");
	MEMU(NULL, "campaign", "run", "d.campaign", "-j", "1", "--no-snapshot",
	     "-o", "one.jsonl");
	MEMU(NULL, "campaign", "run", "d.campaign", "-j", "2", "-o",
	     "two.jsonl");
	cr_assert(same_file("one.jsonl", "two.jsonl"));
	MEMU(NULL, "campaign", "run", "d.campaign", "--range", "0-299", "-o",
	     "a.jsonl");
	MEMU(NULL, "campaign", "run", "d.campaign", "--range", "300-593", "-o",
	     "b.jsonl");
	MEMU(NULL, "campaign", "merge", "-o", "ab.jsonl", "a.jsonl", "b.jsonl");
	cr_assert(same_file("one.jsonl", "ab.jsonl"));
}

Test(prune, prune_no_runs_everything)
{
	struct points p;
	find_points(&p);
	write_campaign("d.campaign", &p, "prune no\n");
	char *table;
	MEMU(&table, "campaign", "run", "d.campaign", "-j", "2", "-o",
	     "all.jsonl");
	cr_expect(strstr(table, "\npruned: 0 (counted masked without "
				"running: each flipped byte is overwritten "
				"before it is next read)\n"
				"pruning off: prune no\n"),
		  "%s", table);
	char *text = slurp_path(in_dir("all.jsonl"));
	cr_expect(!strstr(text, "\"pruned\""));
	free(text);
	free(table);
}

Test(prune, the_prune_key_is_yes_or_no)
{
	FILE *f = fopen(in_dir("bad.campaign"), "w");
	cr_assert(f);
	fprintf(f,
		"campaign 1\nguest %s\nprune maybe\n"
		"fault flip:va={@dbuf},bit=0@insn=1\n",
		guest_path("defuse"));
	cr_assert_eq(fclose(f), 0);
	const char *argv[] = {MEMU_BIN, "campaign", "run", "bad.campaign",
			      NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, in_dir(".err"),
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char cwd[4096];
	cr_assert(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
	pid_t pid;
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv,
				 environ),
		     0);
	cr_assert_eq(chdir(cwd), 0);
	posix_spawn_file_actions_destroy(&fa);
	int ws;
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFEXITED(ws));
	cr_expect_eq(WEXITSTATUS(ws), 2);
	char *err = slurp_path(in_dir(".err"));
	cr_expect_str_eq(err, "memu: bad.campaign:3: prune: yes or no\n");
	free(err);
}
