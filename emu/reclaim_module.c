/* A page-replacement policy loaded from a module: `--reclaim PATH.so`
 * (docs/reclaim.md, "A policy as a module"; include/memu_policy.h).
 *
 * The module's struct memu_policy is wrapped in a struct reclaim_policy,
 * the interface of memu's own policies (mmu/reclaim_policy.h), so the
 * reclaim engine cannot tell them apart.  The wrapper checks every list
 * call the module makes (a pfn outside RAM, a list that does not exist)
 * and every victim it hands back (a frame of RAM it took off its lists):
 * a wrong one is ignored and said on stderr, so a broken policy makes
 * the guest run out of memory, never memu crash.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/memu_policy.h"
#include "../mmu/reclaim_policy.h"
#include "machine.h"

#define LOG_LINES 8 /* what a broken policy may say before it is muted */

struct policy_module {
	struct reclaim_policy policy; /* first: lru->policy points here */
	const struct memu_policy *mod;
	void *handle;
	unsigned logged;
};

static struct policy_module *pm_of(const struct lru *l)
{
	return (struct policy_module *)(void *)l->policy;
}

static struct lru *lru_of(struct memu_lru *l)
{
	return (struct lru *)(void *)l;
}

static struct memu_lru *to_ml(struct lru *l)
{
	return (struct memu_lru *)(void *)l;
}

static __attribute__((format(printf, 2, 3))) void say(struct lru *l,
						      const char *fmt, ...)
{
	struct policy_module *pm = pm_of(l);
	if (pm->logged > LOG_LINES)
		return;
	fprintf(stderr, "memu: policy %s: ", pm->mod->name);
	if (pm->logged++ == LOG_LINES) {
		fputs("more mistakes, not said\n", stderr);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool in_ram(struct lru *l, uint64_t pfn, const char *call)
{
	if (pfn >= l->base_pfn && pfn - l->base_pfn < l->nr)
		return true;
	say(l, "%s of pfn %#llx, not a frame of RAM: ignored", call,
	    (unsigned long long)pfn);
	return false;
}

static bool a_list(struct lru *l, enum memu_lru_list id, const char *call)
{
	if (id == MEMU_LRU_INACTIVE || id == MEMU_LRU_ACTIVE)
		return true;
	say(l, "%s to list %d: ignored", call, (int)id);
	return false;
}

/* ---- what the module calls */

static bool k_referenced(struct memu_scan *ms, uint64_t pfn)
{
	struct reclaim_scan *s = (struct reclaim_scan *)(void *)ms;
	struct mmu *m = s->ctx;
	const struct zone *z = &m->ram;
	if (pfn < z->base_pfn || pfn - z->base_pfn >= z->nr)
		return false;
	return s->referenced(s, pfn);
}

static void k_scanned(struct memu_scan *ms)
{
	((struct reclaim_scan *)(void *)ms)->scanned++;
}

static enum memu_lru_list k_on(struct memu_lru *ml, uint64_t pfn)
{
	struct lru *l = lru_of(ml);
	return in_ram(l, pfn, "lru_on") ? (enum memu_lru_list)lru_on(l, pfn)
					: MEMU_LRU_NONE;
}

static void k_add_head(struct memu_lru *ml, enum memu_lru_list id, uint64_t pfn)
{
	struct lru *l = lru_of(ml);
	if (a_list(l, id, "lru_add_head") && in_ram(l, pfn, "lru_add_head"))
		lru_add_head(l, (enum lru_id)id, pfn);
}

static void k_add_tail(struct memu_lru *ml, enum memu_lru_list id, uint64_t pfn)
{
	struct lru *l = lru_of(ml);
	if (a_list(l, id, "lru_add_tail") && in_ram(l, pfn, "lru_add_tail"))
		lru_add_tail(l, (enum lru_id)id, pfn);
}

static void k_add_before(struct memu_lru *ml, uint64_t at, uint64_t pfn)
{
	struct lru *l = lru_of(ml);
	if (!in_ram(l, at, "lru_add_before") ||
	    !in_ram(l, pfn, "lru_add_before"))
		return;
	if (lru_on(l, at) == LRU_NONE || at == pfn) {
		say(l, "lru_add_before a frame on no list: ignored");
		return;
	}
	lru_add_before(l, at, pfn);
}

static void k_del(struct memu_lru *ml, uint64_t pfn)
{
	struct lru *l = lru_of(ml);
	if (in_ram(l, pfn, "lru_del"))
		lru_del(l, pfn);
}

static uint64_t k_first(struct memu_lru *ml, enum memu_lru_list id)
{
	struct lru *l = lru_of(ml);
	return a_list(l, id, "lru_first") ? lru_first(l, (enum lru_id)id)
					  : MEMU_PFN_NONE;
}

static uint64_t k_last(struct memu_lru *ml, enum memu_lru_list id)
{
	struct lru *l = lru_of(ml);
	return a_list(l, id, "lru_last") ? lru_last(l, (enum lru_id)id)
					 : MEMU_PFN_NONE;
}

static uint64_t k_next(struct memu_lru *ml, uint64_t pfn)
{
	struct lru *l = lru_of(ml);
	return in_ram(l, pfn, "lru_next") ? lru_next(l, pfn) : MEMU_PFN_NONE;
}

static uint64_t k_prev(struct memu_lru *ml, uint64_t pfn)
{
	struct lru *l = lru_of(ml);
	return in_ram(l, pfn, "lru_prev") ? lru_prev(l, pfn) : MEMU_PFN_NONE;
}

static uint64_t k_count(struct memu_lru *ml, enum memu_lru_list id)
{
	struct lru *l = lru_of(ml);
	return a_list(l, id, "lru_count") ? lru_count(l, (enum lru_id)id) : 0;
}

static uint64_t k_hand(struct memu_lru *ml)
{
	return lru_of(ml)->hand;
}

static void k_set_hand(struct memu_lru *ml, uint64_t pfn)
{
	struct lru *l = lru_of(ml);
	if (pfn == MEMU_PFN_NONE || in_ram(l, pfn, "lru_set_hand"))
		l->hand = pfn;
}

static const struct memu_policy_kernel kernel = {
	.abi = MEMU_POLICY_ABI,
	.referenced = k_referenced,
	.scanned = k_scanned,
	.on = k_on,
	.add_head = k_add_head,
	.add_tail = k_add_tail,
	.add_before = k_add_before,
	.del = k_del,
	.first = k_first,
	.last = k_last,
	.next = k_next,
	.prev = k_prev,
	.count = k_count,
	.hand = k_hand,
	.set_hand = k_set_hand,
};

/* ---- what the engine calls: the module's, checked */

static void pm_added(struct lru *l, uint64_t pfn)
{
	pm_of(l)->mod->page_added(to_ml(l), pfn);
}

static void pm_putback(struct lru *l, uint64_t pfn)
{
	pm_of(l)->mod->page_putback(to_ml(l), pfn);
}

static void pm_cold(struct lru *l, uint64_t pfn)
{
	const struct memu_policy *p = pm_of(l)->mod;
	(p->page_cold ? p->page_cold : p->page_putback)(to_ml(l), pfn);
}

static uint64_t pm_victim(struct lru *l, struct reclaim_scan *s)
{
	uint64_t pfn = pm_of(l)->mod->pick_victim(
		to_ml(l), (struct memu_scan *)(void *)s);
	if (pfn == MEMU_PFN_NONE)
		return PFN_NONE;
	if (!in_ram(l, pfn, "pick_victim"))
		return PFN_NONE;
	if (lru_on(l, pfn) != LRU_NONE) {
		say(l, "pick_victim of pfn %#llx, still on a list: ignored",
		    (unsigned long long)pfn);
		return PFN_NONE;
	}
	return pfn; /* the engine refuses a frame it cannot reclaim */
}

const struct reclaim_policy *
reclaim_module_load(const char *path, void **handle, char *err, size_t errlen)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "--reclaim %s", dlerror());
		return NULL;
	}
	typedef const struct memu_policy *(*init_fn)(
		const struct memu_policy_kernel *);
	init_fn init;
	*(void **)&init = dlsym(h, "memu_policy_init");
	const struct memu_policy *p = init ? init(&kernel) : NULL;
	char why[96] = "";
	if (!init)
		snprintf(why, sizeof(why),
			 "no memu_policy_init: not a policy module "
			 "(MEMU_POLICY_MODULE)");
	else if (!p)
		snprintf(why, sizeof(why),
			 "its memu_policy_init refused this memu (another "
			 "policy ABI)");
	else if (p->abi != MEMU_POLICY_ABI)
		snprintf(why, sizeof(why),
			 "built for policy ABI %u, memu has %u", p->abi,
			 MEMU_POLICY_ABI);
	else if (!p->name || !*p->name || strlen(p->name) > 31)
		snprintf(why, sizeof(why), "its name is not 1-31 characters");
	else if (!p->page_added || !p->pick_victim || !p->page_putback)
		snprintf(why, sizeof(why),
			 "page_added, pick_victim and page_putback are "
			 "needed");
	struct policy_module *pm = why[0] ? NULL : calloc(1, sizeof(*pm));
	if (!pm) {
		snprintf(err, errlen, "--reclaim %s: %s", path,
			 why[0] ? why : "out of memory");
		dlclose(h);
		return NULL;
	}
	pm->mod = p;
	pm->handle = h;
	pm->policy = (struct reclaim_policy){
		.name = p->name,
		.page_added = pm_added,
		.page_cold = pm_cold,
		.pick_victim = pm_victim,
		.page_putback = pm_putback,
	};
	*handle = pm;
	return &pm->policy;
}

void reclaim_module_free(void *handle)
{
	struct policy_module *pm = handle;
	if (!pm)
		return;
	dlclose(pm->handle);
	free(pm);
}
