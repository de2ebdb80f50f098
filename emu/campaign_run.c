/* memu campaign (docs/campaigns.md): run a campaign on this machine.
 *
 * Every machine runs in a child process; this one only reads the file,
 * hands out experiments and writes their lines.  The golden run comes
 * first (a child): the guest untouched, its output, exit status,
 * instruction count and the counts the fault space names; that child
 * also checks the fault space's specs against its machine.  Then N
 * workers (-j N), each a forked child, take experiments one at a time
 * and run each in a child of their own, which sends back its result
 * line; an experiment shares nothing with another.
 *
 * Snapshots: an experiment whose faults all fire at an instruction count
 * (insn=N) or at the Nth event of a kind (event=KIND#N) need not run the
 * prefix before them again.  The golden run keeps an event log
 * (inject_log.c), which says where each event came.  A worker keeps a
 * golden machine of its own, runs it on to the experiment's fork point
 * (memu_pause_at) and forks there: the child's copy of the machine - RAM
 * is a private host mapping, Unicorn's state lives in the process - arms
 * the faults (inject_add_now, an event trigger with the events its kind
 * has behind it), takes its own copies of the guest's streams and runs
 * to the end, exactly as a fresh run with the faults armed from the
 * start would.  Experiments are handed out in order of fork point, so
 * each worker's machine only ever runs forwards.  Other experiments run
 * fresh.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "inject.h"
#include "machine.h"

#define EXIT_FAILED	 1
#define EXIT_INTERRUPTED 130
#define SPECS_LEN	 (4096 * 2)
#define NO_MORE		 UINT64_MAX

/* clang-format off */
static const char usage[] =
	"usage: memu campaign run FILE [-j N] [-o RESULTS] [--index I | --range A-B]\n"
	"                         [--no-snapshot] [--no-prune] [--stats]\n"
	"       memu campaign count FILE\n"
	"       memu campaign merge [-o OUT] RESULTS...\n"
	"       memu campaign summary RESULTS...\n"
	"       memu campaign slurm FILE [--dir DIR] [--chunk N] [--max-concurrent N]\n"
	"                           [--max-array-size N] [--sbatch-arg ARG]... [-j N]\n"
	"                           [--no-snapshot] [-o RESULTS] [--dry-run | --wait]\n"
	"\n"
	"run      the golden run, then every experiment of the campaign FILE\n"
	"         not yet in RESULTS (default: FILE without .campaign, plus\n"
	"         .results.jsonl), N at a time (default 1); the outcome table\n"
	"         at the end.  --index I, --range A-B (from 0, inclusive): only\n"
	"         those experiments, no table.  --no-snapshot: every experiment\n"
	"         runs from the start.  --no-prune: run the experiments def/use\n"
	"         pruning would count masked without running them.  --stats:\n"
	"         how many forked from a snapshot, on stderr\n"
	"count    the number of experiments (after the golden run)\n"
	"merge    join results files of one campaign, sorted, on stdout or OUT;\n"
	"         an experiment found twice must have the same result\n"
	"summary  the outcome table of results files\n"
	"slurm    the golden run, then the campaign as a Slurm job array: each\n"
	"         array task runs N experiments (--chunk, default 100) with\n"
	"         -j N (default 1) on as many CPUs into DIR/part-*.jsonl (DIR:\n"
	"         default FILE without .campaign, plus .slurm; logs in DIR/logs);\n"
	"         at most --max-concurrent tasks at once; as many sbatch\n"
	"         submissions as MaxArraySize (scontrol show config, or\n"
	"         --max-array-size) needs; --sbatch-arg ARG goes to every sbatch.\n"
	"         Prints the job ids and the merge command.  --wait: waits for\n"
	"         the jobs, merges the parts into RESULTS, prints the table.\n"
	"         --dry-run: writes DIR/job.sh, prints the sbatch command lines,\n"
	"         submits nothing.  FILE, DIR and memu must be at the same path\n"
	"         on every node\n"
	"\n"
	"The campaign file's format, the outcome classes and the results are\n"
	"described in docs/campaigns.md.  Exit status: 0; 1 if the golden run\n"
	"failed, results disagree or (slurm) sbatch failed or a part is\n"
	"missing; 2 for bad usage or a bad campaign file; 130 if interrupted\n"
	"(run again to go on).\n";
/* clang-format on */

struct opts {
	const char *file;
	const char *out;
	unsigned jobs;
	bool ranged;
	uint64_t from, to; /* inclusive */
	bool no_snapshot;
	bool no_prune;
	bool stats;
};

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "memu: campaign: %s%s%s\n(try memu campaign --help)\n",
		msg, arg ? ": " : "", arg ? arg : "");
	return CAMPAIGN_EXIT_USAGE;
}

/* ---- pipes */

/* Everything fd gives until its end, NUL-terminated. */
static char *read_to_end(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return NULL;
		if (n + 1 >= cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				return NULL;
			}
			buf = b;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* ---- the golden run */

struct golden_msg {
	int status; /* 0, 1: the run failed, 2: the campaign is bad */
	char err[CAMPAIGN_ERR];
	struct crun run; /* out and err follow, then nlog entries */
	uint64_t counts[INJECT_MAX];
	uint64_t nlog;
	bool log_full;
};

struct validate {
	struct campaign *c;
	struct memu *m;
	char *err;
	size_t errlen;
};

static int validate_spec(void *ctx, const char *spec, int line)
{
	struct validate *v = ctx;
	char why[CAMPAIGN_ERR];
	if (!inject_validate(v->m, spec, why, sizeof(why)))
		return 0;
	snprintf(v->err, v->errlen, "%s:%d: %s: %s", v->c->path, line, spec,
		 why);
	return -1;
}

static void golden_child(struct campaign *c, int fd)
{
	static struct golden_msg msg;
	struct cmachine cm;
	char specs[SPECS_LEN] = "";
	size_t len = 0;
	int probe[INJECT_MAX];
	int nprobes = 0;
	/* A spec per $count that counts its events and never fires. */
	for (int i = 0; i < c->ncounts; i++) {
		char spec[200];
		campaign_count_spec(c->counts[i], spec, sizeof(spec));
		probe[i] = *spec ? nprobes++ : -1;
		if (*spec)
			len += (size_t)snprintf(specs + len,
						sizeof(specs) - len, "%s%s",
						len ? " " : "", spec);
	}
	if (campaign_child_setup(c) ||
	    cmachine_start_log(c, &cm, specs, c->golden_limit, true, NULL, NULL,
			       msg.err, sizeof(msg.err))) {
		msg.status = CAMPAIGN_EXIT_USAGE;
	} else {
		int stop = cmachine_run(&cm);
		cmachine_result(&cm, &msg.run);
		if (stop != MEMU_STOP_EXIT && stop != MEMU_STOP_SIGNAL) {
			msg.status = EXIT_FAILED;
			snprintf(msg.err, sizeof(msg.err),
				 "the golden run did not end: %s%s",
				 msg.run.reason,
				 stop == MEMU_STOP_LIMIT ? " (golden-limit)"
							 : "");
		}
		for (int i = 0; i < c->ncounts; i++) {
			uint64_t v = probe[i] < 0
					     ? msg.run.instructions
					     : cm.m->inject.a[probe[i]].seen;
			msg.counts[i] = c->count_values[i] = v;
		}
		struct validate v = {c, cm.m, msg.err, sizeof(msg.err)};
		if (!msg.status &&
		    (space_resolve(c, msg.err, sizeof(msg.err)) ||
		     space_corners(c, validate_spec, &v)))
			msg.status = CAMPAIGN_EXIT_USAGE;
	}
	struct crun *r = &msg.run;
	char *out = r->out, *err = r->err;
	r->out = r->err = NULL;
	/* The event log, where snapshots for event= faults are taken. */
	struct inject_log *l = cm.m ? &cm.m->inject.log : NULL;
	msg.log_full = !l || l->full;
	msg.nlog = msg.log_full ? 0 : l->n;
	if (pipe_write_full(fd, &msg, sizeof(msg)) ||
	    pipe_write_full(fd, out ? out : "", r->outlen) ||
	    pipe_write_full(fd, err ? err : "", r->errlen) ||
	    (msg.nlog && pipe_write_full(fd, l->e, msg.nlog * sizeof(*l->e))))
		_exit(EXIT_FAILED);
	_exit(0);
}

/* 0, or the exit status with the line said. */
int golden_run(struct campaign *c, struct golden *g)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return EXIT_FAILED;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return EXIT_FAILED;
	if (pid == 0) {
		close(p[0]);
		golden_child(c, p[1]);
	}
	close(p[1]);
	static struct golden_msg msg;
	struct crun *r = &g->run;
	int rc = pipe_read_full(p[0], &msg, sizeof(msg));
	*r = msg.run;
	r->out = malloc(r->outlen + 1);
	r->err = malloc(r->errlen + 1);
	if (!rc && r->out && r->err)
		rc = pipe_read_full(p[0], r->out, r->outlen) ||
		     pipe_read_full(p[0], r->err, r->errlen);
	g->log_full = msg.log_full;
	g->nlog = msg.nlog;
	if (!rc && g->nlog) {
		g->log = malloc(g->nlog * sizeof(*g->log));
		if (!g->log ||
		    pipe_read_full(p[0], g->log, g->nlog * sizeof(*g->log))) {
			free(g->log);
			g->log = NULL;
			g->nlog = 0;
			g->log_full = true;
		}
	}
	close(p[0]);
	int ws;
	waitpid(pid, &ws, 0);
	if (rc || !r->out || !r->err || !WIFEXITED(ws) || WEXITSTATUS(ws)) {
		fprintf(stderr,
			"memu: %s: the golden run failed (memu %s %d)\n",
			c->path, WIFSIGNALED(ws) ? "died of signal" : "status",
			WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
		return EXIT_FAILED;
	}
	r->out[r->outlen] = r->err[r->errlen] = '\0';
	if (msg.status) {
		if (msg.status == CAMPAIGN_EXIT_USAGE &&
		    strncmp(msg.err, c->path, strlen(c->path)))
			fprintf(stderr, "memu: %s: the golden run: %s\n",
				c->path, msg.err);
		else if (msg.status == CAMPAIGN_EXIT_USAGE)
			fprintf(stderr, "memu: %s\n", msg.err);
		else
			fprintf(stderr, "memu: %s: %s\n", c->path, msg.err);
		return msg.status;
	}
	for (int i = 0; i < c->ncounts; i++)
		c->count_values[i] = msg.counts[i];
	char err[CAMPAIGN_ERR];
	if (space_resolve(c, err, sizeof(err))) {
		fprintf(stderr, "memu: %s\n", err);
		return CAMPAIGN_EXIT_USAGE;
	}
	uint64_t n = r->instructions;
	g->budget = c->hang_factor && n > (UINT64_MAX - c->hang_add) /
						      c->hang_factor
			    ? UINT64_MAX
			    : n * c->hang_factor + c->hang_add;
	return 0;
}

void golden_free(struct golden *g)
{
	crun_free(&g->run);
	free(g->log);
	for (int i = 0; i < g->nfilters; i++)
		free(g->filters[i].pos);
	for (int i = 0; i < g->nrips; i++)
		free(g->rips[i].insns);
	g->log = NULL;
	g->nfilters = g->nrips = 0;
}

/* ---- experiments */

/* ---- snapshots: where an experiment may fork */

/* The events of the golden log a trigger of s counts, if indexed. */
static const struct cfilter *filter_of(const struct golden *g,
				       const struct inject_spec *s)
{
	for (int i = 0; i < g->nfilters; i++)
		if (g->filters[i].ev == (int)s->ev &&
		    g->filters[i].kind == s->ev_kind)
			return &g->filters[i];
	return NULL;
}

/* Index the golden log for the triggers of s (once per kind of trigger;
 * none when the log is not whole or too many kinds are asked for). */
static void filter_add(struct golden *g, const struct inject_spec *s)
{
	if (g->log_full || filter_of(g, s) || g->nfilters == CAMPAIGN_FILTERS)
		return;
	struct cfilter *f = &g->filters[g->nfilters];
	*f = (struct cfilter){.ev = (int)s->ev, .kind = s->ev_kind};
	for (uint64_t i = 0; i < g->nlog; i++)
		f->n += inject_counts(s, g->log[i].ev, g->log[i].kind);
	f->pos = malloc((f->n ? f->n : 1) * sizeof(*f->pos));
	if (!f->pos)
		return;
	for (uint64_t i = 0, k = 0; i < g->nlog; i++)
		if (inject_counts(s, g->log[i].ev, g->log[i].kind))
			f->pos[k++] = i;
	g->nfilters++;
}

/* How many of the len ascending values a[] are below n. */
static uint64_t count_below(const uint64_t *a, uint64_t len, uint64_t n)
{
	uint64_t lo = 0, hi = len;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (a[mid] < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* How many events a trigger of s counted in the golden run's first n
 * events. */
static uint64_t filter_before(const struct cfilter *f, uint64_t n)
{
	return count_below(f->pos, f->n, n);
}

/* The executions of the instruction at `at` in the golden run, if
 * counted. */
static const struct crip *rip_of(const struct golden *g, uint64_t at)
{
	for (int i = 0; i < g->nrips; i++)
		if (g->rips[i].at == at)
			return &g->rips[i];
	return NULL;
}

static void rip_add(struct golden *g, uint64_t at)
{
	if (!rip_of(g, at) && g->nrips < CAMPAIGN_FILTERS)
		g->rips[g->nrips++] = (struct crip){.at = at};
}

/* How many executions came with fewer than n instructions retired. */
static uint64_t rip_before(const struct crip *r, uint64_t n)
{
	return count_below(r->insns, r->n, n);
}

/* Split specs at blanks and parse each: how many, or -1. */
static int parse_specs(const char *specs, struct inject_spec *out, int max)
{
	char buf[SPECS_LEN], why[CAMPAIGN_ERR];
	snprintf(buf, sizeof(buf), "%s", specs);
	int n = 0;
	for (char *s = buf, *e; *s; s = e ? e + 1 : s + strlen(s)) {
		e = strchr(s, ' ');
		if (e)
			*e = '\0';
		if (n == max || inject_parse(s, &out[n++], why, sizeof(why)))
			return -1;
	}
	return n;
}

/* The instruction count experiment `specs` may fork from: false when a
 * fault of it fires at anything but an instruction count or the Nth
 * event of a kind.  A fault at the Nth event forks before the
 * instruction before the one that brought it: the event then lies
 * ahead, whether it came inside its instruction (a syscall, a fault) or
 * between two (a signal's delivery).  One whose event never came forks
 * at the golden run's end: it never fires. */
static bool fork_point(const struct golden *g, const char *specs, uint64_t *at)
{
	struct inject_spec s[CRUN_SPECS];
	int n = parse_specs(specs, s, CRUN_SPECS);
	*at = UINT64_MAX;
	for (int i = 0; i < n; i++) {
		uint64_t p;
		const struct cfilter *f;
		const struct crip *r;
		if (s[i].when == WHEN_INSN) {
			p = s[i].n;
		} else if (s[i].when == WHEN_RIP && (r = rip_of(g, s[i].at))) {
			/* Just before the Nth execution, unless the one
			 * before it has the same count: the same
			 * instruction run again (a REP string's next
			 * iteration), which no pause falls between. */
			uint64_t k = s[i].n;
			if (k > r->n) {
				p = g->run.instructions;
			} else {
				p = r->insns[k - 1];
				if (k >= 2 && r->insns[k - 2] == p)
					return false;
			}
		} else if (s[i].when == WHEN_EVENT &&
			   (f = filter_of(g, &s[i]))) {
			/* The event it first fires on: the Nth, or with p=
			 * the first its draws pick. */
			uint64_t k = s[i].p > 0
					     ? inject_first_chance(&s[i], f->n)
					     : s[i].n;
			if (!k || k > f->n) {
				p = g->run.instructions;
			} else {
				p = g->log[f->pos[k - 1]].insns;
				p -= p > 0;
			}
		} else {
			return false;
		}
		if (p < *at)
			*at = p;
	}
	return n > 0;
}

/* A machine paused at a fork point, n events of the log and insns
 * instructions behind it: how many events (executions) each event=
 * (rip=) trigger of specs has seen (seen[i]), and whether all are still
 * ahead. */
static bool events_ahead(const struct golden *g, const char *specs, uint64_t n,
			 uint64_t insns, uint64_t *seen)
{
	struct inject_spec s[CRUN_SPECS];
	int k = parse_specs(specs, s, CRUN_SPECS);
	for (int i = 0; i < k; i++) {
		seen[i] = 0;
		if (s[i].when == WHEN_RIP) {
			/* Executions before the pause: with fewer
			 * instructions retired than now. */
			const struct crip *r = rip_of(g, s[i].at);
			if (!r)
				return false;
			seen[i] = rip_before(r, insns);
			if (seen[i] >= s[i].n)
				return false;
			continue;
		}
		if (s[i].when != WHEN_EVENT)
			continue;
		const struct cfilter *f = filter_of(g, &s[i]);
		if (!f)
			return false;
		seen[i] = filter_before(f, n);
		uint64_t due = s[i].p > 0
				       ? inject_first_chance(&s[i], seen[i] + 1)
				       : s[i].n;
		if (due && seen[i] >= due)
			return false;
	}
	return k >= 0;
}

static void specs_of(const struct campaign *c, uint64_t index, char *buf)
{
	int line;
	if (space_expand(c, space_point(c, index), buf, SPECS_LEN, &line) < 0)
		snprintf(buf, SPECS_LEN, "(too long)");
}

/* A run that never ended: memu itself failed. */
static char *failed_line(const struct campaign *c, const struct golden *g,
			 uint64_t index, const char *specs, const char *why)
{
	struct crun r = {.stop = -1, .exit_code = 70};
	snprintf(r.reason, sizeof(r.reason), "%s", why);
	return classify(c, g, index, specs, &r);
}

/* In the experiment's own process: run it, print its line to fd. */
static void experiment_child(const struct campaign *c, const struct golden *g,
			     uint64_t index, const char *specs,
			     struct cmachine *from, const uint64_t *seen,
			     int fd)
{
	struct cmachine cm;
	struct crun r = {0};
	char err[CAMPAIGN_ERR] = "";
	int rc;
	if (from) {
		cm = *from;
		rc = cmachine_unshare(c, &cm);
		if (rc)
			snprintf(err, sizeof(err), "cannot copy the streams");
		char buf[SPECS_LEN];
		snprintf(buf, sizeof(buf), "%s", specs);
		for (char *s = buf, *e; !rc && *s;
		     s = e ? e + 1 : s + strlen(s)) {
			e = strchr(s, ' ');
			if (e)
				*e = '\0';
			rc = inject_add_now(cm.m, s, seen[cm.nspecs], err,
					    sizeof(err));
			cm.nspecs++;
		}
		if (!rc)
			rc = memu_insn_limit(cm.m, g->budget);
	} else {
		rc = cmachine_start(c, &cm, specs, g->budget, err, sizeof(err));
	}
	char *line;
	if (rc) {
		line = failed_line(c, g, index, specs, err);
	} else {
		cmachine_run(&cm);
		cmachine_result(&cm, &r);
		line = classify(c, g, index, specs, &r);
	}
	if (!line || pipe_write_full(fd, line, strlen(line)))
		_exit(EXIT_FAILED);
	_exit(0);
}

static char *run_experiment(const struct campaign *c, const struct golden *g,
			    uint64_t index, const char *specs,
			    struct cmachine *from, const uint64_t *seen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return failed_line(c, g, index, specs, "no pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return failed_line(c, g, index, specs, "cannot fork");
	}
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		experiment_child(c, g, index, specs, from, seen, p[1]);
	}
	close(p[1]);
	char *line = read_to_end(p[0], NULL);
	close(p[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (line && *line && WIFEXITED(ws) && !WEXITSTATUS(ws))
		return line;
	free(line);
	/* Interrupted from outside (^C reaches the whole process group):
	 * not a result; the worker ends and the next run does it again. */
	if (WIFSIGNALED(ws) &&
	    (WTERMSIG(ws) == SIGINT || WTERMSIG(ws) == SIGTERM ||
	     WTERMSIG(ws) == SIGHUP))
		_exit(EXIT_INTERRUPTED);
	char why[64];
	if (WIFSIGNALED(ws))
		snprintf(why, sizeof(why), "memu died of signal %d",
			 WTERMSIG(ws));
	else
		snprintf(why, sizeof(why), "memu exited with status %d",
			 WEXITSTATUS(ws));
	return failed_line(c, g, index, specs, why);
}

/* ---- workers */

/* A worker's golden machine hooks the instructions rip= faults name, so
 * that a child armed with one counts their executions. */
static int watch_rips(struct memu *m, void *ctx)
{
	const struct golden *g = ctx;
	for (int i = 0; i < g->nrips; i++)
		if (inject_watch_rip(m, g->rips[i].at))
			return -1;
	return 0;
}

static void worker_main(struct campaign *c, const struct golden *g,
			bool snapshot, int cmd_fd, int res_fd)
{
	if (campaign_child_setup(c))
		_exit(EXIT_FAILED);
	struct cmachine gm;
	bool have = false, ended = false;
	char specs[SPECS_LEN], err[CAMPAIGN_ERR];
	for (;;) {
		uint64_t index, at;
		if (pipe_read_full(cmd_fd, &index, sizeof(index)) ||
		    index == NO_MORE)
			_exit(0);
		specs_of(c, index, specs);
		struct cmachine *from = NULL;
		uint64_t seen[CRUN_SPECS] = {0};
		if (snapshot && fork_point(g, specs, &at)) {
			/* The machine counts the events of its log, to
			 * know how many each trigger has behind it. */
			if (!have && cmachine_start_log(c, &gm, NULL, 0, false,
							watch_rips, (void *)g,
							err, sizeof(err)))
				_exit(EXIT_FAILED);
			have = true;
			/* On to instruction `at`, or the end if it ends
			 * first (the faults then never fire).  A point
			 * already passed (never, as experiments come in
			 * order), or an event behind it (never, by
			 * fork_point), runs fresh. */
			from = &gm;
			if (!ended && memu_pause_at(gm.m, at))
				from = NULL;
			else if (!ended)
				ended = cmachine_run(&gm) != MEMU_STOP_PAUSE;
			if (from &&
			    !events_ahead(g, specs, gm.m->inject.log.n,
					  memu_instructions(gm.m), seen))
				from = NULL;
		}
		char *line = run_experiment(c, g, index, specs, from, seen);
		/* The line, after S if it forked from the snapshot, F if
		 * it ran from the start. */
		if (!line || pipe_write_full(res_fd, from ? "S" : "F", 1) ||
		    pipe_write_full(res_fd, line, strlen(line)) ||
		    pipe_write_full(res_fd, "\n", 1))
			_exit(EXIT_FAILED);
		free(line);
	}
}

struct worker {
	pid_t pid;
	int cmd, res;
	bool busy;
	char *buf; /* a line so far */
	size_t len, cap;
};

static int start_worker(struct campaign *c, const struct golden *g,
			bool snapshot, struct worker *w)
{
	int cmd[2], res[2];
	if (pipe2(cmd, O_CLOEXEC))
		return -1;
	if (pipe2(res, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(cmd[1]);
		close(res[0]);
		worker_main(c, g, snapshot, cmd[0], res[1]);
	}
	close(cmd[0]);
	close(res[1]);
	if (pid < 0) {
		close(cmd[1]);
		close(res[0]);
		return -1;
	}
	*w = (struct worker){.pid = pid, .cmd = cmd[1], .res = res[0]};
	return 0;
}

static void stop_workers(struct worker *w, unsigned n, bool kill_them)
{
	for (unsigned i = 0; i < n; i++) {
		if (w[i].pid <= 0)
			continue;
		if (kill_them)
			kill(w[i].pid, SIGKILL);
		else
			pipe_write_full(w[i].cmd, &(uint64_t){NO_MORE}, 8);
		close(w[i].cmd);
		close(w[i].res);
		while (waitpid(w[i].pid, NULL, 0) < 0 && errno == EINTR)
			;
		free(w[i].buf);
		w[i].pid = 0;
	}
}

/* ---- the run */

struct todo {
	uint64_t index;
	uint64_t at; /* fork point; 0 for a fresh run (they go first) */
	bool fresh;
};

static int cmp_todo(const void *a, const void *b)
{
	const struct todo *x = a, *y = b;
	if (x->fresh != y->fresh)
		return x->fresh ? -1 : 1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

struct progress {
	bool on;
	double start, last;
	uint64_t done, total;
	uint64_t forked; /* experiments forked from a snapshot */
};

static void progress_show(struct progress *p, bool force)
{
	if (!p->on)
		return;
	double t = now();
	if (!force && t - p->last < 0.25)
		return;
	p->last = t;
	double rate = p->done / (t - p->start > 1e-6 ? t - p->start : 1e-6);
	double left = rate > 0 ? (double)(p->total - p->done) / rate : 0;
	fprintf(stderr,
		"\rmemu campaign: %" PRIu64 "/%" PRIu64 " (%.0f%%), %.0f/min, "
		"ETA %dm%02ds \033[K",
		p->done, p->total,
		p->total ? 100.0 * (double)p->done / (double)p->total : 100.0,
		rate * 60, (int)left / 60, (int)left % 60);
}

static char *default_out(const char *file)
{
	size_t n = strlen(file);
	const char *ext = ".campaign";
	size_t e = strlen(ext);
	if (n > e && !strcmp(file + n - e, ext))
		n -= e;
	char *out = malloc(n + sizeof(".results.jsonl"));
	if (out) {
		memcpy(out, file, n);
		strcpy(out + n, ".results.jsonl");
	}
	return out;
}

/* Hand out the experiments in todo to the workers; each line is
 * appended to f and kept in res. */
static int dispatch(struct campaign *c, const struct golden *g, bool snapshot,
		    unsigned jobs, struct todo *todo, uint64_t ntodo,
		    struct results *res, FILE *f, struct progress *pr)
{
	unsigned n = jobs < ntodo ? jobs : (unsigned)ntodo;
	struct worker *w = calloc(n, sizeof(*w));
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	uint64_t next = 0, pending = 0;
	int rc = 0;
	for (unsigned i = 0; w && pfd && i < n; i++) {
		if (start_worker(c, g, snapshot, &w[i])) {
			rc = EXIT_FAILED;
			break;
		}
		pipe_write_full(w[i].cmd, &todo[next++].index, 8);
		w[i].busy = true;
		pending++;
	}
	while (!rc && pending) {
		if (interrupted) {
			rc = EXIT_INTERRUPTED;
			break;
		}
		for (unsigned i = 0; i < n; i++)
			pfd[i] = (struct pollfd){w[i].busy ? w[i].res : -1,
						 POLLIN, 0};
		if (poll(pfd, n, -1) < 0) {
			if (errno != EINTR)
				rc = EXIT_FAILED;
			continue;
		}
		for (unsigned i = 0; !rc && i < n; i++) {
			if (!pfd[i].revents)
				continue;
			struct worker *k = &w[i];
			if (k->len + 4096 > k->cap) {
				k->cap = k->cap ? k->cap * 2 : 65536;
				k->buf = realloc(k->buf, k->cap);
			}
			ssize_t got = k->buf ? read(k->res, k->buf + k->len,
						    k->cap - k->len - 1)
					     : -1;
			if (got <= 0) {
				if (got < 0 && errno == EINTR)
					continue;
				if (!interrupted)
					fprintf(stderr,
						"\nmemu: campaign: a worker "
						"died; run again to go on\n");
				rc = interrupted ? EXIT_INTERRUPTED
						 : EXIT_FAILED;
				break;
			}
			k->len += (size_t)got;
			char *nl = memchr(k->buf, '\n', k->len);
			if (!nl)
				continue;
			*nl = '\0';
			char *line = k->buf + 1;
			pr->forked += k->buf[0] == 'S';
			int64_t index = result_index(line);
			if (index < 0 || (uint64_t)index >= res->n) {
				fprintf(stderr, "\nmemu: campaign: a worker "
						"sent a bad line\n");
				rc = EXIT_FAILED;
				break;
			}
			fprintf(f, "%s\n", line);
			fflush(f);
			free(res->lines[index]);
			res->lines[index] = strdup(line);
			res->done++;
			pr->done++;
			progress_show(pr, false);
			k->len = 0;
			pending--;
			k->busy = next < ntodo;
			if (k->busy) {
				pipe_write_full(k->cmd, &todo[next++].index, 8);
				pending++;
			}
		}
	}
	stop_workers(w, w ? n : 0, rc != 0);
	free(w);
	free(pfd);
	return rc;
}

static int parse_run_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		if (!strncmp(a, "-j", 2) && a[2]) {
			v = a + 2; /* -jN */
			a = "-j";
		} else if (!strcmp(a, "-j") || !strcmp(a, "-o") ||
			   !strcmp(a, "--index") || !strcmp(a, "--range")) {
			if (!v)
				return usage_error("an option needs a value",
						   a);
			i++;
		}
		if (!strcmp(a, "-j")) {
			errno = 0;
			unsigned long n = strtoul(v, &end, 10);
			if (*v < '0' || *v > '9' || *end || errno || !n ||
			    n > 256)
				return usage_error("-j takes 1 to 256", v);
			o->jobs = (unsigned)n;
		} else if (!strcmp(a, "-o")) {
			o->out = v;
		} else if (!strcmp(a, "--index") || !strcmp(a, "--range")) {
			if (o->ranged)
				return usage_error("one --index or --range", a);
			o->ranged = true;
			errno = 0;
			if (*v < '0' || *v > '9')
				return usage_error("bad experiment number", v);
			o->from = o->to = strtoull(v, &end, 10);
			if (a[2] == 'r' && *end == '-' && end[1] >= '0' &&
			    end[1] <= '9')
				o->to = strtoull(end + 1, &end, 10);
			if (*end || errno || o->to < o->from)
				return usage_error(
					a[2] == 'r' ? "--range takes A-B "
						      "(A <= B)"
						    : "bad experiment "
						      "number",
					v);
		} else if (!strcmp(a, "--no-snapshot")) {
			o->no_snapshot = true;
		} else if (!strcmp(a, "--no-prune")) {
			o->no_prune = true;
		} else if (!strcmp(a, "--stats")) {
			o->stats = true;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option", a);
		} else if (o->file) {
			return usage_error("one campaign file", a);
		} else {
			o->file = a;
		}
	}
	if (!o->file)
		return usage_error("run needs a campaign FILE", NULL);
	return 0;
}

/* The experiments of o's selection not in res, sorted to be handed
 * out. */
static struct todo *plan(struct campaign *c, struct golden *g,
			 const struct opts *o, const struct results *res,
			 bool snapshot, uint64_t *ntodo)
{
	uint64_t from = o->ranged ? o->from : 0;
	uint64_t to = o->ranged ? o->to : res->n - 1;
	*ntodo = 0;
	struct todo *t = malloc((res->n ? to - from + 1 : 1) * sizeof(*t));
	char specs[SPECS_LEN];
	for (uint64_t i = from; t && res->n && i <= to; i++) {
		if (res->lines[i])
			continue;
		struct todo *d = &t[(*ntodo)++];
		specs_of(c, i, specs);
		d->index = i;
		struct inject_spec s[CRUN_SPECS];
		int n = snapshot ? parse_specs(specs, s, CRUN_SPECS) : 0;
		for (int k = 0; k < n; k++) {
			if (s[k].when == WHEN_EVENT)
				filter_add(g, &s[k]);
			if (s[k].when == WHEN_RIP)
				rip_add(g, s[k].at);
		}
	}
	/* The executions of the instructions rip= faults name. */
	if (t && g->nrips)
		rip_pass(c, g);
	for (uint64_t i = 0; t && i < *ntodo; i++) {
		struct todo *d = &t[i];
		specs_of(c, d->index, specs);
		d->fresh = !snapshot || !fork_point(g, specs, &d->at);
		if (d->fresh)
			d->at = 0;
	}
	if (t)
		qsort(t, *ntodo, sizeof(*t), cmp_todo);
	return t;
}

/* The pruned experiments of todo get their lines now (docs/campaigns.md,
 * "Pruning"); the others stay, in order: how many. */
static uint64_t drop_pruned(const struct campaign *c, const struct golden *g,
			    const struct prune *p, struct todo *todo,
			    uint64_t ntodo, struct results *res, FILE *f)
{
	uint64_t kept = 0;
	char specs[SPECS_LEN];
	for (uint64_t i = 0; i < ntodo; i++) {
		uint64_t index = todo[i].index;
		char *line = NULL;
		if (p->why[index]) {
			specs_of(c, index, specs);
			line = prune_line(c, g, index, specs, p->why[index]);
		}
		if (!line) {
			todo[kept++] = todo[i];
			continue;
		}
		fprintf(f, "%s\n", line);
		free(res->lines[index]);
		res->lines[index] = line;
		res->done++;
	}
	fflush(f);
	return kept;
}

static int cmd_run(int argc, char **argv, bool count_only)
{
	struct opts o;
	int rc = parse_run_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (count_only && (o.ranged || o.out || o.jobs != 1 || o.no_snapshot ||
			   o.no_prune || o.stats))
		return usage_error("count takes only the campaign FILE", NULL);
	struct campaign c;
	struct golden g = {0};
	struct results res = {0};
	char err[CAMPAIGN_ERR];
	char *out = NULL, *header = NULL;
	struct todo *todo = NULL;
	struct prune pruned = {0};
	FILE *f = NULL;
	if (campaign_load(o.file, &c, err, sizeof(err))) {
		fprintf(stderr, "memu: %s\n", err);
		campaign_free(&c);
		return CAMPAIGN_EXIT_USAGE;
	}
	if ((rc = golden_run(&c, &g)))
		goto done;
	uint64_t n = space_experiments(&c);
	if (count_only) {
		printf("%" PRIu64 "\n", n);
		goto done;
	}
	if (o.ranged && o.to >= n) {
		fprintf(stderr,
			"memu: %s: experiments are numbered 0 to %" PRIu64
			" (%" PRIu64 " in all)\n",
			o.file, n ? n - 1 : 0, n);
		rc = CAMPAIGN_EXIT_USAGE;
		goto done;
	}
	out = o.out ? strdup(o.out) : default_out(o.file);
	header = results_header(&c, &g);
	if (!out || !header) {
		rc = EXIT_FAILED;
		goto done;
	}
	struct stat st;
	if (!stat(out, &st) && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "memu: %s: not a regular file\n", out);
		rc = CAMPAIGN_EXIT_USAGE;
		goto done;
	}
	if (results_read(out, header, n, &res, err, sizeof(err))) {
		fprintf(stderr, "memu: %s\n", err);
		rc = CAMPAIGN_EXIT_USAGE;
		goto done;
	}
	/* Complete lines only, then one line appended per experiment. */
	if (results_write(out, &res) || !(f = fopen(out, "a"))) {
		fprintf(stderr, "memu: cannot write %s: %s\n", out,
			strerror(errno));
		rc = EXIT_FAILED;
		goto done;
	}
	bool snapshot = c.snapshot && !o.no_snapshot;
	bool prune = c.prune && !o.no_prune;
	uint64_t ntodo;
	todo = plan(&c, &g, &o, &res, snapshot, &ntodo);
	if (prune && todo && ntodo && !prune_plan(&c, &g, &pruned))
		ntodo = drop_pruned(&c, &g, &pruned, todo, ntodo, &res, f);
	struct progress pr = {.on = isatty(2), .total = ntodo};
	pr.start = pr.last = now();
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* A worker that died is seen on its result pipe, not as SIGPIPE
	 * when it is handed its next experiment. */
	signal(SIGPIPE, SIG_IGN);
	if (todo && ntodo)
		rc = dispatch(&c, &g, snapshot, o.jobs, todo, ntodo, &res, f,
			      &pr);
	else if (!todo)
		rc = EXIT_FAILED;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (pr.on && ntodo)
		fprintf(stderr, "\r\033[K");
	fclose(f);
	f = NULL;
	if (results_write(out, &res)) {
		fprintf(stderr, "memu: cannot write %s\n", out);
		rc = rc ? rc : EXIT_FAILED;
	}
	if (rc == EXIT_INTERRUPTED)
		fprintf(stderr,
			"memu: campaign interrupted: %" PRIu64 " of %" PRIu64
			" experiments in %s; the same command goes on\n",
			res.done, n, out);
	else if (!rc && !o.ranged)
		summary_print(stdout, &res);
	if (!rc && !o.ranged && (!prune || *pruned.note))
		printf("pruning off: %s\n", prune     ? pruned.note
					    : c.prune ? "--no-prune"
						      : "prune no");
	/* Not part of the table: a statistic of this run. */
	if (!rc && o.stats)
		fprintf(stderr,
			"memu: snapshots: %" PRIu64 " of the %" PRIu64
			" experiments run forked from a snapshot\n",
			pr.forked, ntodo);
done:
	prune_free(&pruned);
	if (f)
		fclose(f);
	free(todo);
	free(out);
	free(header);
	results_free(&res);
	golden_free(&g);
	campaign_free(&c);
	return rc;
}

int campaign_main(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	if (!sub)
		return usage_error("a command: run, count, merge, summary or "
				   "slurm",
				   NULL);
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(sub, "run"))
		return cmd_run(argc - 1, argv + 1, false);
	if (!strcmp(sub, "count"))
		return cmd_run(argc - 1, argv + 1, true);
	if (!strcmp(sub, "merge"))
		return results_merge_main(argc - 1, argv + 1);
	if (!strcmp(sub, "summary"))
		return summary_main(argc - 1, argv + 1);
	if (!strcmp(sub, "slurm"))
		return slurm_main(argc - 1, argv + 1);
	return usage_error("unknown command", sub);
}
