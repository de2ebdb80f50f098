/* The memu command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "../include/memu.h"
#include "campaign.h"
#include "gdbstub.h"
#include "inject.h"

#define EXIT_USAGE 2
#define EXIT_TRACE 74 /* EX_IOERR: the trace could not be written */

/* clang-format off */
static const char usage[] =
	"usage: memu run [options] PROGRAM [ARGS...]\n"
	"       memu machine [options]\n"
	"       memu campaign run|count|merge|summary|slurm ... (memu campaign -h)\n"
	"       memu --help | --version\n"
	"\n"
	"Run a static x86-64 Linux program on an emulated PC: physical RAM,\n"
	"the ISA I/O hole at 0xA0000-0x100000, 4-level page tables walked\n"
	"by memu's MMU on every TLB miss, and anonymous demand paging.\n"
	"Guests can use /dev/mem (Linux semantics, FreeBSD mem(4) ioctls),\n"
	"/dev/kmem, /dev/zero and three teaching drivers.  Runs are\n"
	"deterministic: same program, arguments, seed and input, same output.\n"
	"\n"
	"commands:\n"
	"  run        load PROGRAM (musl or glibc -static, static-PIE, or\n"
	"             -nostdlib) and run it; memu exits with the guest's\n"
	"             status, or 128+signal (with one line on stderr) if it\n"
	"             was killed\n"
	"  machine    print the physical memory map, NUMA domains and MTRRs\n"
	"\n"
	"options:\n"
	"  --ram SIZE        physical address space, e.g. 256M, 1G\n"
	"                    (default 256M)\n"
	"  --stats           print fault, frame, TLB, memory-type and syscall\n"
	"                    counts on stderr when the guest ends\n"
	"  --seed N          seed for AT_RANDOM and getrandom(2) (default 0)\n"
	"  --sched-seed N    permute the order threads and processes run in,\n"
	"                    reproducibly (default 0: round robin)\n"
	"  --devmem POLICY   what /dev/mem may reach: strict (default; Linux\n"
	"                    STRICT_DEVMEM: no RAM above 1 MiB), io-strict\n"
	"                    (also no driver-claimed ranges above 1 MiB), open\n"
	"  --vga             print the VGA text screen (0xB8000) on stdout\n"
	"                    when the guest ends\n"
	"  --pagetables[=WHEN]  print the guest's address space on stdout:\n"
	"                    each VMA, then the runs of page-table entries\n"
	"                    under it (frame, A/D and PROT_NONE bits,\n"
	"                    effective memory type); WHEN is end (the\n"
	"                    default: when the guest ends) or probe (also at\n"
	"                    every memu_probe() stop, after the VMAs as\n"
	"                    /proc/self/maps shows them)\n"
	"  --vmprint[=WHEN]  print the whole page-table tree on stdout in\n"
	"                    xv6's vmprint format; WHEN as for --pagetables\n"
	"  --file HOST[:GUEST]  copy a host file into the guest's file system\n"
	"                    before it starts (repeatable; GUEST defaults to\n"
	"                    HOST as written, relative to /)\n"
	"  --dir HOST[:GUEST]   copy a host directory tree the same way\n"
	"                    (regular files, directories and symbolic links;\n"
	"                    the guest sees no other host path)\n"
	"  --mtrr MODE       the CPU's MTRRs: on (default, set up by\n"
	"                    firmware), disabled (left off), off (none)\n"
	"  --mtrr-var N      variable-range MTRRs, 0-32 (default 8)\n"
	"  --numa N          split RAM into N NUMA domains, 1-8 (default 1)\n"
	"  --swap [FILE:]SIZE  a swap device of SIZE (e.g. 64M): a memfd,\n"
	"                    or the host file FILE (created or truncated);\n"
	"                    anonymous pages are reclaimed to it when RAM\n"
	"                    runs low (docs/reclaim.md)\n"
	"  --reclaim POLICY  the page-replacement policy with --swap: lru\n"
	"                    (default; Linux's active/inactive lists), clock,\n"
	"                    fifo, or a policy module's path, with a /\n"
	"                    (include/memu_policy.h, docs/reclaim.md)\n"
	"  --env VAR=VALUE   add to the guest's environment (repeatable; the\n"
	"                    host environment is never passed through)\n"
	"  --trace FILE      write every event (faults, PTE writes, frames,\n"
	"                    TLB flushes, syscalls, signals) to FILE with the\n"
	"                    guest's instruction count and RIP at each\n"
	"                    (docs/trace.md); counting instructions slows\n"
	"                    the guest while it is on\n"
	"  --driver PATH.so  load a driver module (include/memu_driver.h) as\n"
	"                    /dev/NAME before the guest starts; repeatable\n"
	"                    (docs/drivers.md)\n"
	"  --report FILE.html  write one self-contained HTML page about the\n"
	"                    run when the guest ends: the address space, the\n"
	"                    frames by kind, the page-table tree, a timeline\n"
	"                    of faults and TLB flushes (docs/report.md)\n"
	"  --trace-events LIST  only these kinds, comma-separated: fault,\n"
	"                    pte, frame, tlb, syscall, signal, inject\n"
	"                    (default: all)\n"
	"  --trace-format F  jsonl (default: JSON Lines, one event a line)\n"
	"                    or chrome (trace-event JSON for Perfetto or\n"
	"                    chrome://tracing)\n"
	"  --inject SPEC     inject a fault (repeatable): WHAT:ARGS@WHEN,\n"
	"                    e.g. flip:va=0x7ffff7ff9000,bit=3@insn=5000 or\n"
	"                    syscall:errno=EIO@event=syscall.write#2; the\n"
	"                    language is docs/inject.md's; --stats reports\n"
	"                    what fired and what never did\n"
	"  --insn-limit N    stop the guest once it has run N instructions\n"
	"                    (exit status 124; counting them slows it)\n"
	"  --gdb [HOST:]PORT|unix:PATH  wait for gdb on a TCP port (HOST\n"
	"                    defaults to 127.0.0.1) or a Unix socket before\n"
	"                    the first instruction, and let it debug the\n"
	"                    guest (docs/gdb.md); it can go back too, from\n"
	"                    snapshots (counting instructions slows the run)\n"
	"  --gdb-no-reverse  --gdb without going back: no counting, no\n"
	"                    snapshots\n"
	"  -h, --help        this text\n"
	"  -V, --version     memu's version\n"
	"\n"
	"exit status: the guest's; 128+N if signal N killed it; 2 for bad\n"
	"usage or a program memu cannot load; 70 for a machine error; 74 if\n"
	"the trace or the report could not be written; 75 if every guest\n"
	"process waits for another (a deadlock); 124 at --insn-limit.\n";
/* clang-format on */

struct cli {
	struct memu_config cfg;
	bool stats;
	bool vga;
	bool pagetables;
	bool pagetables_probe;
	bool vmprint;
	bool vmprint_probe;
	const char **env;
	size_t nenv;
	struct {
		const char *spec;
		bool tree;
	} * imports; /* --file and --dir, in order */
	size_t nimports;
	const char *trace;	/* --trace FILE */
	const char *report;	/* --report FILE */
	const char *drivers[8]; /* --driver PATH.so */
	size_t ndrivers;
	unsigned trace_events; /* 0: not given (all) */
	const char **injects;  /* --inject specs, in order */
	uint64_t insn_limit;   /* --insn-limit, 0: none */
	size_t ninjects;
	bool trace_format_given;
	enum memu_trace_format trace_format;
	char *swap_path; /* --swap FILE:SIZE's FILE */
	const char *gdb; /* --gdb */
	bool gdb_no_reverse;
};

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, "memu: %s%s%s\n(try memu --help)\n", msg,
		arg ? ": " : "", arg ? arg : "");
	return EXIT_USAGE;
}

enum {
	OPT_RAM = 1000,
	OPT_STATS,
	OPT_SEED,
	OPT_SCHED_SEED,
	OPT_ENV,
	OPT_DEVMEM,
	OPT_VGA,
	OPT_MTRR,
	OPT_MTRR_VAR,
	OPT_PAGETABLES,
	OPT_REPORT,
	OPT_DRIVER,
	OPT_VMPRINT,
	OPT_NUMA,
	OPT_FILE,
	OPT_DIR,
	OPT_TRACE,
	OPT_INJECT,
	OPT_TRACE_EVENTS,
	OPT_TRACE_FORMAT,
	OPT_INSN_LIMIT,
	OPT_SWAP,
	OPT_RECLAIM,
	OPT_GDB,
	OPT_GDB_NO_REVERSE,
};

/* --swap SIZE or FILE:SIZE (the last colon splits them). */
static int parse_swap(const char *arg, struct cli *c)
{
	const char *colon = strrchr(arg, ':');
	const char *size = colon ? colon + 1 : arg;
	if (colon == arg || memu_parse_size(size, &c->cfg.swap_bytes) ||
	    c->cfg.swap_bytes < 2 * 4096 || (c->cfg.swap_bytes & 4095))
		return -1;
	c->swap_path = colon ? strndup(arg, (size_t)(colon - arg)) : NULL;
	c->cfg.swap_path = c->swap_path;
	return 0;
}

static int parse_options(int argc, char **argv, struct cli *c, int *next)
{
	static const struct option opts[] = {
		{"ram", required_argument, 0, OPT_RAM},
		{"stats", no_argument, 0, OPT_STATS},
		{"seed", required_argument, 0, OPT_SEED},
		{"sched-seed", required_argument, 0, OPT_SCHED_SEED},
		{"env", required_argument, 0, OPT_ENV},
		{"devmem", required_argument, 0, OPT_DEVMEM},
		{"vga", no_argument, 0, OPT_VGA},
		{"mtrr", required_argument, 0, OPT_MTRR},
		{"mtrr-var", required_argument, 0, OPT_MTRR_VAR},
		{"pagetables", optional_argument, 0, OPT_PAGETABLES},
		{"vmprint", optional_argument, 0, OPT_VMPRINT},
		{"report", required_argument, 0, OPT_REPORT},
		{"driver", required_argument, 0, OPT_DRIVER},
		{"file", required_argument, 0, OPT_FILE},
		{"dir", required_argument, 0, OPT_DIR},
		{"numa", required_argument, 0, OPT_NUMA},
		{"trace", required_argument, 0, OPT_TRACE},
		{"inject", required_argument, 0, OPT_INJECT},
		{"trace-events", required_argument, 0, OPT_TRACE_EVENTS},
		{"trace-format", required_argument, 0, OPT_TRACE_FORMAT},
		{"insn-limit", required_argument, 0, OPT_INSN_LIMIT},
		{"swap", required_argument, 0, OPT_SWAP},
		{"reclaim", required_argument, 0, OPT_RECLAIM},
		{"gdb", required_argument, 0, OPT_GDB},
		{"gdb-no-reverse", no_argument, 0, OPT_GDB_NO_REVERSE},
		{"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, 'V'},
		{0, 0, 0, 0},
	};
	int o;
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (o) {
		case OPT_RAM:
			if (memu_parse_size(optarg, &c->cfg.ram_bytes))
				return bad("bad --ram size", optarg);
			break;
		case OPT_STATS:
			c->stats = true;
			break;
		case OPT_SEED: {
			char *end;
			errno = 0;
			c->cfg.seed = strtoull(optarg, &end, 0);
			/* strtoull takes "-1" and wraps; ERANGE past 2^64. */
			if (!*optarg || *end || *optarg == '-' || errno)
				return bad("bad --seed", optarg);
			break;
		}
		case OPT_SCHED_SEED: {
			char *end;
			errno = 0;
			c->cfg.sched_seed = strtoull(optarg, &end, 0);
			if (!*optarg || *end || *optarg == '-' || errno)
				return bad("bad --sched-seed", optarg);
			break;
		}
		case OPT_DEVMEM:
			if (!strcmp(optarg, "strict"))
				c->cfg.devmem = MEMU_DEVMEM_STRICT;
			else if (!strcmp(optarg, "io-strict"))
				c->cfg.devmem = MEMU_DEVMEM_IO_STRICT;
			else if (!strcmp(optarg, "open"))
				c->cfg.devmem = MEMU_DEVMEM_OPEN;
			else
				return bad(
					"--devmem takes strict, io-strict or "
					"open",
					optarg);
			break;
		case OPT_VGA:
			c->vga = true;
			break;
		case OPT_PAGETABLES:
			c->pagetables = true;
			if (optarg && !strcmp(optarg, "probe"))
				c->pagetables_probe = true;
			else if (optarg && strcmp(optarg, "end"))
				return bad("--pagetables takes end or probe",
					   optarg);
			break;
		case OPT_DRIVER:
			if (c->ndrivers ==
			    sizeof(c->drivers) / sizeof(*c->drivers))
				return bad("--driver: at most 8 modules",
					   optarg);
			c->drivers[c->ndrivers++] = optarg;
			break;
		case OPT_REPORT:
			c->report = optarg;
			break;
		case OPT_VMPRINT:
			c->vmprint = true;
			if (optarg && !strcmp(optarg, "probe"))
				c->vmprint_probe = true;
			else if (optarg && strcmp(optarg, "end"))
				return bad("--vmprint takes end or probe",
					   optarg);
			break;
		case OPT_FILE:
		case OPT_DIR:
			c->imports[c->nimports].spec = optarg;
			c->imports[c->nimports++].tree = o == OPT_DIR;
			break;
		case OPT_MTRR:
			if (!strcmp(optarg, "on"))
				c->cfg.mtrr = MEMU_MTRR_ON;
			else if (!strcmp(optarg, "disabled"))
				c->cfg.mtrr = MEMU_MTRR_DISABLED;
			else if (!strcmp(optarg, "off"))
				c->cfg.mtrr = MEMU_MTRR_OFF;
			else
				return bad("--mtrr takes on, disabled or off",
					   optarg);
			break;
		case OPT_NUMA: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 8)
				return bad("--numa takes 1 to 8", optarg);
			c->cfg.numa_nodes = (unsigned)n;
			break;
		}
		case OPT_MTRR_VAR: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (!*optarg || *end || n > 32)
				return bad("--mtrr-var takes 0 to 32", optarg);
			c->cfg.mtrr_var = (unsigned)n;
			break;
		}
		case OPT_INJECT: {
			/* Checked now, so a bad spec costs no start-up. */
			struct inject_spec s;
			char why[256];
			if (inject_parse(optarg, &s, why, sizeof(why))) {
				fprintf(stderr, "memu: --inject %s: %s\n",
					optarg, why);
				return EXIT_USAGE;
			}
			c->injects[c->ninjects++] = optarg;
			break;
		}
		case OPT_TRACE:
			c->trace = optarg;
			break;
		case OPT_SWAP:
			free(c->swap_path);
			if (parse_swap(optarg, c))
				return bad("bad --swap size (a multiple of "
					   "4K, at least 8K)",
					   optarg);
			break;
		case OPT_RECLAIM:
			if (strcmp(optarg, "lru") && strcmp(optarg, "clock") &&
			    strcmp(optarg, "fifo") && !strchr(optarg, '/'))
				return bad(
					"--reclaim takes lru, clock, fifo or "
					"a module's path (with a /)",
					optarg);
			c->cfg.reclaim_policy = optarg;
			break;
		case OPT_GDB: {
			char why[128];
			if (gdb_parse_spec(optarg, why, sizeof(why))) {
				fprintf(stderr,
					"memu: bad --gdb %s: %s (want "
					"[HOST:]PORT or unix:PATH)\n",
					optarg, why);
				return EXIT_USAGE;
			}
			c->gdb = optarg;
			break;
		}
		case OPT_GDB_NO_REVERSE:
			c->gdb_no_reverse = true;
			break;
		case OPT_INSN_LIMIT: {
			char *end;
			errno = 0;
			c->insn_limit = strtoull(optarg, &end, 0);
			if (!*optarg || *end || *optarg == '-' || errno ||
			    !c->insn_limit)
				return bad("bad --insn-limit", optarg);
			break;
		}
		case OPT_TRACE_EVENTS: {
			char name[64];
			if (memu_trace_events(optarg, &c->trace_events, name,
					      sizeof(name)))
				return bad(*name ? "--trace-events: unknown "
						   "kind (fault, pte, frame, "
						   "tlb, syscall, signal, "
						   "inject)"
						 : "--trace-events: empty kind",
					   optarg);
			break;
		}
		case OPT_TRACE_FORMAT:
			c->trace_format_given = true;
			if (!strcmp(optarg, "jsonl"))
				c->trace_format = MEMU_TRACE_JSONL;
			else if (!strcmp(optarg, "chrome"))
				c->trace_format = MEMU_TRACE_CHROME;
			else
				return bad("--trace-format takes jsonl or "
					   "chrome",
					   optarg);
			break;
		case OPT_ENV:
			if (!strchr(optarg, '='))
				return bad("--env needs VAR=VALUE", optarg);
			c->env[c->nenv++] = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case 'V': {
			/* Built against, and running on (uc_version()). */
			unsigned int uc = uc_version(NULL, NULL);
			printf("memu %s (Unicorn %s, %s; "
			       "uc_version() %u.%u.%u)\n",
			       MEMU_VERSION, MEMU_UNICORN_VERSION,
			       MEMU_UNICORN_LINK, uc >> 24, (uc >> 16) & 0xff,
			       (uc >> 8) & 0xff);
			exit(0);
		}
		default:
			return bad("unknown option", argv[optind - 1]);
		}
	}
	*next = optind;
	return 0;
}

/* --trace: the file, opened for memu_trace; NULL (with the line said)
 * if it cannot be. */
static FILE *open_trace(struct cli *c, struct memu *m)
{
	FILE *f = fopen(c->trace, "w");
	if (!f) {
		fprintf(stderr, "memu: cannot write the trace: %s: %s\n",
			c->trace, strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	char err[256];
	if (memu_trace(m, f, c->trace_events ? c->trace_events : MEMU_TRACE_ALL,
		       c->trace_format, err, sizeof(err))) {
		fprintf(stderr, "memu: %s\n", err);
		fclose(f);
		return NULL;
	}
	return f;
}

static int cmd_run(struct cli *c, int argc, char **argv)
{
	if (argc < 1)
		return bad("run needs a PROGRAM", NULL);
	if (c->cfg.reclaim_policy && !c->cfg.swap_bytes)
		return bad("--reclaim needs --swap", NULL);
	if (!c->trace && (c->trace_events || c->trace_format_given))
		return bad(c->trace_events ? "--trace-events needs --trace"
					   : "--trace-format needs --trace",
			   NULL);
	char err[512] = "";
	c->env[c->nenv] = NULL;
	c->cfg.envp = c->env;
	struct memu *m = memu_new(&c->cfg, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "memu: %s\n", err);
		return EXIT_USAGE;
	}
	FILE *trace = NULL;
	if (c->trace && !(trace = open_trace(c, m))) {
		memu_free(m);
		return EXIT_USAGE;
	}
	FILE *report = NULL;
	if (c->report) {
		/* Opened now, so that a path memu cannot write is said
		 * before the guest runs. */
		report = fopen(c->report, "w");
		if (!report) {
			fprintf(stderr,
				"memu: cannot write the report: %s: %s\n",
				c->report, strerror(errno));
			memu_free(m);
			if (trace)
				fclose(trace);
			return EXIT_USAGE;
		}
		memu_report_begin(m);
	}
	const char *what = NULL; /* the --inject that failed */
	for (size_t i = 0; i < c->ninjects && !what; i++)
		if (memu_inject(m, c->injects[i], err, sizeof(err)))
			what = c->injects[i];
	bool failed = what != NULL;
	/* --gdb: reverse execution counts instructions (docs/gdb.md). */
	if (!failed && c->gdb && !c->gdb_no_reverse &&
	    memu_count_instructions(m)) {
		snprintf(err, sizeof(err), "cannot count instructions");
		failed = true;
	}
	if (!failed && c->insn_limit &&
	    (memu_count_instructions(m) || memu_insn_limit(m, c->insn_limit))) {
		snprintf(err, sizeof(err), "cannot count instructions");
		failed = true;
	}

	for (size_t i = 0; i < c->ndrivers && !failed; i++)
		failed = memu_load_driver(m, c->drivers[i], err, sizeof(err)) !=
			 0;
	for (size_t i = 0; i < c->nimports && !failed; i++)
		failed = memu_import(m, c->imports[i].spec, c->imports[i].tree,
				     err, sizeof(err)) != 0;
	if (failed ||
	    memu_load(m, argv[0], argc, (const char *const *)argv, err,
		      sizeof(err)) ||
	    (c->gdb &&
	     gdb_attach(m, c->gdb, !c->gdb_no_reverse, err, sizeof(err)))) {
		if (what)
			fprintf(stderr, "memu: --inject %s: %s\n", what, err);
		else
			fprintf(stderr, "memu: %s\n", err);
		memu_free(m);
		if (trace)
			fclose(trace);
		if (report)
			fclose(report);
		return EXIT_USAGE;
	}
	struct memu_result r;
	for (;;) {
		memu_run(m, &r);
		if (r.stop != MEMU_STOP_PROBE)
			break;
		if (c->pagetables_probe || c->vmprint_probe) {
			fflush(stdout);
			printf("memu: probe %llu\n",
			       (unsigned long long)r.probe_tag);
		}
		if (c->pagetables_probe) {
			memu_print_maps(m, stdout);
			memu_print_pagetables(m, stdout);
		}
		if (c->vmprint_probe)
			memu_print_vmprint(m, stdout);
		fflush(stdout);
	}
	gdb_end(m);
	fflush(stdout);
	memu_print_death(m, &r, stderr);
	if (c->vga)
		memu_print_vga(m, stdout);
	if (c->pagetables)
		memu_print_pagetables(m, stdout);
	if (c->vmprint)
		memu_print_vmprint(m, stdout);
	if (c->stats)
		memu_print_stats(m, stderr);
	int code = memu_exit_code(&r);
	/* Ended before memu_free, whose teardown is not the guest's. */
	if (trace && (memu_trace_end(m) | fclose(trace))) {
		fprintf(stderr, "memu: cannot write the trace: %s: %s\n",
			c->trace, strerror(errno));
		code = EXIT_TRACE;
	}
	if (report && (memu_write_report(m, &r, report) | fclose(report))) {
		fprintf(stderr, "memu: cannot write the report: %s: %s\n",
			c->report, strerror(errno));
		code = EXIT_TRACE;
	}
	memu_free(m);
	return code;
}

static int cmd_machine(struct cli *c, int argc)
{
	if (argc > 0)
		return bad("machine takes no arguments", NULL);
	char err[512] = "";
	struct memu *m = memu_new(&c->cfg, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "memu: %s\n", err);
		return EXIT_USAGE;
	}
	memu_print_machine(m, stdout);
	memu_free(m);
	return 0;
}

static int dispatch(struct cli *c, int argc, char **argv)
{
	int next = 1;
	int rc = parse_options(argc, argv, c, &next);
	if (rc)
		return rc;
	if (next >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[next];
	/* A campaign has its own options (docs/campaigns.md). */
	if (!strcmp(cmd, "campaign"))
		return next == 1 ? campaign_main(argc - next, argv + next)
				 : bad("options go after campaign's command",
				       NULL);
	int sub_next = 0;
	/* Options may also follow the command: memu run --stats prog. */
	rc = parse_options(argc - next, argv + next, c, &sub_next);
	if (rc)
		return rc;
	char **rest = argv + next + sub_next;
	int nrest = argc - next - sub_next;
	if (!strcmp(cmd, "run"))
		return cmd_run(c, nrest, rest);
	if (!strcmp(cmd, "machine"))
		return cmd_machine(c, nrest);
	return bad("unknown command", cmd);
}

int main(int argc, char **argv)
{
	struct cli c = {0};
	memu_config_init(&c.cfg);
	c.env = calloc((size_t)argc + 1, sizeof(char *));
	c.imports = calloc((size_t)argc + 1, sizeof(*c.imports));
	c.injects = calloc((size_t)argc + 1, sizeof(*c.injects));
	if (!c.env || !c.imports || !c.injects) {
		free(c.env);
		free(c.imports);
		free(c.injects);
		fprintf(stderr, "memu: out of memory\n");
		return 1;
	}
	/* Every path frees c.env: under LeakSanitizer a leak turns a usage
	 * error's exit status 2 into 1. */
	int rc = dispatch(&c, argc, argv);
	free(c.swap_path);
	free(c.env);
	free(c.imports);
	free(c.injects);
	return rc;
}
