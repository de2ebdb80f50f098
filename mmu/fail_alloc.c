#include "fail_alloc.h"

#include <errno.h>

/* splitmix64: the per-machine generator behind the probability. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Linux's prandom_u32_max(100): a 32-bit draw scaled to [0, 100). */
static uint64_t draw_percent(uint64_t *state)
{
	return ((next_random(state) >> 32) * 100) >> 32;
}

int fail_alloc_set(struct fail_alloc *fa, const struct fail_alloc_attr *attr)
{
	if (!attr) {
		fa->armed = false;
		fa->nth = 0;
		fa->probability = 0;
		fa->injected = false;
		return 0;
	}
	if (attr->probability > 100 || attr->times < -1)
		return -EINVAL;
	fa->armed = true;
	fa->probability = attr->probability;
	fa->interval = attr->interval;
	fa->times = attr->times;
	fa->space = attr->space;
	fa->nth = attr->nth;
	fa->count = 0;
	fa->rng = attr->seed;
	fa->injected = false;
	return 0;
}

static bool fire(struct fail_alloc *fa, struct events *ev, enum frame_kind k)
{
	/* Linux decrements times on every failure, fail-nth's too. */
	if (fa->times > 0)
		fa->times--;
	fa->failed++;
	struct event e = {EV_INJECT, fa->spec, INJECT_ALLOC_FAIL, k,
			  fa->failed};
	event_emit(ev, &e);
	return true;
}

/* should_fail_ex (lib/fault-inject.c) for one page (size 1). */
bool fail_alloc_should_fail(struct fail_alloc *fa, struct events *ev,
			    enum frame_kind kind)
{
	if (!fa->armed)
		return false;
	fa->calls++;
	if (fa->nth) {
		if (--fa->nth == 0)
			return fire(fa, ev, kind);
		return false;
	}
	if (fa->probability == 0 || fa->times == 0)
		return false;
	if (fa->space > 1) {
		/* atomic_read(space) > size: let it through, take its size */
		fa->space--;
		return false;
	}
	if (fa->interval > 1 && ++fa->count % fa->interval)
		return false;
	if (fa->probability <= draw_percent(&fa->rng))
		return false;
	return fire(fa, ev, kind);
}

bool fail_alloc_unbounded(const struct fail_alloc *fa)
{
	return fa->armed && fa->times == -1 && fa->probability > 0;
}
