/* Fault injection: what to inject and when (docs/inject.md).
 *
 * A spec is one line, WHAT:ARGS@WHEN, parsed into a struct inject_spec
 * and printed back the same way (inject_format), so a campaign can hand
 * out any experiment as one `memu run --inject ...` command line:
 *
 *   flip:phys=0x1f000,bit=3@insn=120000
 *   flip:va=0x7ffff7ff9010,bit=0@event=fault.anon#3
 *   flip:reg=rax,bit=63@rip=0x401234#2
 *   flip:pte=0x7ffff7ff9000,level=1,bit=rw@event=syscall.mmap#10
 *   lose-flush:count=1@event=syscall.munmap#1
 *   fail-alloc:times=1@event=fault.anon#5
 *   hwpoison:va=0x7ffff7ff9000@insn=5000
 *   syscall:errno=EIO@event=syscall.write#3
 *   syscall:retval=0@event=syscall.read#1
 *   signal:sig=SIGUSR1@insn=1000
 *
 * WHEN is insn=N (the Nth guest instruction), rip=ADDR[#N] (the Nth
 * execution of the instruction at ADDR), event=KIND[#N] (the Nth event of
 * a kind; #1 if omitted), access=ADDR (the first access to ADDR's page),
 * with ",p=P,seed=S" after an event trigger to fire on each such event
 * with probability P instead.
 */
#ifndef MEMU_EMU_INJECT_H
#define MEMU_EMU_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../mmu/event.h" /* enum inject_what */

enum inject_when {
	WHEN_INSN,   /* n: instruction count */
	WHEN_RIP,    /* at, n: the nth execution of the instruction at */
	WHEN_EVENT,  /* event, n (or p, seed) */
	WHEN_ACCESS, /* at: the first access to at's page */
};

/* The events a trigger may count. */
enum inject_event_class {
	IEV_FAULT,   /* kind: enum fault_kind, or -1 for any */
	IEV_SYSCALL, /* kind: syscall number, or -1 for any */
	IEV_TLB_FLUSH,
	IEV_FRAME_ALLOC,
	IEV_SIGNAL,
};

#define INJECT_SPEC_MAX 512 /* a spec's text, with its NUL */

struct inject_spec {
	enum inject_what what;
	uint64_t addr; /* phys, va, pte's va, hwpoison's va or pfn */
	bool by_pfn;   /* hwpoison:pfn=N rather than va= */
	int bit;       /* flip: 0-63 (a byte's: 0-7) */
	int reg;       /* flip:reg: index in inject_regs */
	int level;     /* flip:pte: 1 (PT) to 4 (PML4) */
	uint64_t count, times, every; /* lose-flush, fail-alloc */
	unsigned reasons;	      /* lose-flush: MEMU_FLUSH_* */
	bool has_errno;
	int err;	/* syscall: errno (positive) */
	int64_t retval; /* syscall: the value returned instead */
	int sig;	/* signal */
	double fail_p;	/* fail-alloc: probability per allocation */
	uint64_t fail_seed;
	/* when */
	enum inject_when when;
	uint64_t n;  /* insn count, or which execution / event (1 = first) */
	uint64_t at; /* rip or access address */
	enum inject_event_class ev;
	int ev_kind;
	double p; /* > 0: fire on each event with probability p */
	uint64_t seed;
};

/* Parse one spec: 0, or -1 with one line in err (no trailing newline). */
int inject_parse(const char *text, struct inject_spec *out, char *err,
		 size_t errlen);
/* The spec as text again (inject_parse of it gives the same spec): the
 * length written, as snprintf. */
int inject_format(const struct inject_spec *s, char *buf, size_t n);

/* Names, for the parser, the trace and --stats. */
const char *inject_what_name(enum inject_what w);
extern const char *const inject_regs[];
extern const int inject_reg_ids[]; /* Unicorn's UC_X86_REG_* */

/* ---- the armed specs of a machine (inject.c) */

#define INJECT_MAX 64

struct inject_armed {
	struct inject_spec spec;
	uint64_t seen;	/* trigger events or executions counted */
	uint64_t fired; /* times the fault was injected */
	bool done;	/* fired, and fires no more */
	bool pending;	/* fire at the next safe point */
	uint64_t rng[4];
};

/* The event log (inject_log.c): every event a trigger can count, in
 * order, with the instructions retired when it came.  A campaign's
 * golden run keeps it; a worker's golden machine only counts, to know
 * where a snapshot stands (docs/campaigns.md, "Snapshots"). */
struct inject_log_entry {
	uint64_t insns; /* memu_instructions when it came */
	int64_t kind;	/* fault kind or syscall number; 0 for others */
	int ev;		/* enum inject_event_class */
};

#define INJECT_LOG_MAX (1u << 21) /* entries kept, at most */

struct inject_log {
	bool on;   /* count (n) */
	bool keep; /* and keep (e): until full */
	bool full; /* more than INJECT_LOG_MAX came: e is not all */
	uint64_t n;
	struct inject_log_entry *e;
	size_t cap;
};

struct injector {
	struct inject_armed a[INJECT_MAX];
	int n;
	bool events; /* a spec counts events of the event point */
	bool insns;  /* a spec counts instructions */
	bool pending;
	struct inject_log log;
	/* Instructions whose executions rip= triggers may count: hooked
	 * before the program is loaded, armed or not (inject_watch_rip). */
	uint64_t watch[INJECT_MAX];
	int nwatch;
};

struct memu;
struct event;

/* Arm one spec (before the program is loaded): 0, or -1 and a line. */
int inject_add(struct memu *m, const char *text, char *err, size_t errlen);
/* Parse text and check it against the machine, arming nothing: 0, or
 * -1 and a line (a campaign checks its fault space this way). */
int inject_validate(struct memu *m, const char *text, char *err, size_t errlen);
/* Arm a spec while the guest runs (stopped at memu_pause_at): what a
 * fresh run with the spec armed before the program was loaded does from
 * here on.  An insn=N spec: N not below the instructions so far.  An
 * event=KIND#N spec: seen is how many events of KIND came so far, below
 * N; with p=, below the first on which it fires (inject_first_chance).
 * A rip=ADDR#N spec, ADDR watched (inject_watch_rip): seen is how many
 * times the instruction ran so far, below N. */
int inject_add_now(struct memu *m, const char *text, uint64_t seen, char *err,
		   size_t errlen);
/* An event=KIND,p=P,seed=S spec: the first of n events of its kind on
 * which it fires (from 1), or 0 when it fires on none of them. */
uint64_t inject_first_chance(const struct inject_spec *s, uint64_t n);
/* Hook the instruction at va for rip= triggers before the program is
 * loaded, so that one armed later with inject_add_now counts its
 * executions (a campaign's snapshot): 0, or -1. */
int inject_watch_rip(struct memu *m, uint64_t va);
/* Whether a trigger of spec s counts an event of class ev and kind. */
bool inject_counts(const struct inject_spec *s, enum inject_event_class ev,
		   int64_t kind);
/* The event log: start it before the program is loaded (keep: keep the
 * entries, else only count them): 0, or -1 (out of memory). */
int inject_log_start(struct memu *m, bool keep);
void inject_log_add(struct memu *m, enum inject_event_class ev, int64_t kind);
void inject_log_free(struct inject_log *l);
/* The event point's events, for the event triggers. */
void inject_event(struct memu *m, const struct event *e);
/* A syscall is entered: 1 and *ret when an injection answers it instead
 * of its handler, else 0. */
int inject_syscall(struct memu *m, uint64_t nr, int64_t *ret);
/* The CPU is about to run instruction n+1 (n retired). */
void inject_insn(struct memu *m, uint64_t n);
/* A TLB miss for va (access triggers). */
void inject_access(struct memu *m, uint64_t va);
/* Fire what is pending: a safe point (after a syscall, a TLB fill, an
 * instruction hook), where memory and the CPU may change. */
void inject_run_pending(struct memu *m);
/* --stats: what fired, and what never did. */
void inject_report(struct memu *m, FILE *out);

#endif
