/* The campaign file (docs/campaigns.md, "The campaign file"): one
 * setting a line, KEY VALUE, read strictly - an unknown key, a repeated
 * one, a malformed value or template is one line, "FILE:LINE: what", and
 * nothing runs.
 *
 * A fault template is a fault spec (docs/inject.md) with {...} slots:
 * {A..B} and {A..B..STEP} are ranges (bounds are sums of numbers,
 * golden-run counts $NAME and ELF symbols @NAME), {x,y,z} is a list of
 * words.  Blanks separate the specs of one experiment.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../include/memu.h"
#include "campaign.h"
#include "inject.h"

#define FILE_MAX     (1 << 20) /* bytes of a campaign file */
#define LINE_MAX_LEN 4096
#define SPECS_MAX    8 /* specs of one experiment */

struct parser {
	struct campaign *c;
	int line;
	char *err;
	size_t errlen;
	/* keys seen once already, by line */
	int seen_ram, seen_seed, seen_guest, seen_stdin, seen_sample,
		seen_sample_seed, seen_hang, seen_golden, seen_compare,
		seen_output, seen_snapshot, seen_prune;
};

static int fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[CAMPAIGN_ERR];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->c->path, p->line,
			 msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->c->path, msg);
	return -1;
}

static void *grow(void *v, int n, size_t size)
{
	return realloc(v, (size_t)(n + 1) * size);
}

/* ---- numbers */

/* Decimal, or hexadecimal after 0x (never octal): the number's end, or
 * NULL. */
static const char *u64_at(const char *s, uint64_t *out)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *d = hex ? s + 2 : s;
	if (!(hex ? isxdigit((unsigned char)*d) : isdigit((unsigned char)*d)))
		return NULL;
	char *end;
	errno = 0;
	*out = strtoull(d, &end, hex ? 16 : 10);
	return errno ? NULL : end;
}

static int number(struct parser *p, const char *key, const char *v,
		  uint64_t *out)
{
	const char *end = u64_at(v, out);
	if (!end || *end)
		return fail(p, "%s: not a number: '%s'", key, v);
	return 0;
}

static int signal_number(const char *v)
{
	const char *name = strncmp(v, "SIG", 3) ? v : v + 3;
	for (int s = 1; s < 32; s++) {
		const char *a = sigabbrev_np(s);
		if (a && !strcmp(a, name))
			return s;
	}
	char *end;
	long n = strtol(v, &end, 10);
	return isdigit((unsigned char)*v) && !*end && n >= 1 && n <= 64 ? (int)n
									: -1;
}

/* ---- templates */

void campaign_count_spec(const char *name, char *buf, size_t n)
{
	if (!strcmp(name, "insn"))
		snprintf(buf, n, "%s", "");
	else
		snprintf(buf, n, "signal:sig=SIGUSR1@event=%s#%llu", name,
			 (unsigned long long)UINT64_MAX);
}

static bool count_name_ok(const char *name)
{
	if (!strcmp(name, "insn"))
		return true;
	char spec[160], why[256];
	struct inject_spec s;
	campaign_count_spec(name, spec, sizeof(spec));
	return strlen(name) < 100 && !inject_parse(spec, &s, why, sizeof(why));
}

static int count_index(struct campaign *c, const char *name)
{
	for (int i = 0; i < c->ncounts; i++)
		if (!strcmp(c->counts[i], name))
			return i;
	c->counts = grow(c->counts, c->ncounts, sizeof(char *));
	c->counts[c->ncounts] = strdup(name);
	return c->ncounts++;
}

static bool name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '.' ||
	       ch == '-';
}

/* $NAME at s (after the $): the longest prefix that names a count, so
 * $frame-alloc-1 is frame-alloc less one.  Its length, or 0. */
static size_t count_at(const char *s, char *name, size_t n)
{
	size_t len = 0;
	while (name_char(s[len]))
		len++;
	for (; len > 0; len--) {
		if (len >= n || (s[len] && s[len] != '-' && name_char(s[len])))
			continue;
		memcpy(name, s, len);
		name[len] = '\0';
		if (count_name_ok(name))
			return len;
	}
	return 0;
}

static int parse_expr(struct parser *p, const char *s, struct cexpr *e)
{
	struct campaign *c = p->c;
	memset(e, 0, sizeof(*e));
	const char *at = s;
	bool minus = false;
	if (*at == '-' || *at == '+')
		minus = *at++ == '-';
	for (;;) {
		if (e->n == CEXPR_TERMS)
			return fail(p, "'%s': at most %d terms", s,
				    CEXPR_TERMS);
		struct cterm *t = &e->t[e->n];
		t->minus = minus;
		if (*at == '$') {
			char name[100];
			size_t len = count_at(at + 1, name, sizeof(name));
			if (!len) {
				size_t w = 0;
				while (name_char(at[1 + w]))
					w++;
				return fail(p,
					    "unknown count '$%.*s' (insn, or "
					    "an event: fault[.KIND], "
					    "syscall[.NAME], tlb-flush, "
					    "frame-alloc, signal)",
					    (int)w, at + 1);
			}
			t->count = true;
			if (c->ncounts == CAMPAIGN_COUNTS)
				return fail(p, "at most %d $counts",
					    CAMPAIGN_COUNTS);
			t->value = (uint64_t)count_index(c, name);
			at += 1 + len;
		} else if (*at == '@') {
			char name[256], why[CAMPAIGN_ERR], path[4096];
			size_t len = 0;
			while (isalnum((unsigned char)at[1 + len]) ||
			       at[1 + len] == '_' || at[1 + len] == '.')
				len++;
			if (!len || len >= sizeof(name))
				return fail(p, "'%s': @ needs a symbol", s);
			memcpy(name, at + 1, len);
			name[len] = '\0';
			if (!c->guest)
				return fail(p, "@%s: no guest yet", name);
			snprintf(path, sizeof(path), "%s%s%s",
				 c->guest[0] == '/' ? "" : c->dir,
				 c->guest[0] == '/' ? "" : "/", c->guest);
			if (elf_symbol(path, name, &t->value, why, sizeof(why)))
				return fail(p, "%s", why);
			if (!e->n)
				e->hex = true;
			at += 1 + len;
		} else if (isdigit((unsigned char)*at)) {
			const char *end = u64_at(at, &t->value);
			if (!end)
				return fail(p, "'%s': not a number", s);
			if (!e->n)
				e->hex = at[1] == 'x' || at[1] == 'X';
			at = end;
		} else {
			return fail(p,
				    "'%s': a bound is a number, $COUNT or "
				    "@SYMBOL",
				    s);
		}
		e->n++;
		if (!*at)
			return 0;
		if (*at != '+' && *at != '-')
			return fail(p, "'%s': unexpected '%c'", s, *at);
		minus = *at++ == '-';
	}
}

static int parse_slot(struct parser *p, char *body, struct cslot *slot)
{
	memset(slot, 0, sizeof(*slot));
	char *dots = strstr(body, "..");
	if (dots) {
		slot->range = true;
		*dots = '\0';
		char *hi = dots + 2;
		char *step = strstr(hi, "..");
		if (step) {
			*step = '\0';
			step += 2;
		}
		if (!*body || !*hi || (step && !*step))
			return fail(p, "a range is {A..B} or {A..B..STEP}");
		if (parse_expr(p, body, &slot->lo) ||
		    parse_expr(p, hi, &slot->hi))
			return -1;
		if (step)
			return parse_expr(p, step, &slot->step);
		slot->step.n = 1;
		slot->step.t[0].value = 1;
		return 0;
	}
	for (char *w = body;;) {
		char *comma = strchr(w, ',');
		if (comma)
			*comma = '\0';
		if (!*w)
			return fail(p, "an empty word in {...}");
		uint64_t k = slot->nwords++;
		slot->words = realloc(slot->words, (k + 1) * sizeof(char *));
		slot->wexpr =
			realloc(slot->wexpr, (k + 1) * sizeof(struct cexpr));
		slot->wval = realloc(slot->wval, (k + 1) * sizeof(uint64_t));
		slot->words[k] = strdup(w);
		slot->wexpr[k].n = 0;
		if ((*w == '$' || *w == '@') &&
		    parse_expr(p, w, &slot->wexpr[k]))
			return -1;
		if (!comma)
			return 0;
		w = comma + 1;
	}
}

static int parse_template(struct parser *p, struct cfault *f)
{
	const char *s = f->text;
	size_t len = strlen(s);
	char *lit = malloc(len + 1);
	size_t llen = 0;
	f->lits = calloc(1, sizeof(char *));
	int specs = 1;
	for (size_t i = 0; i <= len; i++) {
		if (s[i] == '}')
			return free(lit), fail(p, "'}' without '{'");
		if (s[i] == ' ' || s[i] == '\t') {
			while (s[i + 1] == ' ' || s[i + 1] == '\t')
				i++;
			specs++;
		}
		if (s[i] != '{' && s[i]) {
			lit[llen++] = s[i] == '\t' ? ' ' : s[i];
			continue;
		}
		lit[llen] = '\0';
		f->lits[f->nslots] = strdup(lit);
		llen = 0;
		if (!s[i])
			break;
		const char *close = strchr(s + i + 1, '}');
		const char *open = strchr(s + i + 1, '{');
		if (!close || (open && open < close))
			return free(lit), fail(p, "'{' without '}'");
		size_t blen = (size_t)(close - s - i - 1);
		char body[LINE_MAX_LEN];
		memcpy(body, s + i + 1, blen);
		body[blen] = '\0';
		if (strpbrk(body, " \t"))
			return free(lit), fail(p, "a blank inside {...}");
		if (f->nslots == CAMPAIGN_SLOTS)
			return free(lit), fail(p, "at most %d {...} a line",
					       CAMPAIGN_SLOTS);
		f->slots = grow(f->slots, f->nslots, sizeof(struct cslot));
		f->lits = grow(f->lits, f->nslots + 1, sizeof(char *));
		f->lits[f->nslots + 1] = NULL;
		if (parse_slot(p, body, &f->slots[f->nslots++]))
			return free(lit), -1;
		i += blen + 1;
	}
	free(lit);
	if (specs > SPECS_MAX)
		return fail(p, "at most %d faults an experiment", SPECS_MAX);
	return 0;
}

/* ---- rules */

static int parse_rule(struct parser *p, const char *v)
{
	struct campaign *c = p->c;
	struct crule r = {.line = p->line, .text = strdup(v)};
	size_t klen = strcspn(v, " \t");
	const char *arg = v + klen + strspn(v + klen, " \t");
	if (!*arg) {
		free(r.text);
		return fail(p, "detected: exit N, signal SIG, stdout REGEX or "
			       "stderr REGEX");
	}
	if (!strncmp(v, "exit", klen) && klen == 4) {
		uint64_t n;
		r.kind = RULE_EXIT;
		if (number(p, "detected exit", arg, &n) || n > 255) {
			free(r.text);
			return n > 255 ? fail(p, "detected exit: 0 to 255")
				       : -1;
		}
		r.value = (int)n;
	} else if (!strncmp(v, "signal", klen) && klen == 6) {
		r.kind = RULE_SIGNAL;
		if ((r.value = signal_number(arg)) < 0) {
			free(r.text);
			return fail(p, "detected signal: unknown signal '%s'",
				    arg);
		}
	} else if ((!strncmp(v, "stdout", klen) ||
		    !strncmp(v, "stderr", klen)) &&
		   klen == 6) {
		r.kind = v[3] == 'o' ? RULE_STDOUT : RULE_STDERR;
		int e = regcomp(&r.re, arg,
				REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
		if (e) {
			char why[200];
			regerror(e, &r.re, why, sizeof(why));
			free(r.text);
			return fail(p,
				    "detected %.6s: bad regular expression: %s",
				    v, why);
		}
	} else {
		free(r.text);
		return fail(p, "detected: exit N, signal SIG, stdout REGEX or "
			       "stderr REGEX");
	}
	c->rules = grow(c->rules, c->nrules, sizeof(r));
	c->rules[c->nrules++] = r;
	return 0;
}

/* ---- keys */

static int once(struct parser *p, int *seen, const char *key)
{
	if (*seen)
		return fail(p, "%s given twice (line %d)", key, *seen);
	*seen = p->line;
	return 0;
}

static int parse_hang(struct parser *p, const char *v)
{
	struct campaign *c = p->c;
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)*v))
		goto bad;
	uint64_t a = strtoull(v, &end, 10);
	if (errno)
		goto bad;
	if (*end != 'x') {
		c->hang_factor = 0;
		c->hang_add = a;
		if (*end || !a)
			goto bad;
		return 0;
	}
	c->hang_factor = a;
	c->hang_add = 0;
	if (!a || !end[1])
		return a ? 0 : fail(p, "hang: the factor is at least 1");
	if (end[1] != '+' || !isdigit((unsigned char)end[2]))
		goto bad;
	c->hang_add = strtoull(end + 2, &end, 10);
	if (!errno && !*end)
		return 0;
bad:
	return fail(p, "hang: FACTORx+ADD (e.g. 10x+100000) or a count: '%s'",
		    v);
}

static int setting(struct parser *p, const char *key, char *v)
{
	struct campaign *c = p->c;
	if (!strcmp(key, "guest")) {
		if (once(p, &p->seen_guest, key))
			return -1;
		c->guest = strdup(v);
	} else if (!strcmp(key, "arg")) {
		c->args = grow(c->args, c->nargs, sizeof(char *));
		c->args[c->nargs++] = strdup(v);
	} else if (!strcmp(key, "file") || !strcmp(key, "dir")) {
		if (v[0] == ':')
			return fail(p, "%s: HOST[:GUEST]", key);
		c->imports = grow(c->imports, c->nimports, sizeof(*c->imports));
		c->imports[c->nimports].spec = strdup(v);
		c->imports[c->nimports++].tree = key[0] == 'd';
	} else if (!strcmp(key, "stdin")) {
		if (once(p, &p->seen_stdin, key))
			return -1;
		c->stdin_path = strdup(v);
	} else if (!strcmp(key, "env")) {
		if (!strchr(v, '=') || v[0] == '=')
			return fail(p, "env: VAR=VALUE");
		c->env = grow(c->env, c->nenv, sizeof(char *));
		c->env[c->nenv++] = strdup(v);
	} else if (!strcmp(key, "ram")) {
		if (once(p, &p->seen_ram, key))
			return -1;
		if (memu_parse_size(v, &c->ram))
			return fail(p, "ram: not a size: '%s'", v);
		c->ram_text = strdup(v);
	} else if (!strcmp(key, "seed")) {
		if (once(p, &p->seen_seed, key) || number(p, key, v, &c->seed))
			return -1;
		c->seed_set = true;
	} else if (!strcmp(key, "fault")) {
		c->faults = grow(c->faults, c->nfaults, sizeof(struct cfault));
		c->faults[c->nfaults++] =
			(struct cfault){.line = p->line, .text = strdup(v)};
	} else if (!strcmp(key, "sample")) {
		if (once(p, &p->seen_sample, key) ||
		    number(p, key, v, &c->sample))
			return -1;
		if (!c->sample)
			return fail(p, "sample: at least 1");
		c->sampled = true;
	} else if (!strcmp(key, "sample-seed")) {
		if (once(p, &p->seen_sample_seed, key) ||
		    number(p, key, v, &c->sample_seed))
			return -1;
	} else if (!strcmp(key, "detected")) {
		return parse_rule(p, v);
	} else if (!strcmp(key, "hang")) {
		if (once(p, &p->seen_hang, key))
			return -1;
		return parse_hang(p, v);
	} else if (!strcmp(key, "golden-limit")) {
		if (once(p, &p->seen_golden, key) ||
		    number(p, key, v, &c->golden_limit))
			return -1;
		if (!c->golden_limit)
			return fail(p, "golden-limit: at least 1");
	} else if (!strcmp(key, "compare")) {
		if (once(p, &p->seen_compare, key))
			return -1;
		c->compare_stdout =
			!strcmp(v, "stdout") || !strcmp(v, "stdout,stderr");
		c->compare_stderr =
			!strcmp(v, "stderr") || !strcmp(v, "stdout,stderr");
		if (!c->compare_stdout && !c->compare_stderr)
			return fail(p, "compare: stdout, stderr or "
				       "stdout,stderr");
	} else if (!strcmp(key, "output-limit")) {
		if (once(p, &p->seen_output, key))
			return -1;
		if (memu_parse_size(v, &c->output_limit) || !c->output_limit)
			return fail(p, "output-limit: not a size: '%s'", v);
	} else if (!strcmp(key, "snapshot")) {
		if (once(p, &p->seen_snapshot, key))
			return -1;
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return fail(p, "snapshot: yes or no");
		c->snapshot = v[0] == 'y';
	} else if (!strcmp(key, "prune")) {
		if (once(p, &p->seen_prune, key))
			return -1;
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return fail(p, "prune: yes or no");
		c->prune = v[0] == 'y';
	} else {
		return fail(p, "unknown key '%s'", key);
	}
	return 0;
}

/* ---- the file */

static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char b = s[i];
		size_t k = b < 0x80		? 0
			   : (b & 0xe0) == 0xc0 ? 1
			   : (b & 0xf0) == 0xe0 ? 2
			   : (b & 0xf8) == 0xf0 ? 3
						: 4; /* not a lead byte */
		if (k == 4 || (k && b < 0xc2) || k >= n - i)
			return false;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

static int read_all(struct parser *p, const char *path)
{
	struct campaign *c = p->c;
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(p, "%s", strerror(errno));
	c->text = malloc(FILE_MAX + 1);
	c->textlen = fread(c->text, 1, FILE_MAX + 1, f);
	bool error = ferror(f);
	fclose(f);
	if (error)
		return fail(p, "cannot read it");
	if (c->textlen > FILE_MAX)
		return fail(p, "larger than %d bytes", FILE_MAX);
	c->text[c->textlen] = '\0';
	if (memchr(c->text, '\0', c->textlen))
		return fail(p, "a NUL byte: not a text file");
	if (!utf8_ok((const unsigned char *)c->text, c->textlen))
		return fail(p, "not UTF-8 text");
	return 0;
}

static int parse_lines(struct parser *p)
{
	struct campaign *c = p->c;
	bool header = false;
	char *s = c->text;
	for (p->line = 1; *s; p->line++) {
		char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char line[LINE_MAX_LEN + 1];
		if (len > LINE_MAX_LEN)
			return fail(p, "longer than %d bytes", LINE_MAX_LEN);
		memcpy(line, s, len);
		line[len] = '\0';
		s += len + (nl != NULL);
		if (strchr(line, '\r'))
			return fail(p, "a carriage return (write Unix line "
				       "ends)");
		while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		char *k = line + strspn(line, " \t");
		if (!*k || *k == '#')
			continue;
		size_t klen = strspn(k, "abcdefghijklmnopqrstuvwxyz-");
		char key[32];
		if (!klen || klen >= sizeof(key) ||
		    (k[klen] && k[klen] != ' ' && k[klen] != '\t'))
			return fail(p, "a setting is KEY VALUE: '%s'", k);
		memcpy(key, k, klen);
		key[klen] = '\0';
		char *v = k + klen + strspn(k + klen, " \t");
		if (!header) {
			if (strcmp(key, "campaign"))
				return fail(p,
					    "the first setting is "
					    "'campaign %d'",
					    CAMPAIGN_VERSION);
			if (strcmp(v, "1"))
				return fail(p,
					    "campaign: this memu reads "
					    "version %d, not '%s'",
					    CAMPAIGN_VERSION, v);
			header = true;
			continue;
		}
		if (!*v)
			return fail(p, "%s needs a value", key);
		if (!strcmp(key, "campaign"))
			return fail(p, "campaign given twice");
		if (setting(p, key, v))
			return -1;
	}
	p->line = 0;
	if (!header)
		return fail(p, "empty: the first setting is 'campaign %d'",
			    CAMPAIGN_VERSION);
	if (!c->guest)
		return fail(p, "no guest");
	if (!c->nfaults)
		return fail(p, "no fault");
	if (p->seen_sample_seed && !c->sampled)
		return fail(p, "sample-seed without sample");
	return 0;
}

static int check_syntax(void *ctx, const char *spec, int line)
{
	struct parser *p = ctx;
	struct inject_spec s;
	char why[256];
	if (!inject_parse(spec, &s, why, sizeof(why)))
		return 0;
	p->line = line;
	return fail(p, "%s: %s", spec, why);
}

int campaign_load(const char *path, struct campaign *c, char *err,
		  size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	char *d = strdup(path), *b = strdup(path);
	c->dir = strdup(dirname(d));
	c->name = strdup(basename(b));
	free(d);
	free(b);
	c->hang_factor = 10;
	c->hang_add = 100000;
	c->golden_limit = 10000000000ULL;
	c->output_limit = 64ULL << 20;
	c->compare_stdout = c->compare_stderr = true;
	c->snapshot = true;
	c->prune = true;
	struct parser p = {.c = c, .err = err, .errlen = errlen};
	if (read_all(&p, path) || parse_lines(&p))
		return -1;
	for (int i = 0; i < c->nfaults; i++) {
		p.line = c->faults[i].line;
		if (parse_template(&p, &c->faults[i]))
			return -1;
	}
	/* The templates' syntax, with every count 1 for now: the golden
	 * run checks them again with its counts, against the machine. */
	c->count_values = calloc((size_t)c->ncounts + 1, sizeof(uint64_t));
	for (int i = 0; i < c->ncounts; i++)
		c->count_values[i] = 1;
	p.line = 0;
	if (space_resolve(c, err, errlen) || space_corners(c, check_syntax, &p))
		return -1;
	return 0;
}

void campaign_free(struct campaign *c)
{
	space_free(c);
	for (int i = 0; i < c->nfaults; i++) {
		struct cfault *f = &c->faults[i];
		for (int j = 0; j < f->nslots; j++) {
			for (uint64_t w = 0; w < f->slots[j].nwords; w++)
				free(f->slots[j].words[w]);
			free(f->slots[j].words);
			free(f->slots[j].wexpr);
			free(f->slots[j].wval);
		}
		for (int j = 0; f->lits && j <= f->nslots; j++)
			free(f->lits[j]);
		free(f->lits);
		free(f->slots);
		free(f->text);
	}
	free(c->faults);
	for (int i = 0; i < c->nrules; i++) {
		if (c->rules[i].kind == RULE_STDOUT ||
		    c->rules[i].kind == RULE_STDERR)
			regfree(&c->rules[i].re);
		free(c->rules[i].text);
	}
	free(c->rules);
	for (int i = 0; i < c->nargs; i++)
		free(c->args[i]);
	free(c->args);
	for (int i = 0; i < c->nimports; i++)
		free(c->imports[i].spec);
	free(c->imports);
	for (int i = 0; i < c->nenv; i++)
		free(c->env[i]);
	free(c->env);
	for (int i = 0; i < c->ncounts; i++)
		free(c->counts[i]);
	free(c->counts);
	free(c->count_values);
	free(c->guest);
	free(c->stdin_path);
	free(c->ram_text);
	free(c->text);
	free(c->path);
	free(c->dir);
	free(c->name);
	memset(c, 0, sizeof(*c));
}
