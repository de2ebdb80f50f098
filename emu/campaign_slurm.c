/* memu campaign slurm (docs/campaigns.md, "Slurm"): a campaign as a Slurm
 * job array.
 *
 * Every experiment is a stateless command, so an array task needs no more
 * than `memu campaign run FILE --range A-B -o DIR/part-A.jsonl`, and the
 * parts merge into the bytes one run writes.  This does the golden run
 * (a bad campaign is refused before anything is submitted), writes the
 * array's script, DIR/job.sh, and submits it with sbatch: array indices
 * stay below MaxArraySize, so a campaign of more tasks is several
 * submissions, each an array 0..K given its first task as the script's
 * argument.  With a concurrency limit (%N) they are chained (afterany),
 * so the limit holds for the whole campaign.  --wait waits for them,
 * merges the parts and prints the table `memu campaign run` prints.
 * sbatch, scontrol and scancel run from an argv, never through a shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "campaign.h"

extern char **environ;

#define EXIT_FAILED	1
#define DEFAULT_CHUNK	100
#define SLURM_MAX_ARRAY 1001 /* Slurm's default MaxArraySize */
#define SBATCH_ARGS	64
#define SBATCH_FIXED	8 /* sbatch's own arguments, the script's */
#define PLAIN_PATH_CHARS                                                       \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./"    \
	"+,:@=-"

struct slurm_opts {
	const char *file, *dir, *out;
	uint64_t chunk, max_concurrent, max_array;
	unsigned jobs;
	bool no_snapshot, dry_run, wait;
	const char *sbatch_args[SBATCH_ARGS];
	int nsbatch;
};

/* One sbatch: array tasks first to first + count - 1 of the campaign. */
struct submission {
	uint64_t first, count;
	pid_t pid; /* sbatch --wait, while it waits */
	int out;   /* its stdout */
	char id[32];
	int status; /* its exit status */
};

struct plan {
	const struct slurm_opts *o;
	struct campaign *c;
	char *memu, *file, *dir, *out, *script, *header;
	uint64_t n, chunk, tasks, max_array; /* chunk: at most n */
	struct submission *sub;
	uint64_t nsub;
};

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "memu: campaign slurm: %s%s%s (memu campaign --help)\n",
		msg, arg ? ": " : "", arg ? arg : "");
	return CAMPAIGN_EXIT_USAGE;
}

/* ---- options */

static bool number(const char *v, uint64_t min, uint64_t max, uint64_t *n)
{
	char *end;
	errno = 0;
	if (*v < '0' || *v > '9')
		return false;
	*n = strtoull(v, &end, 10);
	return !*end && !errno && *n >= min && *n <= max;
}

static int parse_opts(int argc, char **argv, struct slurm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->chunk = DEFAULT_CHUNK;
	o->jobs = 1;
	static const char *const valued[] = {"--dir",
					     "--chunk",
					     "--max-concurrent",
					     "--max-array-size",
					     "--sbatch-arg",
					     "-j",
					     "-o",
					     NULL};
	for (int i = 1; i < argc; i++) {
		char name[32];
		const char *a = argv[i], *v = NULL, *eq = strchr(a, '=');
		if (!strncmp(a, "--", 2) && eq && eq - a < (int)sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
			a = name; /* --NAME=VALUE */
			v = eq + 1;
		} else if (!strncmp(a, "-j", 2) && a[2]) {
			v = a + 2; /* -jN */
			a = "-j";
		}
		bool takes = false;
		for (int k = 0; valued[k]; k++)
			takes |= !strcmp(a, valued[k]);
		if (takes && !v) {
			if (i + 1 >= argc)
				return usage_error("an option needs a value",
						   a);
			v = argv[++i];
		} else if (!takes && v && a == name &&
			   (!strcmp(a, "--no-snapshot") ||
			    !strcmp(a, "--dry-run") || !strcmp(a, "--wait"))) {
			return usage_error("an option without a value", a);
		} else if (!takes && v) {
			return usage_error("unknown option", argv[i]);
		}
		uint64_t n;
		if (!strcmp(a, "--dir")) {
			o->dir = v;
		} else if (!strcmp(a, "-o")) {
			o->out = v;
		} else if (!strcmp(a, "--chunk")) {
			if (!number(v, 1, UINT64_MAX, &o->chunk))
				return usage_error("--chunk takes a number "
						   "from 1",
						   v);
		} else if (!strcmp(a, "--max-concurrent")) {
			if (!number(v, 1, UINT32_MAX, &o->max_concurrent))
				return usage_error("--max-concurrent takes a "
						   "number from 1",
						   v);
		} else if (!strcmp(a, "--max-array-size")) {
			if (!number(v, 1, UINT32_MAX, &o->max_array))
				return usage_error("--max-array-size takes a "
						   "number from 1",
						   v);
		} else if (!strcmp(a, "-j")) {
			if (!number(v, 1, 256, &n))
				return usage_error("-j takes 1 to 256", v);
			o->jobs = (unsigned)n;
		} else if (!strcmp(a, "--sbatch-arg")) {
			if (o->nsbatch == SBATCH_ARGS)
				return usage_error("too many --sbatch-arg", v);
			o->sbatch_args[o->nsbatch++] = v;
		} else if (!strcmp(a, "--no-snapshot")) {
			o->no_snapshot = true;
		} else if (!strcmp(a, "--dry-run")) {
			o->dry_run = true;
		} else if (!strcmp(a, "--wait")) {
			o->wait = true;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option", argv[i]);
		} else if (o->file) {
			return usage_error("one campaign file", a);
		} else {
			o->file = a;
		}
	}
	if (!o->file)
		return usage_error("slurm needs a campaign FILE", NULL);
	if (o->dry_run && o->wait)
		return usage_error("--dry-run or --wait, not both", NULL);
	return 0;
}

/* ---- processes */

static char *join(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);
	if (s)
		strcat(strcpy(s, a), b);
	return s;
}

/* Start argv (argv[0] found in PATH) with stdin /dev/null, stdout a pipe
 * (*out) and stderr into errpath (NULL: /dev/null): its pid, or -1 with
 * errno set. */
static pid_t spawn(char *const *argv, int *out, const char *errpath)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2,
					 errpath ? errpath : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	fflush(NULL);
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc) {
		close(p[0]);
		errno = rc;
		return -1;
	}
	*out = p[0];
	return pid;
}

/* The next line of fd (up to n - 1 bytes kept, no newline): false at
 * its end. */
static bool read_line(int fd, char *buf, size_t n)
{
	size_t len = 0;
	bool any = false;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		any = true;
		if (ch == '\n')
			break;
		if (len + 1 < n)
			buf[len++] = ch;
	}
	buf[len] = '\0';
	return any;
}

static void drain(int fd)
{
	char buf[4096];
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0 ||
	       (r < 0 && errno == EINTR))
		;
}

/* The shell-style exit status of pid. */
static int reap(pid_t pid)
{
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return 255;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* The last line of what a process wrote to path, for its error line. */
static void last_line(const char *path, char *buf, size_t n)
{
	*buf = '\0';
	FILE *f = fopen(path, "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (*line)
			snprintf(buf, n, "%s", line);
	}
	if (f)
		fclose(f);
}

/* ---- the plan */

/* MaxArraySize from `scontrol show config`: 0 if it cannot be read. */
static uint64_t max_array_size(void)
{
	char *argv[] = {"scontrol", "show", "config", NULL};
	int fd;
	pid_t pid = spawn(argv, &fd, NULL);
	if (pid < 0)
		return 0;
	char line[512];
	uint64_t v = 0;
	while (read_line(fd, line, sizeof(line))) {
		char *s = line + strspn(line, " ");
		if (strncmp(s, "MaxArraySize", 12) || (s[12] != ' ' && s[12]))
			continue;
		s += 12 + strspn(s + 12, " ");
		if (*s == '=' &&
		    !number(s + 1 + strspn(s + 1, " "), 0, UINT32_MAX, &v))
			v = 0;
	}
	close(fd);
	return reap(pid) ? 0 : v;
}

/* FILE's path without .campaign, plus suffix. */
static char *stem_with(const char *file, const char *suffix)
{
	size_t n = strlen(file), e = strlen(".campaign");
	if (n > e && !strcmp(file + n - e, ".campaign"))
		n -= e;
	char *s = malloc(n + strlen(suffix) + 1);
	if (s) {
		memcpy(s, file, n);
		strcpy(s + n, suffix);
	}
	return s;
}

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd) - 1))
		return NULL;
	strcat(cwd, "/");
	return join(cwd, path);
}

static char *part_path(const struct plan *p, uint64_t task)
{
	char name[64];
	snprintf(name, sizeof(name), "/part-%06" PRIu64 ".jsonl",
		 task * p->chunk);
	return join(p->dir, name);
}

/* The experiments of tasks first to first + count - 1: *a to *b. */
static void experiments_of(const struct plan *p, uint64_t first, uint64_t count,
			   uint64_t *a, uint64_t *b)
{
	*a = first * p->chunk;
	*b = (first + count) * p->chunk - 1;
	if (*b >= p->n || *b < *a)
		*b = p->n - 1;
}

/* Every part already in DIR must be this campaign's: a task would refuse
 * it (and merge would too). */
static int check_parts(const struct plan *p)
{
	char *pattern = join(p->dir, "/part-*.jsonl");
	glob_t gl;
	int rc = 0;
	if (!pattern)
		return EXIT_FAILED;
	int g = glob(pattern, 0, NULL, &gl);
	free(pattern);
	for (size_t i = 0; !g && !rc && i < gl.gl_pathc; i++) {
		FILE *f = fopen(gl.gl_pathv[i], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t len = f ? getline(&line, &cap, f) : -1;
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (len > 0 && strcmp(line, p->header)) {
			fprintf(stderr,
				"memu: %s holds the results of another "
				"campaign, or of another version of this one "
				"(its header differs): remove it or choose "
				"another --dir\n",
				gl.gl_pathv[i]);
			rc = CAMPAIGN_EXIT_USAGE;
		}
		free(line);
		if (f)
			fclose(f);
	}
	if (!g)
		globfree(&gl);
	return rc;
}

static int make_dir(const char *path)
{
	struct stat st;
	if (mkdir(path, 0777) && errno != EEXIST) {
		fprintf(stderr, "memu: cannot make %s: %s\n", path,
			strerror(errno));
		return EXIT_FAILED;
	}
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "memu: %s: not a directory\n", path);
		return EXIT_FAILED;
	}
	return 0;
}

static int plan_make(struct plan *p, const struct golden *g)
{
	const struct slurm_opts *o = p->o;
	p->n = space_experiments(p->c);
	if (!p->n) {
		fprintf(stderr, "memu: %s: no experiments to submit\n",
			o->file);
		return CAMPAIGN_EXIT_USAGE;
	}
	p->memu = realpath("/proc/self/exe", NULL);
	/* Not resolved: the campaign's paths are relative to the directory
	 * it is named in, for the tasks as for this run. */
	p->file = absolute(o->file);
	p->header = results_header(p->c, g);
	if (!p->memu || !p->file || !p->header)
		return EXIT_FAILED;
	char *dir = o->dir ? absolute(o->dir) : stem_with(p->file, ".slurm");
	p->out = o->out ? absolute(o->out)
			: stem_with(p->file, ".results.jsonl");
	if (!dir || !p->out) {
		free(dir);
		return EXIT_FAILED;
	}
	int rc = make_dir(dir);
	if (!rc && !(p->dir = realpath(dir, NULL)))
		rc = EXIT_FAILED;
	free(dir);
	if (rc)
		return rc;
	/* It goes into #SBATCH lines, which know no quoting, and into
	 * --output, where % is a pattern. */
	if (p->dir[strspn(p->dir, PLAIN_PATH_CHARS)]) {
		fprintf(stderr,
			"memu: campaign slurm: %s: the results directory's "
			"path may hold only letters, digits and _./+,:@=- "
			"(it goes into #SBATCH lines)\n",
			p->dir);
		return CAMPAIGN_EXIT_USAGE;
	}
	p->chunk = o->chunk < p->n ? o->chunk : p->n;
	p->tasks = (p->n - 1) / p->chunk + 1;
	p->max_array = o->max_array ? o->max_array : max_array_size();
	if (!p->max_array && o->dry_run) {
		fprintf(stderr, "memu: campaign slurm: no MaxArraySize from "
				"'scontrol show config': 1001, Slurm's "
				"default\n");
		p->max_array = SLURM_MAX_ARRAY;
	}
	if (!p->max_array) {
		fprintf(stderr,
			"memu: campaign slurm: cannot read MaxArraySize from "
			"'scontrol show config' (is Slurm there?); "
			"--max-array-size N gives it\n");
		return EXIT_FAILED;
	}
	p->nsub = (p->tasks - 1) / p->max_array + 1;
	p->sub = calloc(p->nsub, sizeof(*p->sub));
	if (!p->sub)
		return EXIT_FAILED;
	for (uint64_t s = 0; s < p->nsub; s++) {
		struct submission *b = &p->sub[s];
		b->first = s * p->max_array;
		b->count = p->tasks - b->first < p->max_array
				   ? p->tasks - b->first
				   : p->max_array;
		b->pid = -1;
		b->out = -1;
	}
	return check_parts(p);
}

static void plan_free(struct plan *p)
{
	for (uint64_t s = 0; p->sub && s < p->nsub; s++) {
		if (p->sub[s].out >= 0)
			close(p->sub[s].out);
		if (p->sub[s].pid > 0)
			reap(p->sub[s].pid);
	}
	free(p->sub);
	free(p->memu);
	free(p->file);
	free(p->dir);
	free(p->out);
	free(p->script);
	free(p->header);
}

/* ---- the script */

static void array_arg(const struct plan *p, const struct submission *b,
		      char *buf, size_t n)
{
	int len = snprintf(buf, n, "--array=0-%" PRIu64, b->count - 1);
	if (p->o->max_concurrent)
		snprintf(buf + len, n - (size_t)len, "%%%" PRIu64,
			 p->o->max_concurrent);
}

static char *script_text(const struct plan *p)
{
	const struct slurm_opts *o = p->o;
	char array[64], name[64];
	array_arg(p, &p->sub[0], array, sizeof(array));
	/* The job's name: memu-, then the campaign's, in plain letters. */
	snprintf(name, sizeof(name), "memu-%s", p->c->name);
	size_t e = strlen(name), x = strlen(".campaign");
	if (e > x + 5 && !strcmp(name + e - x, ".campaign"))
		name[e - x] = '\0';
	for (char *s = name; *s; s++)
		if (!strchr(PLAIN_PATH_CHARS, *s) || *s == '/' || *s == ':')
			*s = '_';
	struct sbuf b = {0};
	sb_printf(&b,
		  "#!/bin/sh\n"
		  "# memu campaign slurm (docs/campaigns.md): %" PRIu64
		  " experiments, %" PRIu64 " an array task, %" PRIu64
		  " tasks.\n"
		  "# Task T, the array index plus $1 (the submission's first "
		  "task, default 0),\n"
		  "# runs experiments T*%" PRIu64 " to T*%" PRIu64 "+%" PRIu64
		  " into part-NNNNNN.jsonl, NNNNNN = T*%" PRIu64 ".\n"
		  "#SBATCH --job-name=%s\n"
		  "#SBATCH %s\n"
		  "#SBATCH --output=%s/logs/%%A_%%a.out\n"
		  "#SBATCH --ntasks=1\n"
		  "#SBATCH --cpus-per-task=%u\n"
		  "set -eu\n"
		  "task=$((${1:-0} + SLURM_ARRAY_TASK_ID))\n"
		  "first=$((task * %" PRIu64 "))\n"
		  "last=$((first + %" PRIu64 "))\n"
		  "[ \"$last\" -lt %" PRIu64 " ] || last=%" PRIu64 "\n"
		  "exec",
		  p->n, p->chunk, p->tasks, p->chunk, p->chunk, p->chunk - 1,
		  p->chunk, name, array, p->dir, o->jobs, p->chunk,
		  p->chunk - 1, p->n, p->n - 1);
	shell_word(&b, p->memu);
	sb_printf(&b, " campaign run");
	shell_word(&b, p->file);
	sb_printf(&b,
		  " --range \"$first-$last\" -j %u%s \\\n\t-o \"$(printf "
		  "'%%s/part-%%06d.jsonl'",
		  o->jobs, o->no_snapshot ? " --no-snapshot" : "");
	shell_word(&b, p->dir);
	sb_printf(&b, " \"$first\")\"\n");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* DIR/job.sh and DIR/logs; the script is whole or absent (a temporary
 * file renamed). */
static int write_script(struct plan *p)
{
	char *logs = join(p->dir, "/logs");
	char *text = script_text(p);
	p->script = join(p->dir, "/job.sh");
	char *tmp = join(p->dir, "/job.sh.tmp");
	int rc =
		logs && text && p->script && tmp ? make_dir(logs) : EXIT_FAILED;
	if (!rc) {
		FILE *f = fopen(tmp, "w");
		bool ok = f && fputs(text, f) >= 0;
		if ((f && fclose(f)) || !ok || chmod(tmp, 0755) ||
		    rename(tmp, p->script)) {
			fprintf(stderr, "memu: cannot write %s: %s\n",
				p->script, strerror(errno));
			unlink(tmp);
			rc = EXIT_FAILED;
		}
	}
	free(logs);
	free(text);
	free(tmp);
	return rc;
}

/* ---- submitting */

/* sbatch's argv for submission s, with the strings it makes in array,
 * depend and first.  dep, when not NULL, is the job it waits for (its
 * id, or "$jS" in a printed line). */
static int sbatch_argv(const struct plan *p, uint64_t s, const char *dep,
		       char **argv, char *array, char *depend, char *first)
{
	const struct slurm_opts *o = p->o;
	int n = 0;
	argv[n++] = "sbatch";
	argv[n++] = "--parsable";
	if (o->wait)
		argv[n++] = "--wait";
	array_arg(p, &p->sub[s], array, 64);
	argv[n++] = array;
	if (dep) {
		snprintf(depend, 64, "--dependency=afterany:%s", dep);
		argv[n++] = depend;
	}
	for (int i = 0; i < o->nsbatch; i++)
		argv[n++] = (char *)o->sbatch_args[i];
	argv[n++] = p->script;
	snprintf(first, 32, "%" PRIu64, p->sub[s].first);
	argv[n++] = first;
	argv[n] = NULL;
	return n;
}

/* Each submission after the first waits for the one before when a
 * concurrency limit is to hold for the whole campaign. */
static bool chained(const struct plan *p)
{
	return p->o->max_concurrent && p->nsub > 1;
}

static char *merge_command(const struct plan *p)
{
	struct sbuf b = {0};
	shell_word(&b, p->memu); /* a blank first */
	sb_printf(&b, " campaign merge -o");
	shell_word(&b, p->out);
	shell_word(&b, p->dir);
	sb_printf(&b, "/part-*.jsonl");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static void say_plan(const struct plan *p, FILE *f)
{
	fprintf(f,
		"memu campaign slurm: %s: %" PRIu64 " experiments, %" PRIu64
		" array task%s of up to %" PRIu64 ", %" PRIu64
		" submission%s (MaxArraySize %" PRIu64 ")\n",
		p->c->path, p->n, p->tasks, p->tasks == 1 ? "" : "s", p->chunk,
		p->nsub, p->nsub == 1 ? "" : "s", p->max_array);
}

static int dry_run(const struct plan *p)
{
	char *argv[SBATCH_ARGS + SBATCH_FIXED];
	char array[64], depend[64], first[32], prev[32];
	say_plan(p, stdout);
	for (uint64_t s = 0; s < p->nsub; s++) {
		if (s)
			snprintf(prev, sizeof(prev), "$j%" PRIu64, s - 1);
		sbatch_argv(p, s, s && chained(p) ? prev : NULL, argv, array,
			    depend, first);
		struct sbuf b = {0};
		sb_printf(&b, "j%" PRIu64 "=$(sbatch", s);
		for (int i = 1; argv[i]; i++)
			if (argv[i] == depend)
				sb_printf(&b, " %s", depend);
			else
				shell_word(&b, argv[i]);
		sb_printf(&b, ")");
		if (b.oom) {
			free(b.s);
			return EXIT_FAILED;
		}
		printf("%s\n", b.s);
		free(b.s);
	}
	char *merge = merge_command(p);
	if (!merge)
		return EXIT_FAILED;
	printf("when they are done:%s\n", merge);
	free(merge);
	return fflush(stdout) ? EXIT_FAILED : 0;
}

/* Cancel what was submitted when a later submission failed: all or
 * nothing, so that the same command can be run again. */
static void cancel(const struct plan *p, uint64_t upto)
{
	char **argv = upto ? calloc(upto + 2, sizeof(char *)) : NULL;
	if (!argv)
		return;
	argv[0] = "scancel";
	for (uint64_t s = 0; s < upto; s++)
		argv[s + 1] = (char *)p->sub[s].id;
	int fd;
	pid_t pid = spawn(argv, &fd, NULL);
	if (pid >= 0) {
		drain(fd);
		close(fd);
		reap(pid);
		fprintf(stderr, "memu: campaign slurm: cancelled");
		for (uint64_t s = 0; s < upto; s++)
			fprintf(stderr, " %s", argv[s + 1]);
		fprintf(stderr, "\n");
	}
	free(argv);
}

static int submit(struct plan *p)
{
	FILE *say = p->o->wait ? stderr : stdout;
	char *argv[SBATCH_ARGS + SBATCH_FIXED];
	char array[64], depend[64], first[32], line[256], why[512];
	for (uint64_t s = 0; s < p->nsub; s++) {
		struct submission *b = &p->sub[s];
		char name[48];
		snprintf(name, sizeof(name), "/logs/sbatch-%" PRIu64 ".err", s);
		char *errpath = join(p->dir, name);
		if (!errpath)
			return EXIT_FAILED;
		sbatch_argv(p, s, s && chained(p) ? p->sub[s - 1].id : NULL,
			    argv, array, depend, first);
		b->pid = spawn(argv, &b->out, errpath);
		if (b->pid < 0) {
			fprintf(stderr,
				"memu: campaign slurm: cannot run sbatch: %s\n",
				strerror(errno));
			free(errpath);
			cancel(p, s);
			return EXIT_FAILED;
		}
		/* --parsable: "ID" or "ID;CLUSTER", at once even with
		 * --wait. */
		bool got = read_line(b->out, line, sizeof(line));
		size_t digits = strspn(line, "0123456789");
		if (got && digits && digits < sizeof(b->id) &&
		    (!line[digits] || line[digits] == ';'))
			snprintf(b->id, sizeof(b->id), "%.*s", (int)digits,
				 line);
		if (!*b->id || !p->o->wait) {
			drain(b->out);
			close(b->out);
			b->out = -1;
			b->status = reap(b->pid);
			b->pid = -1;
		}
		if (!*b->id || b->status) {
			last_line(errpath, why, sizeof(why));
			fprintf(stderr,
				"memu: campaign slurm: sbatch failed (exit "
				"status %d)%s%s\n",
				b->status, *why ? ": " : "", why);
			free(errpath);
			cancel(p, *b->id ? s + 1 : s);
			return EXIT_FAILED;
		}
		free(errpath);
	}
	/* All submitted: what, and as which jobs. */
	say_plan(p, say);
	for (uint64_t s = 0; s < p->nsub; s++) {
		struct submission *b = &p->sub[s];
		uint64_t a, z;
		experiments_of(p, b->first, b->count, &a, &z);
		fprintf(say,
			"submitted batch job %s: array tasks 0-%" PRIu64
			", experiments %" PRIu64 "-%" PRIu64 "\n",
			b->id, b->count - 1, a, z);
	}
	fflush(say);
	if (!p->o->wait) {
		char *merge = merge_command(p);
		if (!merge)
			return EXIT_FAILED;
		printf("when they are done:%s\n", merge);
		free(merge);
	}
	return 0;
}

/* ---- waiting and merging */

/* The parts joined into RESULTS as merge joins them (each task's header
 * must be this golden run's); the table if every experiment is there. */
static int merge_parts(struct plan *p)
{
	char **files = calloc(p->tasks, sizeof(char *));
	struct results all = {0};
	char err[CAMPAIGN_ERR];
	int nfiles = 0, rc = files ? 0 : EXIT_FAILED;
	for (uint64_t t = 0; !rc && t < p->tasks; t++) {
		char *path = part_path(p, t);
		if (!path)
			rc = EXIT_FAILED;
		else if (access(path, F_OK))
			free(path); /* its task never started */
		else
			files[nfiles++] = path;
	}
	if (!rc && nfiles &&
	    results_join(nfiles, files, &all, err, sizeof(err))) {
		fprintf(stderr, "memu: campaign slurm: %s\n", err);
		rc = EXIT_FAILED;
	}
	if (!rc && nfiles && strcmp(all.header, p->header)) {
		fprintf(stderr,
			"memu: campaign slurm: the tasks' golden run is not "
			"this one (their header differs)\n");
		rc = EXIT_FAILED;
	}
	if (!rc && !nfiles) {
		all.header = strdup(p->header);
		all.n = p->n;
		all.lines = calloc(p->n, sizeof(char *));
		if (!all.header || !all.lines)
			rc = EXIT_FAILED;
	}
	uint64_t unfinished = 0;
	for (uint64_t t = 0; !rc && t < p->tasks; t++) {
		uint64_t a, z;
		experiments_of(p, t, 1, &a, &z);
		for (uint64_t i = a; i <= z; i++)
			if (!all.lines[i]) {
				unfinished++;
				break;
			}
	}
	if (!rc && results_write(p->out, &all)) {
		fprintf(stderr, "memu: cannot write %s\n", p->out);
		rc = EXIT_FAILED;
	}
	if (!rc && unfinished) {
		fprintf(stderr,
			"memu: campaign slurm: %" PRIu64 " of %" PRIu64
			" experiments in %s; %" PRIu64 " array task%s did not "
			"finish (logs in %s/logs); the same command goes on\n",
			all.done, p->n, p->out, unfinished,
			unfinished == 1 ? "" : "s", p->dir);
		rc = EXIT_FAILED;
	}
	if (!rc)
		summary_print(stdout, &all);
	results_free(&all);
	for (int i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	return rc;
}

static int wait_and_merge(struct plan *p)
{
	int rc = 0;
	for (uint64_t s = 0; s < p->nsub; s++) {
		struct submission *b = &p->sub[s];
		drain(b->out);
		close(b->out);
		b->out = -1;
		b->status = reap(b->pid);
		b->pid = -1;
		if (b->status) {
			fprintf(stderr,
				"memu: campaign slurm: job %s ended with exit "
				"status %d (logs in %s/logs)\n",
				b->id, b->status, p->dir);
			rc = EXIT_FAILED;
		}
	}
	int m = merge_parts(p);
	return m ? m : rc;
}

int slurm_main(int argc, char **argv)
{
	struct slurm_opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	struct campaign c;
	struct golden g = {0};
	struct plan p = {.o = &o, .c = &c};
	char err[CAMPAIGN_ERR];
	if (campaign_load(o.file, &c, err, sizeof(err))) {
		fprintf(stderr, "memu: %s\n", err);
		campaign_free(&c);
		return CAMPAIGN_EXIT_USAGE;
	}
	if (!(rc = golden_run(&c, &g)))
		rc = plan_make(&p, &g);
	if (!rc)
		rc = write_script(&p);
	if (!rc)
		rc = o.dry_run ? dry_run(&p) : submit(&p);
	if (!rc && o.wait)
		rc = wait_and_merge(&p);
	plan_free(&p);
	golden_free(&g);
	campaign_free(&c);
	return rc;
}
