/* The armed fault specs of a machine (inject.h, docs/inject.md): their
 * triggers counted where the machine's events happen, and their faults
 * injected at the next safe point through the memory system's primitives
 * (include/memu.h, "fault injection") or, for registers, syscalls and
 * signals, here.
 *
 * Triggers:
 *   insn=N     the instruction counter (icount.c), which the first such
 *              spec switches on: the fault is injected before the
 *              instruction after the Nth retires
 *   rip=A#N    a code hook on the one instruction at A, set before the
 *              program is translated: before its Nth execution
 *   event=K#N  the event point's Nth event of kind K (a syscall counts
 *              as it is entered: syscall:... answers that very call)
 *   access=A   the first TLB miss on A's page
 * A fault found due while memory is being changed (inside a fault, an
 * allocation) is injected when that is over: at the end of the syscall,
 * or where the CPU stops.  A fault due at an instruction is injected with
 * the CPU stopped before it (inject_insn).  Every injection is an
 * EV_INJECT event, in the trace and in --stats.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../include/memu.h"
#include "../mmu/event.h"
#include "inject.h"
#include "machine.h"

static uint64_t next_rand(uint64_t s[4])
{
	/* xoshiro256** as emu/clock.c's generator, one per spec */
	struct rng r;
	memcpy(r.s, s, sizeof(r.s));
	uint64_t x = rng_next(&r);
	memcpy(s, r.s, sizeof(r.s));
	return x;
}

static bool chance(uint64_t s[4], double p)
{
	return (double)(next_rand(s) >> 11) * 0x1.0p-53 < p;
}

uint64_t inject_first_chance(const struct inject_spec *s, uint64_t n)
{
	struct rng r;
	rng_seed(&r, s->seed);
	for (uint64_t k = 1; k <= n; k++)
		if (chance(r.s, s->p))
			return k;
	return 0;
}

/* ---- the faults */

static void emit(struct memu *m, int index, enum inject_what w, uint64_t target,
		 uint64_t value)
{
	struct event e = {EV_INJECT, (uint64_t)index, w, target, value};
	event_emit(&m->mmu.events, &e);
}

static int fire(struct memu *m, int index)
{
	struct inject_armed *a = &m->inject.a[index];
	const struct inject_spec *s = &a->spec;
	int err = 0;
	uint64_t target = s->addr, value = 1ULL << (s->bit & 63);
	switch (s->what) {
	case INJECT_BITFLIP_FRAME:
		err = memu_flip_phys_bit(m, s->addr, (unsigned)s->bit);
		target = s->addr >> PAGE_SHIFT;
		break;
	case INJECT_BITFLIP_VA:
		err = memu_flip_virt_bit(m, s->addr, (unsigned)s->bit);
		break;
	case INJECT_BITFLIP_PTE:
		err = memu_flip_pte_bit(m, s->addr, s->level, (unsigned)s->bit);
		break;
	case INJECT_BITFLIP_REG: {
		int id = inject_reg_ids[s->reg];
		uint64_t v = 0;
		uc_reg_read(m->uc, id, &v);
		v ^= 1ULL << s->bit;
		uc_reg_write(m->uc, id, &v);
		target = (uint64_t)id;
		break;
	}
	case INJECT_LOST_FLUSH:
		err = memu_lose_tlb_flushes(m, (unsigned)s->count, s->reasons);
		target = s->reasons;
		value = s->count;
		break;
	case INJECT_ALLOC_FAIL: {
		struct memu_fail_alloc cfg = {
			.probability =
				s->fail_p > 0
					? (unsigned)(s->fail_p * 100 + 0.5)
					: 100,
			.interval = s->every ? s->every : 1,
			.times = (int64_t)s->times,
			.seed = s->fail_seed,
		};
		err = memu_fail_alloc(m, &cfg);
		target = 0;
		value = s->times;
		break;
	}
	case INJECT_HWPOISON: {
		uint64_t pfn = s->addr;
		if (!s->by_pfn) {
			struct memu_pte pte;
			memu_pte(m, s->addr, &pte);
			if (!pte.present && !pte.protnone) {
				err = -EFAULT;
				break;
			}
			pfn = pte.pfn;
		}
		err = memu_poison_pfn(m, pfn);
		target = pfn;
		value = 0;
		break;
	}
	case INJECT_SIGNAL:
		send_sig_self(m, s->sig, SI_USER, false);
		target = (uint64_t)s->sig;
		value = 0;
		break;
	case INJECT_SYSCALL: /* answered at the syscall's entry */
	default:
		break;
	}
	a->fired++;
	emit(m, index, s->what, target, err ? (uint64_t)(int64_t)err : value);
	return err;
}

/* The trigger of spec index came: inject now (safe) or at the next safe
 * point. */
static void due(struct memu *m, int index, bool safe)
{
	struct inject_armed *a = &m->inject.a[index];
	if (a->spec.p <= 0)
		a->done = true; /* once: the Nth */
	if (safe) {
		fire(m, index);
	} else {
		/* The CPU stops at the end of its block; the run loop (or
		 * the syscall's end, if sooner) injects it. */
		a->pending = true;
		m->inject.pending = true;
		uc_emu_stop(m->uc);
	}
}

void inject_run_pending(struct memu *m)
{
	if (!m->inject.pending)
		return;
	m->inject.pending = false;
	for (int i = 0; i < m->inject.n; i++)
		if (m->inject.a[i].pending) {
			m->inject.a[i].pending = false;
			fire(m, i);
		}
}

/* ---- the triggers */

bool inject_counts(const struct inject_spec *s, enum inject_event_class ev,
		   int64_t kind)
{
	if (s->ev != ev)
		return false;
	if (ev == IEV_FAULT || ev == IEV_SYSCALL)
		return s->ev_kind < 0 || (int64_t)s->ev_kind == kind;
	return true;
}

/* The trigger class of event e (false: none counts it; syscalls are
 * counted at entry: inject_syscall). */
static bool event_class(const struct event *e, enum inject_event_class *ev,
			int64_t *kind)
{
	*kind = 0;
	switch (e->kind) {
	case EV_FAULT:
		*ev = IEV_FAULT;
		*kind = (int64_t)e->b;
		return true;
	case EV_TLB_FLUSH:
		*ev = IEV_TLB_FLUSH;
		return true;
	case EV_FRAME_ALLOC:
		*ev = IEV_FRAME_ALLOC;
		return true;
	case EV_SIGNAL:
		*ev = IEV_SIGNAL;
		return true;
	default:
		return false;
	}
}

static bool trigger(struct inject_armed *a)
{
	a->seen++;
	return a->spec.p > 0 ? chance(a->rng, a->spec.p) : a->seen == a->spec.n;
}

void inject_event(struct memu *m, const struct event *e)
{
	enum inject_event_class ev;
	int64_t kind;
	if (!event_class(e, &ev, &kind))
		return;
	if (m->inject.log.on)
		inject_log_add(m, ev, kind);
	for (int i = 0; i < m->inject.n; i++) {
		struct inject_armed *a = &m->inject.a[i];
		if (!a->done && a->spec.when == WHEN_EVENT &&
		    inject_counts(&a->spec, ev, kind) && trigger(a))
			due(m, i, false); /* memory may be mid-change */
	}
}

int inject_syscall(struct memu *m, uint64_t nr, int64_t *ret)
{
	int answered = 0;
	if (m->inject.log.on)
		inject_log_add(m, IEV_SYSCALL, (int64_t)nr);
	for (int i = 0; i < m->inject.n; i++) {
		struct inject_armed *a = &m->inject.a[i];
		const struct inject_spec *s = &a->spec;
		if (a->done || s->when != WHEN_EVENT ||
		    !inject_counts(s, IEV_SYSCALL, (int64_t)nr) || !trigger(a))
			continue;
		if (s->what == INJECT_SYSCALL && !answered) {
			/* strace -e inject: the call is not made */
			*ret = s->has_errno ? -(int64_t)s->err : s->retval;
			if (s->p <= 0)
				a->done = true;
			a->fired++;
			emit(m, i, INJECT_SYSCALL, nr, (uint64_t)*ret);
			answered = 1;
		} else {
			due(m, i, true); /* before the call runs */
		}
	}
	return answered;
}

/* At an instruction (insn=, rip=): the CPU stops before the instruction
 * runs (Unicorn checks for a stop right after a code hook) and the run
 * loop injects the fault with the CPU standing still.  Then the CPU
 * leaves its translated block: a flipped code byte is fetched anew at
 * once, however the block was entered (a snapshot's fork resumes in a
 * new block; a run from the start is inside one). */
void inject_insn(struct memu *m, uint64_t n)
{
	for (int i = 0; i < m->inject.n; i++) {
		struct inject_armed *a = &m->inject.a[i];
		if (!a->done && a->spec.when == WHEN_INSN && a->spec.n == n)
			due(m, i, false);
	}
}

void inject_access(struct memu *m, uint64_t va)
{
	for (int i = 0; i < m->inject.n; i++) {
		struct inject_armed *a = &m->inject.a[i];
		if (!a->done && a->spec.when == WHEN_ACCESS &&
		    (a->spec.at & PAGE_MASK) == (va & PAGE_MASK))
			due(m, i, false); /* inside the fill */
	}
}

static void rip_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
	(void)uc, (void)size;
	struct memu *m = user;
	if (m->probe.active)
		return;
	for (int i = 0; i < m->inject.n; i++) {
		struct inject_armed *a = &m->inject.a[i];
		if (!a->done && a->spec.when == WHEN_RIP &&
		    a->spec.at == address && trigger(a))
			due(m, i, false); /* as inject_insn */
	}
}

/* ---- arming */

/* What can be checked against the machine before it runs. */
static int check(struct memu *m, const struct inject_spec *s, char *err,
		 size_t errlen)
{
	uint64_t ram = m->mmu.ram.nr;
	if (s->what == INJECT_BITFLIP_FRAME && (s->addr >> PAGE_SHIFT) >= ram) {
		snprintf(err, errlen,
			 "phys=%#" PRIx64 " is past RAM (%" PRIu64 " KiB)",
			 s->addr, ram * 4);
		return -1;
	}
	if (s->what == INJECT_HWPOISON && s->by_pfn && s->addr >= ram) {
		snprintf(err, errlen,
			 "pfn=%#" PRIx64 " is past RAM (%" PRIu64 " frames)",
			 s->addr, ram);
		return -1;
	}
	bool va = s->what == INJECT_BITFLIP_VA ||
		  s->what == INJECT_BITFLIP_PTE ||
		  (s->what == INJECT_HWPOISON && !s->by_pfn);
	if (va && s->addr >= USER_VA_END) {
		snprintf(err, errlen,
			 "%#" PRIx64 " is not a user address (below %#llx)",
			 s->addr, (unsigned long long)USER_VA_END);
		return -1;
	}
	if ((s->when == WHEN_RIP || s->when == WHEN_ACCESS) &&
	    s->at >= USER_VA_END) {
		snprintf(err, errlen,
			 "%#" PRIx64 " is not a user address (below %#llx)",
			 s->at, (unsigned long long)USER_VA_END);
		return -1;
	}
	if (s->what == INJECT_SYSCALL &&
	    (s->when != WHEN_EVENT || s->ev != IEV_SYSCALL)) {
		snprintf(err, errlen,
			 "syscall: faults go with @event=syscall[.NAME]");
		return -1;
	}
	return 0;
}

int inject_add(struct memu *m, const char *text, char *err, size_t errlen)
{
	struct injector *in = &m->inject;
	if (m->loaded) {
		snprintf(err, errlen,
			 "faults are armed before the program "
			 "is loaded");
		return -1;
	}
	if (in->n == INJECT_MAX) {
		snprintf(err, errlen, "at most %d --inject", INJECT_MAX);
		return -1;
	}
	struct inject_armed *a = &in->a[in->n];
	memset(a, 0, sizeof(*a));
	if (inject_parse(text, &a->spec, err, errlen) ||
	    check(m, &a->spec, err, errlen))
		return -1;
	struct rng r;
	rng_seed(&r, a->spec.seed);
	memcpy(a->rng, r.s, sizeof(a->rng));
	if (a->spec.when == WHEN_INSN && !m->icount.on && icount_start(m)) {
		snprintf(err, errlen, "cannot install the instruction counter");
		return -1;
	}
	if (a->spec.when == WHEN_RIP && inject_watch_rip(m, a->spec.at)) {
		snprintf(err, errlen, "cannot hook %#" PRIx64, a->spec.at);
		return -1;
	}
	in->insns |= a->spec.when == WHEN_INSN;
	in->events |= a->spec.when == WHEN_EVENT;
	in->n++;
	return 0;
}

int inject_watch_rip(struct memu *m, uint64_t va)
{
	struct injector *in = &m->inject;
	for (int i = 0; i < in->nwatch; i++)
		if (in->watch[i] == va)
			return 0;
	uc_hook h;
	if (in->nwatch == INJECT_MAX ||
	    uc_hook_add(m->uc, &h, UC_HOOK_CODE, (void *)rip_hook, m, va, va))
		return -1;
	in->watch[in->nwatch++] = va;
	return 0;
}

int inject_validate(struct memu *m, const char *text, char *err, size_t errlen)
{
	struct inject_spec s;
	return inject_parse(text, &s, err, errlen) || check(m, &s, err, errlen)
		       ? -1
		       : 0;
}

int inject_add_now(struct memu *m, const char *text, uint64_t seen, char *err,
		   size_t errlen)
{
	struct injector *in = &m->inject;
	if (in->n == INJECT_MAX) {
		snprintf(err, errlen, "at most %d --inject", INJECT_MAX);
		return -1;
	}
	struct inject_armed *a = &in->a[in->n];
	memset(a, 0, sizeof(*a));
	if (inject_parse(text, &a->spec, err, errlen) ||
	    check(m, &a->spec, err, errlen))
		return -1;
	bool insn = a->spec.when == WHEN_INSN && m->icount.on &&
		    a->spec.n >= memu_instructions(m);
	/* Events reach the triggers once the sink is in place (memu_load
	 * puts it there when a spec or the log wants them). */
	bool rip = false;
	for (int i = 0; a->spec.when == WHEN_RIP && i < in->nwatch; i++)
		rip |= in->watch[i] == a->spec.at && seen < a->spec.n;
	bool event = a->spec.when == WHEN_EVENT && m->mmu.events.sink;
	if (event && a->spec.p > 0) {
		uint64_t first = inject_first_chance(&a->spec, seen + 1);
		event = !first || first > seen;
	} else if (event) {
		event = seen < a->spec.n;
	}
	if (!insn && !event && !rip) {
		snprintf(
			err, errlen,
			"only insn= faults at or after the count so far, and "
			"event= and watched rip= faults not yet due, are armed "
			"while the guest runs");
		return -1;
	}
	struct rng r;
	rng_seed(&r, a->spec.seed);
	memcpy(a->rng, r.s, sizeof(a->rng));
	a->seen = event || rip ? seen : 0;
	/* A p= trigger has drawn once for each event so far. */
	for (uint64_t k = 0; event && a->spec.p > 0 && k < seen; k++)
		chance(a->rng, a->spec.p);
	in->insns |= insn;
	in->events |= event;
	in->n++;
	return 0;
}

int memu_inject(struct memu *m, const char *spec, char *err, size_t errlen)
{
	return inject_add(m, spec, err, errlen);
}

void inject_report(struct memu *m, FILE *out)
{
	if (!m->inject.n)
		return;
	fprintf(out, "  injected faults:\n");
	for (int i = 0; i < m->inject.n; i++) {
		const struct inject_armed *a = &m->inject.a[i];
		char text[INJECT_SPEC_MAX];
		inject_format(&a->spec, text, sizeof(text));
		if (a->fired)
			fprintf(out, "    %s: fired %" PRIu64 "\n", text,
				a->fired);
		else
			fprintf(out, "    %s: NEVER FIRED\n", text);
	}
}
