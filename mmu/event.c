#include "event.h"

#include <errno.h>
#include <string.h>

static void count_syscall(struct events *ev, uint64_t nr, int64_t result)
{
	uint64_t slot = nr < SYSCALL_SLOTS - 1 ? nr : SYSCALL_SLOTS - 1;
	ev->syscalls[slot]++;
	if (result == -ENOSYS)
		ev->syscalls_enosys[slot]++;
}

static void count_frame(struct events *ev, const struct event *e)
{
	enum frame_kind k = (enum frame_kind)e->b;
	if (e->kind == EV_FRAME_ALLOC) {
		ev->frames_alloc[k]++;
		if (++ev->frames_now[k] > ev->frames_peak[k])
			ev->frames_peak[k] = ev->frames_now[k];
	} else if (ev->frames_now[k]) {
		ev->frames_now[k]--;
	}
}

void event_emit(struct events *ev, const struct event *e)
{
	ev->count[e->kind]++;
	switch (e->kind) {
	case EV_FAULT:
		ev->faults[e->b]++;
		/* Linux counts a fault in min_flt only when handle_mm_fault
		 * succeeds: access errors are not counted. */
		if (e->b == FAULT_SWAP)
			ev->majflt++;
		else if (e->b != FAULT_SEGV && e->b != FAULT_STACK_GROW)
			ev->minflt++;
		break;
	case EV_FRAME_ALLOC:
	case EV_FRAME_FREE:
		count_frame(ev, e);
		break;
	case EV_SYSCALL:
		count_syscall(ev, e->a, (int64_t)e->b);
		break;
	default:
		break;
	}
	/* The trace: off, this is the event point's whole cost. */
	if (ev->sink)
		ev->sink(ev->sink_ctx, e);
}

void events_reset_counters(struct events *ev)
{
	memset(ev->count, 0, sizeof(ev->count));
	memset(ev->faults, 0, sizeof(ev->faults));
	memset(ev->frames_alloc, 0, sizeof(ev->frames_alloc));
	memset(ev->syscalls, 0, sizeof(ev->syscalls));
	memset(ev->syscalls_enosys, 0, sizeof(ev->syscalls_enosys));
	ev->minflt = 0;
	ev->majflt = 0;
	memcpy(ev->frames_peak, ev->frames_now, sizeof(ev->frames_peak));
}
