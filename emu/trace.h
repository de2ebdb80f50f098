/* The event trace (docs/trace.md): the guest's instruction count while it
 * is on (icount.c) and the writer behind the event point's sink
 * (trace.c).  Internal to memu; the public face is include/memu.h. */
#ifndef MEMU_EMU_TRACE_H
#define MEMU_EMU_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct memu;

/* Instructions counted by a code hook, only while a trace is on. */
struct icount {
	bool on;      /* the hook is in place */
	bool in_insn; /* instruction `rip` has started and not retired */
	uint64_t n;   /* instructions started, less those that faulted */
	uint64_t rip; /* the last one started */
	/* Stop before instruction stop_at + 1 starts (stop_at retired):
	 * the earlier of the limit and the pause (UINT64_MAX: none). */
	uint64_t stop_at;
	bool limit_set, pause_set;
	uint64_t limit; /* memu_insn_limit: MEMU_STOP_LIMIT, for good */
	uint64_t pause; /* memu_pause_at: MEMU_STOP_PAUSE, run again */
	/* A replay's target (docs/gdb.md): gdb_arrive before instruction
	 * gdb_at + 1 starts; UINT64_MAX: none. */
	uint64_t gdb_at;
};

struct trace {
	FILE *out; /* NULL: no trace */
	unsigned mask;
	int format;   /* enum memu_trace_format */
	bool started; /* the header is written and the sink attached */
	bool ended;
	bool any; /* chrome: an event is written (commas) */
};

/* icount.c */
int icount_start(struct memu *m);
/* A stop made by the limit or the pause: MEMU_STOP_LIMIT or
 * MEMU_STOP_PAUSE, which the run loop and the signals treat as final or
 * as resumable. */
bool icount_resumable(int stop);
/* The CPU fetches code for a new block: the instruction before has
 * retired. */
void icount_fetch(struct memu *m);
/* The CPU has stopped or taken an exception, with RIP where it goes on
 * (or reports): an instruction that started at RIP did not retire. */
void icount_settle(struct memu *m);
/* Where an event happens: *n instructions retired before it, at *rip. */
void icount_position(struct memu *m, uint64_t *n, uint64_t *rip);

/* trace.c: the header, when the guest starts (memu_load); then each
 * event of the event point (machine.c's sink passes them on). */
void trace_begin(struct memu *m);
struct event;
void trace_event(struct memu *m, const struct event *e);
/* One event as a JSON Lines trace writes it, to f (gdb_events.c), with
 * the frames of its kind in use then (trace_in_use when it comes). */
uint64_t trace_in_use(struct memu *m, const struct event *e);
void trace_jsonl_line(FILE *f, const struct event *e, uint64_t n, uint64_t rip,
		      uint64_t in_use);

#endif
