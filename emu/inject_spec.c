/* The fault-spec language (inject.h, docs/inject.md): one line,
 * WHAT:KEY=VALUE,...@WHEN, parsed strictly (an unknown word, a missing
 * or repeated key, a malformed or out-of-range number is one clear
 * message) and printed back in one canonical form.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strerrorname_np, sigabbrev_np */
#endif
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "../include/memu.h"
#include "../mmu/event.h"
#include "../mmu/pagetable.h"
#include "inject.h"
#include "syscall.h"

static const char *const what_names[INJECT_KINDS] = {
	[INJECT_BITFLIP_FRAME] = "flip",    [INJECT_BITFLIP_VA] = "flip",
	[INJECT_BITFLIP_REG] = "flip",	    [INJECT_BITFLIP_PTE] = "flip",
	[INJECT_LOST_FLUSH] = "lose-flush", [INJECT_ALLOC_FAIL] = "fail-alloc",
	[INJECT_HWPOISON] = "hwpoison",	    [INJECT_SYSCALL] = "syscall",
	[INJECT_SIGNAL] = "signal",
};

const char *inject_what_name(enum inject_what w)
{
	return (unsigned)w < INJECT_KINDS ? what_names[w] : "?";
}

const char *const inject_regs[] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",	   "r8", "r9",
	"r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", NULL,
};

const int inject_reg_ids[] = {
	UC_X86_REG_RAX, UC_X86_REG_RBX,	   UC_X86_REG_RCX, UC_X86_REG_RDX,
	UC_X86_REG_RSI, UC_X86_REG_RDI,	   UC_X86_REG_RBP, UC_X86_REG_RSP,
	UC_X86_REG_R8,	UC_X86_REG_R9,	   UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13,	   UC_X86_REG_R14, UC_X86_REG_R15,
	UC_X86_REG_RIP, UC_X86_REG_RFLAGS,
};

/* The fault kinds as a trigger names them: event=fault.KIND. */
static const char *const fault_words[FAULT_KINDS] = {
	[FAULT_ANON] = "anon",
	[FAULT_ZERO] = "zero",
	[FAULT_COW] = "cow",
	[FAULT_WP_REUSE] = "wp-reuse",
	[FAULT_SHARED] = "shared",
	[FAULT_DEVICE] = "device",
	[FAULT_FILE_READ] = "file-read",
	[FAULT_FILE_WRITE] = "file-write",
	[FAULT_FILE_COW] = "file-cow",
	[FAULT_STACK_GROW] = "stack",
	[FAULT_SEGV] = "segv",
	[FAULT_SWAP] = "swap",
};

struct parse {
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parse *p,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A whole unsigned number (0x for hex), at most max. */
static int number(struct parse *p, const char *key, const char *v, uint64_t max,
		  uint64_t *out)
{
	char *end;
	errno = 0;
	if (!*v || *v == '-' || *v == '+' || *v == ' ')
		return fail(p, "%s: not a number: '%s'", key, v);
	unsigned long long x = strtoull(v, &end, 0);
	if (*end || errno)
		return fail(p, "%s: not a number: '%s'", key, v);
	if (x > max)
		return fail(p, "%s: %s is out of range (at most %" PRIu64 ")",
			    key, v, max);
	*out = x;
	return 0;
}

static int probability(struct parse *p, const char *v, double *out)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(x) || x <= 0 || x > 1)
		return fail(p, "p: not a probability in (0, 1]: '%s'", v);
	*out = x;
	return 0;
}

static int errno_by_name(const char *name)
{
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && !strcmp(n, name))
			return e;
	}
	return 0;
}

static int signal_by_name(const char *name)
{
	const char *s = strncmp(name, "SIG", 3) ? name : name + 3;
	for (int sig = 1; sig < 32; sig++) {
		const char *a = sigabbrev_np(sig);
		if (a && !strcmp(a, s))
			return sig;
	}
	if (!strncmp(s, "RTMIN+", 6)) {
		uint64_t k;
		char *end;
		k = strtoull(s + 6, &end, 10);
		if (!*end && s[6] && k <= 30)
			return 34 + (int)k;
	}
	return 0;
}

static int syscall_by_name(const char *name)
{
	/* memu's own calls too (guest/include/memu_guest.h) */
	if (!strcmp(name, "memu_probe"))
		return MEMU_SYS_PROBE;
	if (!strcmp(name, "memu_cr3"))
		return MEMU_SYS_CR3;
	for (unsigned nr = 0; nr < SYSCALL_NAMES; nr++)
		if (syscall_names[nr] && !strcmp(syscall_names[nr], name))
			return (int)nr;
	return -1;
}

/* ---- the arguments: KEY=VALUE,... */

#define MAX_ARGS 8

struct args {
	char *key[MAX_ARGS], *val[MAX_ARGS];
	bool used[MAX_ARGS];
	int n;
};

static int split_args(struct parse *p, char *s, struct args *a)
{
	a->n = 0;
	if (!*s)
		return 0;
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok)
			return fail(p, "'%s' is not KEY=VALUE", tok);
		*eq = '\0';
		for (int i = 0; i < a->n; i++)
			if (!strcmp(a->key[i], tok))
				return fail(p, "%s given twice", tok);
		if (a->n == MAX_ARGS)
			return fail(p, "too many arguments");
		a->key[a->n] = tok;
		a->val[a->n] = eq + 1;
		a->used[a->n++] = false;
	}
	return 0;
}

static const char *arg(struct args *a, const char *key)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->key[i], key)) {
			a->used[i] = true;
			return a->val[i];
		}
	return NULL;
}

static int unused(struct parse *p, struct args *a, const char *what)
{
	for (int i = 0; i < a->n; i++)
		if (!a->used[i])
			return fail(p, "%s takes no '%s'", what, a->key[i]);
	return 0;
}

static int need(struct parse *p, const char *v, const char *what,
		const char *key)
{
	return v ? 0 : fail(p, "%s needs %s=", what, key);
}

/* ---- WHAT */

static int parse_flip(struct parse *p, struct args *a, struct inject_spec *s)
{
	const char *phys = arg(a, "phys"), *va = arg(a, "va"),
		   *reg = arg(a, "reg"), *pte = arg(a, "pte"),
		   *bit = arg(a, "bit"), *level = arg(a, "level");
	int targets = !!phys + !!va + !!reg + !!pte;
	if (targets != 1)
		return fail(p, "flip needs one of phys=, va=, reg=, pte=");
	if (need(p, bit, "flip", "bit"))
		return -1;
	uint64_t x;
	if (reg) {
		s->what = INJECT_BITFLIP_REG;
		s->reg = -1;
		for (int i = 0; inject_regs[i]; i++)
			if (!strcmp(inject_regs[i], reg))
				s->reg = i;
		if (s->reg < 0)
			return fail(p, "unknown register '%s'", reg);
		if (number(p, "bit", bit, 63, &x))
			return -1;
		s->bit = (int)x;
	} else if (pte) {
		s->what = INJECT_BITFLIP_PTE;
		if (number(p, "pte", pte, UINT64_MAX, &s->addr))
			return -1;
		uint64_t lv = 1;
		if (level && number(p, "level", level, 4, &lv))
			return -1;
		if (lv < 1)
			return fail(p, "level: 1 (PT) to 4 (PML4)");
		s->level = (int)lv;
		s->bit = -1;
		for (int i = 0; i < 64; i++)
			if (pt_bit_names[i] && !strcmp(pt_bit_names[i], bit))
				s->bit = i;
		if (s->bit < 0) {
			if (number(p, "bit", bit, 63, &x))
				return -1;
			s->bit = (int)x;
		}
	} else {
		s->what = phys ? INJECT_BITFLIP_FRAME : INJECT_BITFLIP_VA;
		if (number(p, phys ? "phys" : "va", phys ? phys : va,
			   UINT64_MAX, &s->addr) ||
		    number(p, "bit", bit, 7, &x))
			return -1;
		s->bit = (int)x;
	}
	if (level && !pte)
		return fail(p, "level= goes with pte=");
	return 0;
}

static int parse_what(struct parse *p, const char *word, struct args *a,
		      struct inject_spec *s)
{
	uint64_t x;
	const char *v;
	if (!strcmp(word, "flip")) {
		if (parse_flip(p, a, s))
			return -1;
	} else if (!strcmp(word, "lose-flush")) {
		s->what = INJECT_LOST_FLUSH;
		s->count = 1;
		s->reasons = MEMU_FLUSH_ANY;
		if ((v = arg(a, "reason"))) {
			s->reasons = !strcmp(v, "unmap") ? MEMU_FLUSH_UNMAP
				     : !strcmp(v, "protect")
					     ? MEMU_FLUSH_PROTECT
				     : !strcmp(v, "cow") ? MEMU_FLUSH_COW
				     : !strcmp(v, "any") ? MEMU_FLUSH_ANY
							 : 0;
			if (!s->reasons)
				return fail(p,
					    "reason: unmap, protect, cow or "
					    "any, not '%s'",
					    v);
		}
		if ((v = arg(a, "count")) &&
		    (number(p, "count", v, 1000000, &s->count) || !s->count))
			return s->count ? -1 : fail(p, "count: at least 1");
	} else if (!strcmp(word, "fail-alloc")) {
		s->what = INJECT_ALLOC_FAIL;
		s->times = 1;
		if ((v = arg(a, "times")) &&
		    number(p, "times", v, UINT32_MAX, &s->times))
			return -1;
		if ((v = arg(a, "every")) &&
		    number(p, "every", v, UINT32_MAX, &s->every))
			return -1;
		if ((v = arg(a, "p")) && probability(p, v, &s->fail_p))
			return -1;
		if ((v = arg(a, "seed")) &&
		    number(p, "seed", v, UINT64_MAX, &s->fail_seed))
			return -1;
	} else if (!strcmp(word, "hwpoison")) {
		s->what = INJECT_HWPOISON;
		const char *va = arg(a, "va"), *pfn = arg(a, "pfn");
		if (!!va + !!pfn != 1)
			return fail(p, "hwpoison needs one of va=, pfn=");
		s->by_pfn = pfn != NULL;
		if (number(p, va ? "va" : "pfn", va ? va : pfn, UINT64_MAX,
			   &s->addr))
			return -1;
	} else if (!strcmp(word, "syscall")) {
		s->what = INJECT_SYSCALL;
		const char *e = arg(a, "errno"), *r = arg(a, "retval");
		if (!!e + !!r != 1)
			return fail(p, "syscall needs one of errno=, retval=");
		if (e) {
			s->has_errno = true;
			s->err = errno_by_name(e);
			if (!s->err && e[0] >= '0' && e[0] <= '9') {
				if (number(p, "errno", e, 4095, &x))
					return -1;
				s->err = (int)x;
			}
			if (!s->err)
				return fail(p, "unknown errno '%s'", e);
		} else {
			char *end;
			errno = 0;
			long long rv = strtoll(r, &end, 0);
			if (!*r || *end || errno)
				return fail(p, "retval: not a number: '%s'", r);
			s->retval = rv;
		}
	} else if (!strcmp(word, "signal")) {
		s->what = INJECT_SIGNAL;
		if (need(p, v = arg(a, "sig"), "signal", "sig"))
			return -1;
		s->sig = signal_by_name(v);
		if (!s->sig && v[0] >= '0' && v[0] <= '9') {
			if (number(p, "sig", v, 64, &x))
				return -1;
			s->sig = (int)x;
		}
		if (!s->sig)
			return fail(p, "unknown signal '%s'", v);
	} else {
		return fail(p,
			    "unknown fault '%s' (flip, lose-flush, fail-alloc, "
			    "hwpoison, syscall, signal)",
			    word);
	}
	return unused(p, a, word);
}

/* ---- WHEN */

static int parse_event(struct parse *p, const char *v, struct inject_spec *s)
{
	char name[64];
	const char *hash = strchr(v, '#');
	size_t n = hash ? (size_t)(hash - v) : strlen(v);
	if (n >= sizeof(name))
		return fail(p, "unknown event '%s'", v);
	memcpy(name, v, n);
	name[n] = '\0';
	s->n = 1;
	if (hash && (number(p, "#", hash + 1, UINT64_MAX, &s->n) || !s->n))
		return s->n ? -1 : fail(p, "#: the first is #1");
	s->ev_kind = -1;
	if (!strcmp(name, "tlb-flush")) {
		s->ev = IEV_TLB_FLUSH;
	} else if (!strcmp(name, "frame-alloc")) {
		s->ev = IEV_FRAME_ALLOC;
	} else if (!strcmp(name, "signal")) {
		s->ev = IEV_SIGNAL;
	} else if (!strcmp(name, "fault") || !strncmp(name, "fault.", 6)) {
		s->ev = IEV_FAULT;
		for (int k = 0; name[5] && k < FAULT_KINDS; k++)
			if (fault_words[k] && !strcmp(fault_words[k], name + 6))
				s->ev_kind = k;
		if (name[5] && s->ev_kind < 0)
			return fail(p, "unknown fault kind '%s'", name + 6);
	} else if (!strcmp(name, "syscall") || !strncmp(name, "syscall.", 8)) {
		s->ev = IEV_SYSCALL;
		if (name[7] && (s->ev_kind = syscall_by_name(name + 8)) < 0)
			return fail(p, "unknown syscall '%s'", name + 8);
	} else {
		return fail(p,
			    "unknown event '%s' (fault[.KIND], syscall[.NAME], "
			    "tlb-flush, frame-alloc, signal)",
			    name);
	}
	return 0;
}

static int parse_when(struct parse *p, char *text, struct inject_spec *s)
{
	struct args a;
	if (split_args(p, text, &a))
		return -1;
	const char *insn = arg(&a, "insn"), *rip = arg(&a, "rip"),
		   *ev = arg(&a, "event"), *acc = arg(&a, "access"),
		   *pr = arg(&a, "p"), *seed = arg(&a, "seed");
	if (!!insn + !!rip + !!ev + !!acc != 1)
		return fail(p, "@ needs one of insn=, rip=, event=, access=");
	if (insn) {
		s->when = WHEN_INSN;
		if (number(p, "insn", insn, UINT64_MAX, &s->n))
			return -1;
	} else if (rip) {
		s->when = WHEN_RIP;
		s->n = 1;
		char *hash = strchr(rip, '#');
		if (hash) {
			*hash = '\0';
			if (number(p, "#", hash + 1, UINT64_MAX, &s->n) ||
			    !s->n)
				return s->n ? -1
					    : fail(p, "#: the first is #1");
		}
		if (number(p, "rip", rip, UINT64_MAX, &s->at))
			return -1;
	} else if (acc) {
		s->when = WHEN_ACCESS;
		if (number(p, "access", acc, UINT64_MAX, &s->at))
			return -1;
	} else {
		s->when = WHEN_EVENT;
		if (parse_event(p, ev, s))
			return -1;
	}
	if ((pr || seed) && s->when != WHEN_EVENT)
		return fail(p, "p= and seed= go with event=");
	if (pr) {
		if (ev && strchr(ev, '#'))
			return fail(p, "event= takes #N or p=, not both");
		if (probability(p, pr, &s->p))
			return -1;
	}
	if (seed && (!pr || number(p, "seed", seed, UINT64_MAX, &s->seed)))
		return pr ? -1 : fail(p, "seed= goes with p=");
	return unused(p, &a, "@");
}

int inject_parse(const char *text, struct inject_spec *out, char *err,
		 size_t errlen)
{
	struct parse p = {err, errlen};
	char buf[INJECT_SPEC_MAX];
	memset(out, 0, sizeof(*out));
	if (strlen(text) >= sizeof(buf))
		return fail(&p, "spec longer than %d bytes",
			    INJECT_SPEC_MAX - 1);
	strcpy(buf, text);
	char *at = strchr(buf, '@');
	if (!at)
		return fail(&p, "'%s': no @WHEN", text);
	*at = '\0';
	char *colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	struct args a;
	if (split_args(&p, colon ? colon + 1 : buf + strlen(buf), &a) ||
	    parse_what(&p, buf, &a, out))
		return -1;
	return parse_when(&p, at + 1, out);
}

/* ---- back to text */

static int put(char *buf, size_t n, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int put(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(*len < n ? buf + *len : NULL, *len < n ? n - *len : 0,
			  fmt, ap);
	va_end(ap);
	*len += (size_t)(k > 0 ? k : 0);
	return k;
}

int inject_format(const struct inject_spec *s, char *buf, size_t n)
{
	size_t len = 0;
	if (n)
		buf[0] = '\0';
	put(buf, n, &len, "%s:", inject_what_name(s->what));
	switch (s->what) {
	case INJECT_BITFLIP_FRAME:
	case INJECT_BITFLIP_VA:
		put(buf, n, &len, "%s=%#" PRIx64 ",bit=%d",
		    s->what == INJECT_BITFLIP_FRAME ? "phys" : "va", s->addr,
		    s->bit);
		break;
	case INJECT_BITFLIP_REG:
		put(buf, n, &len, "reg=%s,bit=%d", inject_regs[s->reg], s->bit);
		break;
	case INJECT_BITFLIP_PTE:
		put(buf, n, &len, "pte=%#" PRIx64 ",level=%d,", s->addr,
		    s->level);
		if (pt_bit_names[s->bit])
			put(buf, n, &len, "bit=%s", pt_bit_names[s->bit]);
		else
			put(buf, n, &len, "bit=%d", s->bit);
		break;
	case INJECT_LOST_FLUSH:
		put(buf, n, &len, "count=%" PRIu64, s->count);
		if (s->reasons != MEMU_FLUSH_ANY)
			put(buf, n, &len, ",reason=%s",
			    s->reasons == MEMU_FLUSH_UNMAP     ? "unmap"
			    : s->reasons == MEMU_FLUSH_PROTECT ? "protect"
							       : "cow");
		break;
	case INJECT_ALLOC_FAIL:
		put(buf, n, &len, "times=%" PRIu64, s->times);
		if (s->every)
			put(buf, n, &len, ",every=%" PRIu64, s->every);
		if (s->fail_p > 0)
			put(buf, n, &len, ",p=%.17g,seed=%" PRIu64, s->fail_p,
			    s->fail_seed);
		break;
	case INJECT_HWPOISON:
		put(buf, n, &len, "%s=%#" PRIx64, s->by_pfn ? "pfn" : "va",
		    s->addr);
		break;
	case INJECT_SYSCALL:
		if (s->has_errno) {
			const char *e = strerrorname_np(s->err);
			if (e)
				put(buf, n, &len, "errno=%s", e);
			else
				put(buf, n, &len, "errno=%d", s->err);
		} else {
			put(buf, n, &len, "retval=%" PRId64, s->retval);
		}
		break;
	case INJECT_SIGNAL:
		if (s->sig < 32 && sigabbrev_np(s->sig))
			put(buf, n, &len, "sig=SIG%s", sigabbrev_np(s->sig));
		else
			put(buf, n, &len, "sig=%d", s->sig);
		break;
	default:
		break;
	}
	switch (s->when) {
	case WHEN_INSN:
		put(buf, n, &len, "@insn=%" PRIu64, s->n);
		break;
	case WHEN_RIP:
		put(buf, n, &len, "@rip=%#" PRIx64 "#%" PRIu64, s->at, s->n);
		break;
	case WHEN_ACCESS:
		put(buf, n, &len, "@access=%#" PRIx64, s->at);
		break;
	case WHEN_EVENT: {
		static const char *const cls[] = {
			[IEV_FAULT] = "fault",
			[IEV_SYSCALL] = "syscall",
			[IEV_TLB_FLUSH] = "tlb-flush",
			[IEV_FRAME_ALLOC] = "frame-alloc",
			[IEV_SIGNAL] = "signal",
		};
		put(buf, n, &len, "@event=%s", cls[s->ev]);
		if (s->ev_kind >= 0 && s->ev == IEV_FAULT)
			put(buf, n, &len, ".%s", fault_words[s->ev_kind]);
		else if (s->ev_kind >= 0 && s->ev == IEV_SYSCALL)
			put(buf, n, &len, ".%s",
			    memu_syscall_name((unsigned)s->ev_kind));
		if (s->p > 0)
			put(buf, n, &len, ",p=%.17g,seed=%" PRIu64, s->p,
			    s->seed);
		else
			put(buf, n, &len, "#%" PRIu64, s->n);
		break;
	}
	}
	return (int)len;
}
