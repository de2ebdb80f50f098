/* The last events of the event point, kept while gdb is attached, for
 * `monitor events N` (docs/gdb.md, "monitor"): a ring of GDB_EVENTS, each
 * with the instruction count and RIP where it came, printed as the JSON
 * Lines trace prints them (docs/trace.md).  TLB fills are left out:
 * their number depends on host time (mmu/event.h). */
#include <stdlib.h>

#include "gdbstub.h"
#include "machine.h"

#define GDB_EVENTS 4096

struct gdb_events {
	event_sink_fn next; /* the sink that was there: called on */
	void *next_ctx;
	uint64_t total; /* events kept so far; the ring has the last */
	struct {
		struct event e;
		uint64_t n, rip, in_use;
	} ring[GDB_EVENTS];
};

static void keep(void *ctx, const struct event *e)
{
	struct memu *m = ctx;
	struct gdb_events *ev = gdb_events_of(m);
	if (ev->next)
		ev->next(ev->next_ctx, e);
	else if (m->inject.events) /* as machine.c's sink would */
		inject_event(m, e);
	if (e->kind == EV_TLB_FILL)
		return;
	unsigned i = (unsigned)(ev->total++ % GDB_EVENTS);
	ev->ring[i].e = *e;
	icount_position(m, &ev->ring[i].n, &ev->ring[i].rip);
	ev->ring[i].in_use = trace_in_use(m, e);
}

struct gdb_events *gdb_events_start(struct memu *m)
{
	struct gdb_events *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return NULL;
	ev->next = m->mmu.events.sink;
	ev->next_ctx = m->mmu.events.sink_ctx;
	m->mmu.events.sink = keep;
	m->mmu.events.sink_ctx = m;
	return ev;
}

void gdb_events_print(struct gdb_events *ev, unsigned n, FILE *f)
{
	if (!ev)
		return;
	uint64_t have = ev->total < GDB_EVENTS ? ev->total : GDB_EVENTS;
	if (n > have)
		n = (unsigned)have;
	for (uint64_t k = ev->total - n; k < ev->total; k++) {
		unsigned i = (unsigned)(k % GDB_EVENTS);
		trace_jsonl_line(f, &ev->ring[i].e, ev->ring[i].n,
				 ev->ring[i].rip, ev->ring[i].in_use);
	}
}

void gdb_events_free(struct memu *m, struct gdb_events *ev)
{
	if (!ev)
		return;
	if (m->mmu.events.sink == keep) {
		m->mmu.events.sink = ev->next;
		m->mmu.events.sink_ctx = ev->next_ctx;
	}
	free(ev);
}
