/* Fault-injection campaigns: `memu campaign` (docs/campaigns.md).
 *
 * A campaign file names a guest, its inputs and a fault space; a golden
 * run records what the guest does untouched; each experiment runs the
 * guest again with one point of the fault space injected and is
 * classified against the golden run; the results are JSON Lines.
 *
 *   campaign_file.c      the file: strict parsing, fault templates
 *   elf_symbol.c         a guest's symbols, for @NAME in templates
 *   campaign_space.c     the fault space: sizes, sampling, expansion
 *   campaign_machine.c   a machine for the campaign's guest, and its run
 *   campaign_classify.c  an experiment's class and its result line
 *   campaign_results.c   the results file: header, resumption, merge
 *   campaign_summary.c   the outcome table with confidence intervals
 *   campaign_prune.c     def/use pruning: experiments provably masked
 *   campaign_rip.c       the golden run's executions of rip= addresses
 *   campaign_pipe.c      whole reads and writes on the pipes between
 *                        a campaign's processes
 *   campaign_run.c       memu campaign: golden run, workers, snapshots
 *   campaign_slurm.c     memu campaign slurm: the Slurm job array
 */
#ifndef MEMU_EMU_CAMPAIGN_H
#define MEMU_EMU_CAMPAIGN_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../include/memu.h"

#define CAMPAIGN_VERSION    1
#define CAMPAIGN_EXIT_USAGE 2
#define CAMPAIGN_ERR	    512 /* an error line */
#define CAMPAIGN_SLOTS	    32	/* {...} in a fault line */
#define CAMPAIGN_COUNTS	    48	/* $COUNT names (each one spec armed) */

/* ---- the file (campaign_file.c) */

/* A term of a range bound: a number, a golden-run count ($NAME) or an ELF
 * symbol's address (@NAME), added or subtracted. */
struct cterm {
	bool minus;
	bool count; /* value is an index into campaign.counts */
	uint64_t value;
};

#define CEXPR_TERMS 8

struct cexpr {
	struct cterm t[CEXPR_TERMS];
	int n;
	bool hex; /* printed in hex: written so, or an address */
};

/* One {...} of a fault template: a list of words or a range.  A word
 * that starts with $ or @ is a value: {@input+16} is one address. */
struct cslot {
	bool range;
	char **words; /* list */
	uint64_t nwords;
	struct cexpr *wexpr;	   /* per word: n 0 for a plain word */
	uint64_t *wval;		   /* per word: its value, once known */
	struct cexpr lo, hi, step; /* range: lo..hi[..step] */
	/* after the golden run (campaign_space.c) */
	uint64_t first, stride, size;
};

/* A `fault` line: literal text around slots.  Its expansion, split at
 * blanks, is one experiment's specs. */
struct cfault {
	int line;
	char *text;  /* as written */
	char **lits; /* nslots + 1 pieces of literal text */
	struct cslot *slots;
	int nslots;
	uint64_t size; /* points: the product of the slots' sizes */
};

enum crule_kind { RULE_EXIT, RULE_SIGNAL, RULE_STDOUT, RULE_STDERR };

/* A `detected` rule. */
struct crule {
	int line;
	char *text; /* as written, after "detected " */
	enum crule_kind kind;
	int value; /* exit status, signal */
	regex_t re;
};

struct cimport {
	char *spec; /* HOST[:GUEST] as written */
	bool tree;  /* dir, not file */
};

struct campaign {
	char *path; /* as given */
	char *dir;  /* its directory: paths in it are relative to this */
	char *name; /* its base name */
	char *text; /* its bytes, for the fingerprint */
	size_t textlen;
	char *guest; /* as written */
	char **args; /* argv[1...] */
	int nargs;
	struct cimport *imports;
	int nimports;
	char *stdin_path; /* NULL: none (end of file at once) */
	char **env;
	int nenv;
	char *ram_text; /* NULL: memu's default */
	uint64_t ram;
	bool seed_set;
	uint64_t seed;
	struct cfault *faults;
	int nfaults;
	bool sampled;
	uint64_t sample, sample_seed;
	struct crule *rules;
	int nrules;
	uint64_t hang_factor, hang_add; /* budget = factor * golden + add */
	uint64_t golden_limit;
	uint64_t output_limit;
	bool compare_stdout, compare_stderr;
	bool snapshot;
	bool prune; /* def/use pruning (campaign_prune.c) */
	/* $NAME counts of the golden run: names, and values once known */
	char **counts;
	int ncounts;
	uint64_t *count_values;
	/* the fault space (campaign_space.c) */
	uint64_t points;
	void *sample_state;
};

/* Read and check a campaign file: 0, or -1 with "FILE:LINE: what" (or
 * "FILE: what") in err. */
int campaign_load(const char *path, struct campaign *c, char *err,
		  size_t errlen);
void campaign_free(struct campaign *c);
/* The address of symbol name in the ELF file at path (elf_symbol.c):
 * 0, or -1 with a line in err. */
int elf_symbol(const char *path, const char *name, uint64_t *addr, char *err,
	       size_t errlen);
/* The spec that counts $NAME's events in a golden run without firing,
 * for campaign_machine.c: "" for $insn (the instruction counter). */
void campaign_count_spec(const char *name, char *buf, size_t n);

/* ---- the fault space (campaign_space.c) */

/* With the golden counts known: each slot's values, each line's size,
 * the experiments.  0, or -1 with "FILE:LINE: what" in err. */
int space_resolve(struct campaign *c, char *err, size_t errlen);
/* Points of the fault space, and experiments (a sample, or all). */
uint64_t space_points(const struct campaign *c);
uint64_t space_experiments(const struct campaign *c);
/* The point experiment i injects (sampled points in ascending order). */
uint64_t space_point(const struct campaign *c, uint64_t i);
/* The specs of point p, blank-separated, in buf: the count of specs, or
 * -1 if buf is too small.  *line is the fault line's number. */
int space_expand(const struct campaign *c, uint64_t p, char *buf, size_t n,
		 int *line);
/* The specs at every end of every range (each slot first and last, the
 * others first), one at a time, for checking before anything runs:
 * calls check(ctx, spec, line) until it returns non-zero. */
int space_corners(const struct campaign *c,
		  int (*check)(void *ctx, const char *spec, int line),
		  void *ctx);
void space_free(struct campaign *c);

/* ---- a machine for the guest (campaign_machine.c) */

/* How a run ended, as a campaign sees it. */
#define CRUN_SPECS 8
struct crun {
	int stop;      /* enum memu_stop */
	int exit_code; /* memu_exit_code */
	int signal, si_code;
	uint64_t addr;
	char reason[160];
	uint64_t instructions;
	uint64_t fired[CRUN_SPECS]; /* times each spec fired */
	uint64_t seen[CRUN_SPECS];  /* events each spec's trigger counted */
	int nspecs;
	char *out, *err; /* the guest's stdout and stderr */
	size_t outlen, errlen;
};

struct memu;
struct cmachine {
	struct memu *m;
	int in_fd, out_fd, err_fd; /* host files behind the guest's 0-2 */
	int nspecs;
	struct memu_result r;
};

/* A machine with the campaign's settings, the faults in specs
 * (blank-separated; NULL: none) armed, the instruction counter on (and
 * the limit, if not 0), the imports made and the guest loaded: 0, or -1
 * with a line in err. */
int cmachine_start(const struct campaign *c, struct cmachine *cm,
		   const char *specs, uint64_t limit, char *err, size_t errlen);
/* The same with the event log on (inject_log_start): its entries kept,
 * or only counted. */
int cmachine_start_log(const struct campaign *c, struct cmachine *cm,
		       const char *specs, uint64_t limit, bool keep,
		       int (*before_load)(struct memu *m, void *ctx), void *ctx,
		       char *err, size_t errlen);
/* The same, calling before_load(m, ctx) before the guest is loaded
 * (before any of its code is translated): 0 or -1. */
int cmachine_start_hooked(const struct campaign *c, struct cmachine *cm,
			  const char *specs, uint64_t limit,
			  int (*before_load)(struct memu *m, void *ctx),
			  void *ctx, char *err, size_t errlen);
/* Run to the end (past probes) or a pause: the memu_run stop. */
int cmachine_run(struct cmachine *cm);
/* The run so far into r (outputs copied). */
void cmachine_result(struct cmachine *cm, struct crun *r);
/* After fork(): the guest's streams become this process's own files
 * (the output so far copied, stdin at the same offset). */
int cmachine_unshare(const struct campaign *c, struct cmachine *cm);
void cmachine_free(struct cmachine *cm);
void crun_free(struct crun *r);
/* Set up a process that runs guests: its output bound by the campaign's
 * limit (RLIMIT_FSIZE), in the campaign file's directory. */
int campaign_child_setup(const struct campaign *c);

/* ---- classification (campaign_classify.c) */

enum cclass {
	CLASS_MASKED,
	CLASS_SDC,
	CLASS_DETECTED,
	CLASS_CRASH,
	CLASS_HANG,
	CLASS_EXIT,
	CLASS_MACHINE_ERROR,
	CLASSES
};
extern const char *const class_names[CLASSES];

/* The events an event= trigger counts (its class and kind): where they
 * are in the golden run's event log. */
struct cfilter {
	int ev;
	int64_t kind;
	uint64_t *pos; /* indices in the log, ascending */
	uint64_t n;
};

#define CAMPAIGN_FILTERS 64

struct inject_log_entry;
struct golden {
	struct crun run;
	uint64_t budget; /* an experiment's instruction limit */
	/* The golden run's event log (snapshots for event= faults), all
	 * of it, or log_full. */
	struct inject_log_entry *log;
	uint64_t nlog;
	bool log_full;
	struct cfilter filters[CAMPAIGN_FILTERS];
	int nfilters;
	/* The instructions rip= faults name, and before each of their
	 * executions in the golden run the instructions retired
	 * (campaign_rip.c): snapshots for rip= faults. */
	struct crip {
		uint64_t at;
		uint64_t *insns;
		uint64_t n;
	} rips[CAMPAIGN_FILTERS];
	int nrips;
};

/* The result line of experiment index (no newline) into a malloc'd
 * string: its class against the golden run, the details, and the
 * command line that reproduces it. */
char *classify(const struct campaign *c, const struct golden *g, uint64_t index,
	       const char *specs, const struct crun *r);
/* The `memu run` command line of an experiment (specs blank-separated,
 * NULL: none), shell-quoted, into a malloc'd string. */
char *repro_command(const struct campaign *c, const struct golden *g,
		    const char *specs);

/* A growing string, for JSON. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};
void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_json_string(struct sbuf *b, const char *s);
/* A result line's first fields ("index", "specs"), and its last
 * ("command") with the line closed: the line (malloc'd), or NULL. */
void result_line_begin(struct sbuf *b, uint64_t index, const char *specs);
char *result_line_end(struct sbuf *b, const struct campaign *c,
		      const struct golden *g, const char *specs);
/* A blank, then w as one shell word (quoted when it needs to be). */
void shell_word(struct sbuf *b, const char *w);

/* ---- the results file (campaign_results.c) */

/* The header line (no newline): what the results belong to. */
char *results_header(const struct campaign *c, const struct golden *g);

struct results {
	char *header;
	char **lines; /* by index; NULL: none yet */
	uint64_t n;   /* experiments */
	uint64_t done;
};

/* Read an existing results file for a campaign with this header and n
 * experiments: 0 (r filled; a missing file is empty), or -1 with a line
 * in err.  A last line cut short (an interrupted write) is dropped. */
int results_read(const char *path, const char *header, uint64_t n,
		 struct results *r, char *err, size_t errlen);
/* Write r sorted, to path (through a temporary file and rename): 0/-1. */
int results_write(const char *path, const struct results *r);
void results_free(struct results *r);
/* The results in files joined into r: 0, -1 (bad input) or -2 (two
 * different results for one experiment), with a line in err. */
int results_join(int nfiles, char *const *files, struct results *r, char *err,
		 size_t errlen);
/* memu campaign merge. */
int results_merge_main(int argc, char **argv);
/* The index of a result line, or -1 if it is none. */
int64_t result_index(const char *line);

/* ---- the summary (campaign_summary.c) */

/* The table of classes over the results, with 95% Wilson intervals. */
void summary_print(FILE *out, const struct results *r);
/* memu campaign summary. */
int summary_main(int argc, char **argv);

/* ---- def/use pruning (campaign_prune.c) */

/* Which experiments are provably masked: each of their faults flips a
 * byte at an instruction count, and the byte is overwritten by the CPU
 * before anything reads it (docs/campaigns.md, "Pruning"). */
struct prune {
	uint64_t n; /* experiments */
	char **why; /* by index: NULL, or "written by instruction K" */
	uint64_t pruned;
	char note[160]; /* why nothing was pruned, when that is so */
};

/* The def/use run (a child) and its verdicts: 0, or -1 with p->note
 * saying why nothing is pruned (the run goes on without). */
int prune_plan(struct campaign *c, const struct golden *g, struct prune *p);
/* The result line of a pruned experiment (no newline), malloc'd. */
char *prune_line(const struct campaign *c, const struct golden *g,
		 uint64_t index, const char *specs, const char *why);
void prune_free(struct prune *p);

/* ---- executions of instructions in the golden run (campaign_rip.c) */

/* Run the golden run again counting the executions of g->rips' each
 * instruction: 0, or -1 (then no rip= fault forks from a snapshot). */
int rip_pass(struct campaign *c, struct golden *g);

/* ---- pipes between a campaign's processes (campaign_pipe.c) */

/* Write or read all n bytes (retrying after EINTR): 0, or -1 at an
 * error or the pipe's end. */
int pipe_write_full(int fd, const void *p, size_t n);
int pipe_read_full(int fd, void *p, size_t n);

/* ---- memu campaign (campaign_run.c) */

int campaign_main(int argc, char **argv);
/* The golden run of a loaded campaign, its budget and the fault space
 * resolved: 0, or the exit status with the line said. */
int golden_run(struct campaign *c, struct golden *g);
void golden_free(struct golden *g);

/* ---- memu campaign slurm (campaign_slurm.c) */

int slurm_main(int argc, char **argv);

#endif
