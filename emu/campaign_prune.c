/* Def/use pruning of a campaign (docs/campaigns.md, "Pruning"), as FAIL*
 * prunes: a bit flipped in a byte that the CPU overwrites before anything
 * reads it cannot change the run, so the experiment is masked and need
 * not run.
 *
 * Prunable: an experiment whose every fault is a memory bit flip
 * (flip:phys= or flip:va=) at an instruction count (@insn=N).  A child
 * runs the guest once more, exactly as the golden run, with Unicorn's
 * data hooks on: they report each CPU read and write with the physical
 * address the CPU used (memu's TLB fill has translated it), in order, a
 * read-modify-write's read before its write.  It also records, with the
 * instruction counter's value, every event of the machine (syscalls,
 * faults, signals, TLB flushes, page-table entries, frames: memu's
 * kernel touches guest memory through the host, where no hook sees it)
 * and every page the CPU fetched code from (a UC_HOOK_BLOCK; a fetch is
 * a read the data hooks do not report).
 *
 * The flip of byte X at N happens before instruction N+1 runs (inject.c).
 * Every access of instruction N+1 on is logged with a count of N+1 or
 * more, every event after the flip with a count of N or more (a faulting
 * instruction is counted again once).  So the window opens at the first
 * access counted N+1 or event counted N (an event counted N that came
 * before the flip only makes the rule stricter), and X is provably
 * overwritten when: X is RAM below the page-table bank, its page was
 * never fetched from, the window holds no event before the first access
 * to X, and that access is a write covering X.  Before the next event
 * nothing but the CPU touches memory and the run is the golden run's
 * instruction for instruction; the write then leaves memory as in the
 * golden run.  A flip:va= byte is the frame its page maps at the flip,
 * from the history of its page-table entry (each change is an event).
 *
 * Only accesses to frames a candidate can name are logged: the frames
 * of flip:phys= bytes, and every frame ever entered at a flip:va= page
 * (entered, so logged, before any flip there).  Past PRUNE_LOG_MAX
 * accesses nothing is pruned.  The verdicts depend on the golden run
 * and the whole campaign only, never on which experiments a process
 * runs, so the lines are the same bytes anywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../mmu/pagetable.h"
#include "campaign.h"
#include "inject.h"
#include "machine.h"

#define PRUNE_LOG_MAX	      (16ULL << 20) /* accesses: 256 MiB of log */
#define PRUNE_EVENTS_MAX      (16ULL << 20)
#define PRUNE_CANDIDATES_MAX  (4ULL << 20) /* faults of prunable experiments */
#define PRUNE_CANDIDATES_TEXT "4194304"
#define SPECS_LEN	      (4096 * 2)
#define NONE		      UINT64_MAX
#define ACC_PA		      ((1ULL << PHYS_ADDR_BITS) - 1)
#define ACC_SIZE_SHIFT	      PHYS_ADDR_BITS
#define ACC_WRITE	      (1ULL << 63)
#define CODE_CACHE	      64

/* ---- a map of 64-bit keys to values (open addressing) */

struct kmap {
	uint64_t *key; /* key + 1; 0: empty */
	uint64_t *val;
	size_t cap, n;
};

static size_t kslot(const struct kmap *m, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & (m->cap - 1);
}

static uint64_t *kmap_get(const struct kmap *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = kslot(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (!m->key[i])
			return NULL;
		if (m->key[i] == key + 1)
			return &m->val[i];
	}
}

static int kmap_put(struct kmap *m, uint64_t key, uint64_t val)
{
	uint64_t *v = kmap_get(m, key);
	if (v) {
		*v = val;
		return 0;
	}
	if (2 * (m->n + 1) > m->cap) {
		struct kmap b = {.cap = m->cap ? 2 * m->cap : 64};
		b.key = calloc(b.cap, sizeof(*b.key));
		b.val = calloc(b.cap, sizeof(*b.val));
		if (!b.key || !b.val) {
			free(b.key);
			free(b.val);
			return -1;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->key[i])
				kmap_put(&b, m->key[i] - 1, m->val[i]);
		free(m->key);
		free(m->val);
		*m = b;
	}
	size_t i = kslot(m, key);
	while (m->key[i])
		i = (i + 1) & (m->cap - 1);
	m->key[i] = key + 1;
	m->val[i] = val;
	m->n++;
	return 0;
}

static void kmap_free(struct kmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* ---- the log */

struct access {
	uint64_t n;    /* the instruction's count */
	uint64_t word; /* pa | size << ACC_SIZE_SHIFT | ACC_WRITE */
};

struct mark {
	uint64_t n;   /* the instruction counter at the event */
	uint64_t acc; /* accesses logged before it */
};

/* A page-table entry of a flip:va= page changed. */
struct hist {
	uint64_t vpage, ev, pfn; /* pfn NONE: no frame */
};

/* One fault of a prunable experiment. */
struct cand {
	uint64_t index, addr, n;
	uint64_t pa, lo, hi;
	uint64_t k; /* the overwriting instruction, or NONE */
	bool va, ok;
};

struct defuse {
	struct memu *m;
	struct access *acc;
	size_t nacc, cacc;
	struct mark *ev;
	size_t nev, cev;
	struct hist *hist;
	size_t nhist, chist;
	struct kmap watched; /* frames whose accesses are logged */
	struct kmap vpages;  /* flip:va= pages */
	struct kmap fetched; /* frames code was fetched from */
	uint64_t code_va[CODE_CACHE], code_epoch[CODE_CACHE];
	bool full, oom;
};

static bool grow(void **a, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 4096;
	void *b = realloc(*a, c * size);
	if (!b)
		return false;
	*a = b;
	*cap = c;
	return true;
}

static void on_access(uc_engine *uc, uc_mem_type type, uint64_t pa, int size,
		      int64_t value, void *user)
{
	(void)uc, (void)value;
	struct defuse *d = user;
	if (d->m->probe.active || d->full || size <= 0)
		return;
	uint64_t last = pa + (uint64_t)size - 1;
	if (!kmap_get(&d->watched, pa >> PAGE_SHIFT) &&
	    !kmap_get(&d->watched, last >> PAGE_SHIFT))
		return;
	if (d->nacc == PRUNE_LOG_MAX ||
	    !grow((void **)&d->acc, &d->cacc, d->nacc, sizeof(*d->acc))) {
		d->full = true;
		return;
	}
	d->acc[d->nacc++] = (struct access){
		d->m->icount.n, (pa & ACC_PA) |
					(uint64_t)size << ACC_SIZE_SHIFT |
					(type == UC_MEM_WRITE ? ACC_WRITE : 0)};
}

static void on_event(void *ctx, const struct event *e)
{
	struct defuse *d = ctx;
	if (e->kind == EV_TLB_FILL || d->full)
		return;
	if (d->nev == PRUNE_EVENTS_MAX ||
	    !grow((void **)&d->ev, &d->cev, d->nev, sizeof(*d->ev))) {
		d->full = true;
		return;
	}
	d->ev[d->nev++] = (struct mark){d->m->icount.n, d->nacc};
	if ((e->kind != EV_PTE_SET && e->kind != EV_PTE_CLEAR) || e->d != 1 ||
	    !kmap_get(&d->vpages, e->a & PAGE_MASK))
		return;
	struct pt_entry pte;
	pte_decode(e->kind == EV_PTE_SET ? e->b : 0, &pte);
	uint64_t pfn = pte.has_frame ? pte.pfn : NONE;
	if (!grow((void **)&d->hist, &d->chist, d->nhist, sizeof(*d->hist)) ||
	    (pfn != NONE && kmap_put(&d->watched, pfn, 1))) {
		d->full = d->oom = true;
		return;
	}
	d->hist[d->nhist++] = (struct hist){e->a & PAGE_MASK, d->nev - 1, pfn};
}

static void fetched_page(struct defuse *d, uint64_t vpage)
{
	unsigned slot = (unsigned)(vpage >> PAGE_SHIFT) % CODE_CACHE;
	if (d->code_va[slot] == vpage && d->code_epoch[slot] == d->nev + 1)
		return; /* no event since: the same frame */
	struct pt_entry e;
	pt_lookup(d->m->proc->mm, vpage, &e);
	if (e.has_frame && kmap_put(&d->fetched, e.pfn, 1))
		d->full = d->oom = true;
	d->code_va[slot] = vpage;
	d->code_epoch[slot] = d->nev + 1;
}

static void on_block(uc_engine *uc, uint64_t va, uint32_t size, void *user)
{
	(void)uc;
	struct defuse *d = user;
	uint64_t end = va + (size ? size : 1) - 1;
	for (uint64_t p = va & PAGE_MASK; p <= (end & PAGE_MASK);
	     p += PAGE_SIZE) {
		fetched_page(d, p);
		if (p + PAGE_SIZE < p)
			break;
	}
}

static int install(struct memu *m, void *ctx)
{
	struct defuse *d = ctx;
	uc_hook h;
	d->m = m;
	if (uc_hook_add(m->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
			(void *)on_access, d, 0, m->mmu.phys.ram_top - 1) ||
	    uc_hook_add(m->uc, &h, UC_HOOK_BLOCK, (void *)on_block, d, 1, 0))
		return -1;
	m->mmu.events.sink = on_event;
	m->mmu.events.sink_ctx = d;
	return 0;
}

/* ---- the candidates */

/* The faults of experiment i when all are prunable, appended to *cs: the
 * number added (0: not prunable). */
static int candidates_of(const struct campaign *c, uint64_t i, struct cand **cs,
			 size_t *n, size_t *cap)
{
	char buf[SPECS_LEN], why[CAMPAIGN_ERR];
	int line;
	if (space_expand(c, space_point(c, i), buf, sizeof(buf), &line) < 0)
		return 0;
	size_t first = *n;
	for (char *s = buf, *e; *s; s = e ? e + 1 : s + strlen(s)) {
		e = strchr(s, ' ');
		if (e)
			*e = '\0';
		struct inject_spec sp;
		if (inject_parse(s, &sp, why, sizeof(why)) ||
		    sp.when != WHEN_INSN ||
		    (sp.what != INJECT_BITFLIP_FRAME &&
		     sp.what != INJECT_BITFLIP_VA) ||
		    !grow((void **)cs, cap, *n, sizeof(**cs))) {
			*n = first;
			return 0;
		}
		(*cs)[(*n)++] = (struct cand){
			.index = i,
			.addr = sp.addr,
			.n = sp.n,
			.k = NONE,
			.va = sp.what == INJECT_BITFLIP_VA,
		};
	}
	return (int)(*n - first);
}

/* ---- the verdicts */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_hist(const void *a, const void *b)
{
	const struct hist *x = a, *y = b;
	if (x->vpage != y->vpage)
		return x->vpage < y->vpage ? -1 : 1;
	return x->ev < y->ev ? -1 : x->ev > y->ev;
}

static int cmp_lo_desc(const void *a, const void *b)
{
	const struct cand *const *x = a, *const *y = b;
	if ((*x)->lo != (*y)->lo)
		return (*x)->lo > (*y)->lo ? -1 : 1;
	return 0;
}

/* The first of a sequence of counts, read in order, at or past t, for
 * thresholds t that only grow: its index, or the length. */
struct first_at {
	size_t i, hit;
	uint64_t max;
	bool any;
};

static size_t first_at(struct first_at *f, uint64_t t, const void *base,
		       size_t n, size_t stride)
{
	if (f->any && f->max >= t)
		return f->hit;
	while (f->i < n) {
		uint64_t x =
			*(const uint64_t *)((const char *)base + f->i * stride);
		f->i++;
		if (!f->any || x > f->max)
			f->max = x;
		f->any = true;
		if (f->max >= t)
			return f->hit = f->i - 1;
	}
	return n;
}

/* The window of a flip at N. */
struct window {
	uint64_t n;
	bool ok;
	uint64_t lo, hi; /* accesses [lo, hi) */
	uint64_t ev;	 /* events before the flip: [0, ev) */
};

static void windows(const struct defuse *d, struct window *w, size_t nw)
{
	struct first_at fa = {0}, fe = {0};
	for (size_t k = 0; k < nw; k++) {
		uint64_t n = w[k].n;
		size_t a = n == NONE ? d->nacc
				     : first_at(&fa, n + 1, d->acc, d->nacc,
						sizeof(*d->acc));
		size_t e = first_at(&fe, n, d->ev, d->nev, sizeof(*d->ev));
		w[k].lo = a;
		w[k].ev = e;
		w[k].hi = e < d->nev ? d->ev[e].acc : d->nacc;
		w[k].ok = a < d->nacc && a < w[k].hi;
	}
}

/* The frame flip:va=va maps just before event ev, or NONE. */
static uint64_t frame_at(const struct defuse *d, uint64_t va, uint64_t ev)
{
	size_t lo = 0, hi = d->nhist;
	uint64_t page = va & PAGE_MASK;
	while (lo < hi) { /* the first entry past (page, ev - 1) */
		size_t mid = (lo + hi) / 2;
		const struct hist *h = &d->hist[mid];
		if (h->vpage < page || (h->vpage == page && h->ev < ev))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || d->hist[lo - 1].vpage != page)
		return NONE;
	return d->hist[lo - 1].pfn;
}

static void verdicts(struct defuse *d, struct cand *cs, size_t n)
{
	const struct phys *ph = &d->m->mmu.phys;
	uint64_t *ns = malloc((n ? n : 1) * sizeof(*ns));
	struct window *w = malloc((n ? n : 1) * sizeof(*w));
	struct cand **ok = malloc((n ? n : 1) * sizeof(*ok));
	struct kmap bytes = {0};
	if (!ns || !w || !ok)
		goto out;
	size_t nw = 0;
	for (size_t i = 0; i < n; i++)
		ns[i] = cs[i].n;
	qsort(ns, n, sizeof(*ns), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (!nw || ns[i] != w[nw - 1].n)
			w[nw++] = (struct window){.n = ns[i]};
	windows(d, w, nw);
	qsort(d->hist, d->nhist, sizeof(*d->hist), cmp_hist);
	size_t nok = 0;
	for (size_t i = 0; i < n; i++) {
		struct cand *c = &cs[i];
		size_t lo = 0, hi = nw;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (w[mid].n < c->n)
				lo = mid + 1;
			else
				hi = mid;
		}
		const struct window *x = &w[lo];
		if (!x->ok)
			continue;
		uint64_t pa = c->addr;
		if (c->va) {
			uint64_t pfn = frame_at(d, c->addr, x->ev);
			if (pfn == NONE)
				continue;
			pa = pfn << PAGE_SHIFT | (c->addr & ~PAGE_MASK);
		}
		if (pa >= ph->ram_top || !phys_is_ram(ph, pa) ||
		    !kmap_get(&d->watched, pa >> PAGE_SHIFT) ||
		    kmap_get(&d->fetched, pa >> PAGE_SHIFT))
			continue;
		c->pa = pa;
		c->lo = x->lo;
		c->hi = x->hi;
		c->ok = true;
		ok[nok++] = c;
		if (kmap_put(&bytes, pa, NONE))
			goto out;
	}
	qsort(ok, nok, sizeof(*ok), cmp_lo_desc);
	/* Backwards through the log: for each candidate byte, the next
	 * access to it. */
	size_t next = 0;
	for (size_t i = d->nacc; i-- > 0 && next < nok;) {
		uint64_t word = d->acc[i].word;
		uint64_t pa = word & ACC_PA;
		uint64_t len = (word & ~ACC_WRITE) >> ACC_SIZE_SHIFT;
		if ((word & ACC_WRITE) &&
		    (pa & ~PAGE_MASK) + len > PAGE_SIZE) /* not this frame */
			len = PAGE_SIZE - (pa & ~PAGE_MASK);
		for (uint64_t b = pa; b < pa + len; b++) {
			uint64_t *v = kmap_get(&bytes, b);
			if (v)
				*v = i;
		}
		for (; next < nok && ok[next]->lo == i; next++) {
			struct cand *c = ok[next];
			uint64_t j = *kmap_get(&bytes, c->pa);
			if (j != NONE && j < c->hi &&
			    (d->acc[j].word & ACC_WRITE))
				c->k = d->acc[j].n;
		}
	}
out:
	kmap_free(&bytes);
	free(ns);
	free(w);
	free(ok);
}

/* ---- the child */

struct prune_msg {
	int status; /* 0: verdicts follow; 1: none, note says why */
	char note[160];
	uint64_t records;
};

static void send_note(int fd, const char *note)
{
	struct prune_msg msg = {.status = 1};
	snprintf(msg.note, sizeof(msg.note), "%s", note);
	pipe_write_full(fd, &msg, sizeof(msg));
	_exit(0);
}

/* Whether any fault line can give a prunable experiment (a cheap test
 * before the experiments are looked at one by one). */
static bool may_prune(const struct campaign *c)
{
	for (int i = 0; i < c->nfaults; i++)
		if (strstr(c->faults[i].text, "flip:") &&
		    strstr(c->faults[i].text, "insn="))
			return true;
	return false;
}

static void defuse_child(struct campaign *c, const struct golden *g, int fd)
{
	struct defuse d = {0};
	struct cand *cs = NULL;
	size_t ncs = 0, ccs = 0;
	uint64_t n = may_prune(c) ? space_experiments(c) : 0;
	for (uint64_t i = 0; i < n; i++) {
		candidates_of(c, i, &cs, &ncs, &ccs);
		if (ncs > PRUNE_CANDIDATES_MAX)
			send_note(fd, "more flips than def/use pruning takes "
				      "(" PRUNE_CANDIDATES_TEXT ")");
	}
	if (!ncs) {
		struct prune_msg msg = {0};
		pipe_write_full(fd, &msg, sizeof(msg));
		_exit(0);
	}
	for (size_t i = 0; i < ncs; i++)
		if (kmap_put(cs[i].va ? &d.vpages : &d.watched,
			     cs[i].va ? cs[i].addr & PAGE_MASK
				      : cs[i].addr >> PAGE_SHIFT,
			     1))
			send_note(fd, "out of memory");
	struct cmachine cm;
	char err[CAMPAIGN_ERR];
	if (campaign_child_setup(c) ||
	    cmachine_start_hooked(c, &cm, NULL, c->golden_limit, install, &d,
				  err, sizeof(err)))
		send_note(fd, "the def/use run could not start");
	cmachine_run(&cm);
	struct crun r;
	cmachine_result(&cm, &r);
	if (d.full) {
		char note[160];
		snprintf(note, sizeof(note),
			 d.oom ? "the def/use run ran out of memory"
			       : "the def/use log passed its cap (%llu "
				 "accesses or events)",
			 (unsigned long long)PRUNE_LOG_MAX);
		send_note(fd, note);
	}
	if (r.stop != g->run.stop || r.exit_code != g->run.exit_code ||
	    r.instructions != g->run.instructions)
		send_note(fd, "the def/use run was not the golden run");
	verdicts(&d, cs, ncs);
	/* Records: index, faults, then each fault's overwriting
	 * instruction; an experiment whose faults all have one. */
	struct prune_msg msg = {0};
	size_t i = 0;
	uint64_t *all = malloc((3 * ncs + 1) * sizeof(*all));
	size_t nall = 0;
	if (!all)
		send_note(fd, "out of memory");
	while (i < ncs) {
		size_t j = i;
		bool pruned = true;
		for (; j < ncs && cs[j].index == cs[i].index; j++)
			pruned &= cs[j].k != NONE;
		if (pruned) {
			all[nall++] = cs[i].index;
			all[nall++] = j - i;
			for (size_t k = i; k < j; k++)
				all[nall++] = cs[k].k;
			msg.records++;
		}
		i = j;
	}
	if (pipe_write_full(fd, &msg, sizeof(msg)) ||
	    pipe_write_full(fd, all, nall * sizeof(*all)))
		_exit(1);
	_exit(0);
}

int prune_plan(struct campaign *c, const struct golden *g, struct prune *p)
{
	memset(p, 0, sizeof(*p));
	p->n = space_experiments(c);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		snprintf(p->note, sizeof(p->note), "no pipe");
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		snprintf(p->note, sizeof(p->note), "cannot fork");
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		defuse_child(c, g, fds[1]);
	}
	close(fds[1]);
	struct prune_msg msg;
	int rc = pipe_read_full(fds[0], &msg, sizeof(msg));
	if (!rc && msg.status) {
		snprintf(p->note, sizeof(p->note), "%s", msg.note);
		rc = -1;
	} else if (!rc) {
		p->why = calloc(p->n ? p->n : 1, sizeof(*p->why));
		rc = p->why ? 0 : -1;
	}
	for (uint64_t r = 0; !rc && r < msg.records; r++) {
		uint64_t head[2], k;
		struct sbuf b = {0};
		rc = pipe_read_full(fds[0], head, sizeof(head));
		for (uint64_t s = 0; !rc && s < head[1]; s++) {
			rc = pipe_read_full(fds[0], &k, sizeof(k));
			sb_printf(&b, "%s%" PRIu64,
				  s		? ", "
				  : head[1] > 1 ? "written by instructions "
						: "written by instruction ",
				  k);
		}
		if (rc || b.oom || head[0] >= p->n || p->why[head[0]]) {
			free(b.s);
			rc = -1;
			break;
		}
		p->why[head[0]] = b.s;
		p->pruned++;
	}
	close(fds[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!rc && (!WIFEXITED(ws) || WEXITSTATUS(ws)))
		rc = -1;
	if (rc) {
		if (!*p->note)
			snprintf(p->note, sizeof(p->note),
				 "the def/use run failed");
		for (uint64_t i = 0; p->why && i < p->n; i++)
			free(p->why[i]);
		free(p->why);
		p->why = NULL;
		p->pruned = 0;
	}
	return rc ? -1 : 0;
}

void prune_free(struct prune *p)
{
	for (uint64_t i = 0; p->why && i < p->n; i++)
		free(p->why[i]);
	free(p->why);
	p->why = NULL;
}

char *prune_line(const struct campaign *c, const struct golden *g,
		 uint64_t index, const char *specs, const char *why)
{
	struct sbuf b = {0};
	result_line_begin(&b, index, specs);
	sb_printf(&b,
		  ",\"class\":\"%s\",\"pruned\":", class_names[CLASS_MASKED]);
	sb_json_string(&b, why);
	return result_line_end(&b, c, g, specs);
}
