/* memu campaign slurm (docs/campaigns.md, "Slurm") on a real Slurm: a
 * one-node cluster of Debian's slurm-wlm and munge, started for the test
 * by tests/slurm/cluster in a directory of its own, on ports nothing
 * else uses.
 *
 * A campaign of 40 experiments on the checksum guest, 4 an array task
 * with at most 6 tasks an array, is 10 array tasks in two submissions.
 * --dry-run writes the script and submits nothing; a failing sbatch is
 * one line; --wait runs it, merges it, and the results file and the
 * table are the same bytes as a local `memu campaign run -j 2` of the
 * same campaign.  No Slurm is no skip: the cluster does not start and
 * the test fails (scripts/test installs Slurm).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

static char dir[64];
static bool cluster_up;
static const char *const daemons[] = {"munged", "slurmctld", "slurmd"};
static pid_t daemon_pid[3];

/* ---- processes */

static const char *in_dir(const char *name)
{
	static char path[8][256];
	static int k;
	char *p = path[k++ % 8];
	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

/* Run argv (argv[0] a path) in dir with environment envp. */
static void run_env(struct cmd *p, const char *const *argv, char *const *envp)
{
	cmd_run(p, dir, argv, envp);
}

static void run_memu(struct cmd *p, const char *const *args)
{
	const char *argv[32] = {MEMU_BIN};
	for (int i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	run_env(p, argv, environ);
}

#define MEMU(p, ...) run_memu((p), (const char *const[]){__VA_ARGS__, NULL})

static int count_lines(const char *text)
{
	int n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* Files matching pattern in dir. */
static size_t count_files(const char *pattern)
{
	glob_t g;
	int rc = glob(in_dir(pattern), 0, NULL, &g);
	cr_assert(rc == 0 || rc == GLOB_NOMATCH);
	size_t n = rc ? 0 : g.gl_pathc;
	if (!rc)
		globfree(&g);
	return n;
}

static bool same_file(const char *a, const char *b)
{
	char *x = slurp_path(in_dir(a)), *y = slurp_path(in_dir(b));
	bool same = *x && !strcmp(x, y);
	free(x);
	free(y);
	return same;
}

/* ---- the cluster */

/* A port P with P + 1 free too, for slurmctld and slurmd. */
static int free_ports(void)
{
	for (int tries = 0; tries < 100; tries++) {
		int a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int b = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		cr_assert(a >= 0 && b >= 0);
		struct sockaddr_in sa = {.sin_family = AF_INET};
		socklen_t len = sizeof(sa);
		cr_assert_eq(bind(a, (struct sockaddr *)&sa, sizeof(sa)), 0);
		cr_assert_eq(getsockname(a, (struct sockaddr *)&sa, &len), 0);
		int port = ntohs(sa.sin_port);
		sa.sin_port = htons((uint16_t)(port + 1));
		bool ok = port < 65535 &&
			  !bind(b, (struct sockaddr *)&sa, sizeof(sa));
		close(a);
		close(b);
		if (ok)
			return port;
	}
	cr_assert_fail("no two free ports in a row");
	return 0;
}

static void make_dir(void)
{
	strcpy(dir, "/tmp/memu-slurm-XXXXXX");
	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* tests/slurm/cluster WHAT DIR/cluster [PORT PID]. */
static void cluster(struct cmd *p, const char *what, const char *port,
		    const char *pid)
{
	const char *argv[] = {SLURM_CLUSTER, what, in_dir("cluster"),
			      port,	     pid,  NULL};
	run_env(p, argv, environ);
}

static void cluster_start(void)
{
	make_dir();
	char port[16], pid[16];
	snprintf(port, sizeof(port), "%d", free_ports());
	/* If this process is killed, the cluster stops by itself. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	struct cmd p;
	cluster(&p, "start", port, pid);
	if (p.status) {
		/* It stopped what it started; the directory goes too (a
		 * failed setup has no teardown). */
		remove_dir();
		cr_assert_fail("tests/slurm/cluster start: exit status %d:\n%s",
			       p.status, p.err);
	}
	cluster_up = true;
	/* "export SLURM_CONF=PATH": the clients' configuration. */
	char want[256];
	snprintf(want, sizeof(want), "export SLURM_CONF=%s\n",
		 in_dir("cluster/slurm.conf"));
	cr_assert_str_eq(p.out, want);
	cr_assert_eq(setenv("SLURM_CONF", in_dir("cluster/slurm.conf"), 1), 0);
	cmd_free(&p);
	for (int i = 0; i < 3; i++) {
		char name[64];
		snprintf(name, sizeof(name), "cluster/run/%s.pid", daemons[i]);
		char *text = slurp_path(in_dir(name));
		daemon_pid[i] = atoi(text);
		free(text);
		cr_assert_gt(daemon_pid[i], 0, "%s", name);
	}
}

/* Whether process pid runs (a zombie does not). */
static bool running(pid_t pid)
{
	char path[64], stat[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	const char *s = strrchr(stat, ')');
	return s && s[1] == ' ' && s[2] != 'Z' && s[2] != 'X';
}

/* Stop the cluster: at the end of the test, where what is checked
 * counts, or in the teardown after a failure. */
static void cluster_stop(void)
{
	if (!cluster_up)
		return;
	struct cmd p;
	cluster(&p, "stop", NULL, NULL);
	cluster_up = false;
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	/* Gone: no pid file left, and none of the daemons. */
	cr_assert_eq(count_files("cluster/run/*.pid"), 0);
	for (int i = 0; i < 3; i++)
		cr_assert(!running(daemon_pid[i]), "%s (pid %d) runs",
			  daemons[i], (int)daemon_pid[i]);
}

static void teardown(void)
{
	cluster_stop();
	remove_dir();
}

TestSuite(slurm, .init = cluster_start, .fini = teardown);

/* ---- the campaign */

/* The checksum guest's 256 bytes of input and a campaign of 40
 * experiments sampled from register flips at instruction counts (the
 * snapshot path) and input flips at a syscall (fresh runs), as in
 * tests/campaign_test.c. */
static void write_campaign(void)
{
	FILE *f = fopen(in_dir("input.bin"), "wb");
	cr_assert(f);
	for (int i = 0; i < 256; i++)
		fputc((i * 37 + 11) & 0xff, f);
	cr_assert_eq(fclose(f), 0);
	f = fopen(in_dir("s.campaign"), "w");
	cr_assert(f);
	fprintf(f,
		"campaign 1\n"
		"guest %s\n"
		"arg /input\n"
		"arg 2\n"
		"file input.bin:/input\n"
		"ram 32M\n"
		"fault flip:reg={rax,rcx,rdx,rsi,rdi,rsp,r8,r10},bit={0..63}"
		"@insn={100..$insn..3000}\n"
		"fault flip:va={@input..@input+255},bit={0..7}"
		"@event=syscall.read#{1..$syscall.read}\n"
		"sample 40\n"
		"sample-seed 7\n"
		"detected exit 3\n"
		"hang 3x+1000\n",
		guest_path("checksum"));
	cr_assert_eq(fclose(f), 0);
}

/* The jobs the cluster knows, in any state: squeue's lines. */
static char *jobs(void)
{
	const char *argv[] = {"/usr/bin/squeue", "-h", "-t", "all", "-o",
			      "%i %T",		 NULL};
	struct cmd p;
	run_env(&p, argv, environ);
	cmd_expect_status(&p, 0);
	free(p.err);
	return p.out;
}

Test(slurm, a_job_array_gives_the_local_runs_bytes)
{
	write_campaign();
	char *q = jobs();
	cr_assert_str_empty(q, "a new cluster has no jobs: %s", q);
	free(q);

	/* --dry-run: the script, the command lines, nothing submitted.
	 * 10 tasks, 6 an array: two submissions, the second after the
	 * first (the limit of 2 holds for the whole campaign). */
	struct cmd p;
	MEMU(&p, "campaign", "slurm", "s.campaign", "--chunk", "4",
	     "--max-array-size", "6", "--max-concurrent", "2", "--dry-run");
	cmd_expect_status(&p, 0);
	cr_assert_str_empty(p.err);
	char *want;
	cr_assert(asprintf(&want,
			   "memu campaign slurm: s.campaign: 40 experiments, "
			   "10 array tasks of up to 4, 2 submissions "
			   "(MaxArraySize 6)\n"
			   "j0=$(sbatch --parsable --array=0-5%%2 "
			   "%s/s.slurm/job.sh 0)\n"
			   "j1=$(sbatch --parsable --array=0-3%%2 "
			   "--dependency=afterany:$j0 %s/s.slurm/job.sh 6)\n"
			   "when they are done: %s campaign merge -o "
			   "%s/s.results.jsonl %s/s.slurm/part-*.jsonl\n",
			   dir, dir, MEMU_BIN, dir, dir) > 0);
	cr_assert_str_eq(p.out, want);
	free(want);
	cmd_free(&p);
	char *script = slurp_path(in_dir("s.slurm/job.sh"));
	cr_assert(!strncmp(script, "#!/bin/sh\n", 10));
	cr_assert(strstr(script, "\n#SBATCH --array=0-5%2\n"), "%s", script);
	char out[160];
	snprintf(out, sizeof(out), "\n#SBATCH --output=%s/logs/%%A_%%a.out\n",
		 in_dir("s.slurm"));
	cr_assert(strstr(script, out), "%s", script);
	free(script);
	struct stat st;
	cr_assert_eq(stat(in_dir("s.slurm/job.sh"), &st), 0);
	cr_assert(st.st_mode & S_IXUSR);
	cr_assert_eq(count_files("s.slurm/part-*"), 0);
	q = jobs();
	cr_assert_str_empty(q, "--dry-run submitted: %s", q);
	free(q);

	/* sbatch refuses: its reason in one line, exit status 1. */
	MEMU(&p, "campaign", "slurm", "s.campaign", "--chunk", "4",
	     "--sbatch-arg=--partition=nosuch");
	cmd_expect_status(&p, 1);
	cr_assert_str_empty(p.out);
	cr_assert(count_lines(p.err) == 1 &&
			  strstr(p.err, "memu: campaign slurm: sbatch failed "
					"(exit status 1): ") &&
			  strstr(p.err, "Invalid partition"),
		  "%s", p.err);
	cmd_free(&p);

	/* The real thing: 10 array tasks, two jobs. */
	MEMU(&p, "campaign", "slurm", "s.campaign", "--chunk", "4",
	     "--max-array-size", "6", "--max-concurrent", "2", "--wait");
	cmd_expect_status(&p, 0);
	char *table = p.out;
	p.out = NULL;
	cr_assert(strstr(p.err, "2 submissions (MaxArraySize 6)\n"), "%s",
		  p.err);
	char id[2][32];
	const char *s = strstr(p.err, "submitted batch job ");
	cr_assert(s && sscanf(s,
			      "submitted batch job %31[0-9]: array tasks "
			      "0-5, experiments 0-23\n",
			      id[0]) == 1,
		  "%s", p.err);
	s = strstr(s + 1, "submitted batch job ");
	cr_assert(s && sscanf(s,
			      "submitted batch job %31[0-9]: array tasks "
			      "0-3, experiments 24-39\n",
			      id[1]) == 1,
		  "%s", p.err);
	cr_assert_eq(count_lines(p.err), 3, "%s", p.err);
	cmd_free(&p);
	/* Each array task wrote its part and its log. */
	cr_assert_eq(count_files("s.slurm/part-*.jsonl"), 10);
	for (int t = 0; t < 10; t++) {
		char part[64];
		snprintf(part, sizeof(part), "s.slurm/part-%06d.jsonl", t * 4);
		char *text = slurp_path(in_dir(part));
		cr_assert_eq(count_lines(text), 5, "%s: a header, 4 results",
			     part);
		free(text);
	}
	char logs[64];
	snprintf(logs, sizeof(logs), "s.slurm/logs/%s_[0-5].out", id[0]);
	cr_assert_eq(count_files(logs), 6);
	snprintf(logs, sizeof(logs), "s.slurm/logs/%s_[0-3].out", id[1]);
	cr_assert_eq(count_files(logs), 4);
	cr_assert_eq(count_files("s.slurm/logs/*_*.out"), 10);

	/* The same campaign here, -j 2: the same bytes, the same table. */
	MEMU(&p, "campaign", "run", "s.campaign", "-j", "2", "-o",
	     "local.jsonl");
	cmd_expect_status(&p, 0);
	cr_assert(same_file("s.results.jsonl", "local.jsonl"));
	cr_assert_str_eq(table, p.out);
	cr_assert(strstr(table, "campaign s.campaign: 40 of 40 experiments"),
		  "%s", table);
	cmd_free(&p);
	free(table);

	/* Again, every part complete (each task repeats only the golden
	 * run), without the limit: the same results. */
	MEMU(&p, "campaign", "slurm", "s.campaign", "--chunk", "4",
	     "--max-array-size", "6", "--wait", "-o", "again.jsonl");
	cmd_expect_status(&p, 0);
	cmd_free(&p);
	cr_assert(same_file("again.jsonl", "local.jsonl"));
	cr_assert_eq(count_files("s.slurm/logs/*_*.out"), 20);
	cluster_stop();
}

/* ---- bad invocations: one line, nothing written, no Slurm asked */

TestSuite(slurm_usage, .init = make_dir, .fini = remove_dir);

Test(slurm_usage, bad_invocations_are_one_line)
{
	write_campaign();
	static const struct {
		const char *args[6];
		const char *err;
	} cases[] = {
		{{"s.campaign", "--bogus"},
		 "memu: campaign slurm: unknown option: --bogus (memu "
		 "campaign --help)\n"},
		{{"s.campaign", "--chunk", "0"},
		 "memu: campaign slurm: --chunk takes a number from 1: 0 "
		 "(memu campaign --help)\n"},
		{{"s.campaign", "--max-concurrent"},
		 "memu: campaign slurm: an option needs a value: "
		 "--max-concurrent (memu campaign --help)\n"},
		{{"s.campaign", "--dry-run", "--wait"},
		 "memu: campaign slurm: --dry-run or --wait, not both (memu "
		 "campaign --help)\n"},
		{{"--wait"},
		 "memu: campaign slurm: slurm needs a campaign FILE (memu "
		 "campaign --help)\n"},
		{{"nonexistent.campaign", "--wait"},
		 "memu: nonexistent.campaign: No such file or directory\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[10] = {"campaign", "slurm"};
		for (int k = 0; cases[i].args[k]; k++)
			args[k + 2] = cases[i].args[k];
		struct cmd p;
		run_memu(&p, args);
		cmd_expect_status(&p, 2);
		cr_expect_str_empty(p.out);
		cr_expect_str_eq(p.err, cases[i].err, "case %zu", i);
		cmd_free(&p);
	}
	cr_assert_neq(access(in_dir("s.slurm"), F_OK), 0, "nothing written");

	/* No sbatch: one line, exit status 1, nothing submitted. */
	char *env[64];
	int n = 0;
	for (char **e = environ; *e && n < 62; e++)
		if (strncmp(*e, "PATH=", 5))
			env[n++] = *e;
	env[n++] = "PATH=/nonexistent";
	env[n] = NULL;
	const char *argv[] = {MEMU_BIN,	    "campaign", "slurm",
			      "s.campaign", "--wait",	"--max-array-size",
			      "10",	    NULL};
	struct cmd p;
	run_env(&p, argv, env);
	cmd_expect_status(&p, 1);
	cr_assert_str_empty(p.out);
	cr_assert_str_eq(p.err, "memu: campaign slurm: cannot run sbatch: No "
				"such file or directory\n");
	cmd_free(&p);
	cr_assert_eq(count_files("s.slurm/part-*"), 0);

	/* A part of another campaign in DIR: refused before sbatch. */
	FILE *f = fopen(in_dir("s.slurm/part-000000.jsonl"), "w");
	cr_assert(f);
	fputs("{\"campaign\":\"memu\",\"version\":1,\"name\":\"other\"}\n", f);
	cr_assert_eq(fclose(f), 0);
	run_env(&p, argv, env);
	cmd_expect_status(&p, 2);
	cr_assert_str_empty(p.out);
	char *want;
	cr_assert(asprintf(&want,
			   "memu: %s/s.slurm/part-000000.jsonl holds the "
			   "results of another campaign, or of another version "
			   "of this one (its header differs): remove it or "
			   "choose another --dir\n",
			   dir) > 0);
	cr_assert_str_eq(p.err, want);
	free(want);
	cmd_free(&p);

	/* A bad campaign: its line, exit status 2, nothing made. */
	f = fopen(in_dir("b.campaign"), "w");
	cr_assert(f);
	fprintf(f, "campaign 1\nguest %s\nmelt down\n", guest_path("checksum"));
	cr_assert_eq(fclose(f), 0);
	MEMU(&p, "campaign", "slurm", "b.campaign", "--dry-run");
	cmd_expect_status(&p, 2);
	cr_assert_str_empty(p.out);
	cr_assert_str_eq(p.err, "memu: b.campaign:3: unknown key 'melt'\n");
	cmd_free(&p);
	cr_assert_neq(access(in_dir("b.slurm"), F_OK), 0);
}
