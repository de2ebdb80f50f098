/* The event log (docs/campaigns.md, "Snapshots").
 *
 * Every event an event= trigger can count - a syscall as it is entered,
 * a fault, a TLB flush, a frame allocation, a signal delivery - in the
 * order it came, with the instructions retired by then.  A campaign's
 * golden run keeps the entries: they say where the Kth event of a kind
 * comes, so an experiment whose fault waits for it can fork from a
 * snapshot taken just before.  A worker's golden machine only counts
 * them: the count says how many events of each kind a snapshot has
 * behind it, since its events are the golden run's, in the same order.
 */
#include <stdlib.h>

#include "inject.h"
#include "machine.h"

int inject_log_start(struct memu *m, bool keep)
{
	struct inject_log *l = &m->inject.log;
	l->on = true;
	l->keep = keep;
	/* Events reach inject_event only when a trigger wants them. */
	m->inject.events = true;
	return 0;
}

void inject_log_add(struct memu *m, enum inject_event_class ev, int64_t kind)
{
	struct inject_log *l = &m->inject.log;
	l->n++;
	if (!l->keep || l->full)
		return;
	if (l->n > INJECT_LOG_MAX) {
		l->full = true;
		return;
	}
	if (l->n > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		struct inject_log_entry *e = realloc(l->e, cap * sizeof(*e));
		if (!e) {
			l->full = true; /* not all: no snapshots by it */
			return;
		}
		l->e = e;
		l->cap = cap;
	}
	l->e[l->n - 1] = (struct inject_log_entry){
		.insns = memu_instructions(m), .kind = kind, .ev = (int)ev};
}

void inject_log_free(struct inject_log *l)
{
	free(l->e);
	*l = (struct inject_log){0};
}
