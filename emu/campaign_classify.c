/* An experiment's outcome against the golden run, and its result line
 * (docs/campaigns.md, "Outcomes" and "Results").  In this order:
 *
 *   machine-error  memu could not run it (a machine error, a spec the
 *                  machine refused, memu itself died)
 *   hang           the instruction limit, or a livelock, a wait for a
 *                  signal that can never come, a CPU making no progress,
 *                  processes that all wait for each other (a deadlock)
 *   detected       a `detected` rule matches (the first, in file order)
 *   crash          killed by a signal (which, si_code, address)
 *   masked         the golden run's exit status and output
 *   sdc            the golden run's exit status, another output
 *   exit           another exit status, and no rule names it
 *
 * Everything in a line comes from the run, never from the host, so a
 * line is the same bytes however and wherever the experiment ran.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"

const char *const class_names[CLASSES] = {
	"masked", "sdc", "detected", "crash", "hang", "exit", "machine-error",
};

/* ---- strings */

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = b->s ? vsnprintf(b->s + b->len, room, fmt, ap) : -1;
		va_end(ap);
		if (n >= 0 && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (n >= 0 && cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

void sb_json_string(struct sbuf *b, const char *s)
{
	sb_printf(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			sb_printf(b, "\\%c", ch);
		else if (ch == '\n')
			sb_printf(b, "\\n");
		else if (ch == '\t')
			sb_printf(b, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			sb_printf(b, "\\u%04x", ch);
		else
			sb_printf(b, "%c", ch);
	}
	sb_printf(b, "\"");
}

/* ---- the command line */

void shell_word(struct sbuf *b, const char *w)
{
	bool plain = *w != '\0';
	for (const char *s = w; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
			    "YZ"
			    "0123456789_./:=@%+,-#",
			    *s))
			plain = false;
	if (plain && w[0] != '#') {
		sb_printf(b, " %s", w);
		return;
	}
	sb_printf(b, " '");
	for (; *w; w++)
		if (*w == '\'')
			sb_printf(b, "'\\''");
		else
			sb_printf(b, "%c", *w);
	sb_printf(b, "'");
}

char *repro_command(const struct campaign *c, const struct golden *g,
		    const char *specs)
{
	struct sbuf b = {0};
	sb_printf(&b, "memu run");
	if (c->ram_text) {
		sb_printf(&b, " --ram");
		shell_word(&b, c->ram_text);
	}
	if (c->seed_set)
		sb_printf(&b, " --seed %" PRIu64, c->seed);
	for (int i = 0; i < c->nenv; i++) {
		sb_printf(&b, " --env");
		shell_word(&b, c->env[i]);
	}
	if (specs) {
		char buf[4096 * 2];
		snprintf(buf, sizeof(buf), "%s", specs);
		for (char *s = buf, *e; *s; s = e ? e + 1 : s + strlen(s)) {
			e = strchr(s, ' ');
			if (e)
				*e = '\0';
			sb_printf(&b, " --inject");
			shell_word(&b, s);
		}
	}
	if (g)
		sb_printf(&b, " --insn-limit %" PRIu64, g->budget);
	for (int i = 0; i < c->nimports; i++) {
		sb_printf(&b, c->imports[i].tree ? " --dir" : " --file");
		shell_word(&b, c->imports[i].spec);
	}
	shell_word(&b, c->guest);
	for (int i = 0; i < c->nargs; i++)
		shell_word(&b, c->args[i]);
	sb_printf(&b, " <");
	shell_word(&b, c->stdin_path ? c->stdin_path : "/dev/null");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- the class */

static bool hang_reason(const char *r)
{
	return !strncmp(r, "livelock", 8) ||
	       !strncmp(r, "the guest waits", 15) ||
	       !strcmp(r, "the CPU stopped making progress");
}

static bool ended(const struct crun *r)
{
	return r->stop == MEMU_STOP_EXIT || r->stop == MEMU_STOP_SIGNAL;
}

static bool rule_matches(const struct crule *rule, const struct crun *r)
{
	switch (rule->kind) {
	case RULE_EXIT:
		return r->stop == MEMU_STOP_EXIT && r->exit_code == rule->value;
	case RULE_SIGNAL:
		return r->stop == MEMU_STOP_SIGNAL && r->signal == rule->value;
	case RULE_STDOUT:
		return !regexec(&rule->re, r->out ? r->out : "", 0, NULL, 0);
	case RULE_STDERR:
		return !regexec(&rule->re, r->err ? r->err : "", 0, NULL, 0);
	}
	return false;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (!alen || !memcmp(a, b, alen));
}

static void signal_name(char *buf, size_t n, int sig)
{
	const char *a = sig < 32 ? sigabbrev_np(sig) : NULL;
	if (a)
		snprintf(buf, n, "SIG%s", a);
	else if (sig >= 32)
		snprintf(buf, n, "SIGRTMIN+%d", sig - 32);
	else
		snprintf(buf, n, "%d", sig);
}

static enum cclass class_of(const struct campaign *c, const struct golden *g,
			    const struct crun *r, const struct crule **rule)
{
	const struct crun *gr = &g->run;
	*rule = NULL;
	if (r->stop == MEMU_STOP_LIMIT || r->stop == MEMU_STOP_DEADLOCK ||
	    (r->stop == MEMU_STOP_ERROR && hang_reason(r->reason)))
		return CLASS_HANG;
	if (!ended(r))
		return CLASS_MACHINE_ERROR;
	for (int i = 0; i < c->nrules; i++)
		if (rule_matches(&c->rules[i], r)) {
			*rule = &c->rules[i];
			return CLASS_DETECTED;
		}
	if (r->stop == MEMU_STOP_SIGNAL)
		return CLASS_CRASH;
	if (gr->stop != MEMU_STOP_EXIT || r->exit_code != gr->exit_code)
		return CLASS_EXIT;
	bool out = !c->compare_stdout ||
		   same(r->out, r->outlen, gr->out, gr->outlen);
	bool err = !c->compare_stderr ||
		   same(r->err, r->errlen, gr->err, gr->errlen);
	return out && err ? CLASS_MASKED : CLASS_SDC;
}

void result_line_begin(struct sbuf *b, uint64_t index, const char *specs)
{
	sb_printf(b, "{\"index\":%" PRIu64 ",\"specs\":[", index);
	char buf[4096 * 2];
	snprintf(buf, sizeof(buf), "%s", specs);
	int n = 0;
	for (char *s = buf, *e; *s; s = e ? e + 1 : s + strlen(s), n++) {
		e = strchr(s, ' ');
		if (e)
			*e = '\0';
		if (n)
			sb_printf(b, ",");
		sb_json_string(b, s);
	}
	sb_printf(b, "]");
}

char *result_line_end(struct sbuf *b, const struct campaign *c,
		      const struct golden *g, const char *specs)
{
	char *cmd = repro_command(c, g, specs);
	sb_printf(b, ",\"command\":");
	sb_json_string(b, cmd ? cmd : "");
	free(cmd);
	sb_printf(b, "}");
	if (b->oom || !cmd) {
		free(b->s);
		return NULL;
	}
	return b->s;
}

char *classify(const struct campaign *c, const struct golden *g, uint64_t index,
	       const char *specs, const struct crun *r)
{
	const struct crule *rule;
	enum cclass k = class_of(c, g, r, &rule);
	struct sbuf b = {0};
	result_line_begin(&b, index, specs);
	sb_printf(&b, ",\"class\":\"%s\",\"exit\":%d", class_names[k],
		  r->exit_code);
	if (r->stop == MEMU_STOP_SIGNAL) {
		char name[32];
		signal_name(name, sizeof(name), r->signal);
		sb_printf(
			&b,
			",\"signal\":\"%s\",\"si_code\":%d,\"addr\":\"%#" PRIx64
			"\"",
			name, r->si_code, r->addr);
	}
	if (rule) {
		sb_printf(&b, ",\"rule\":");
		sb_json_string(&b, rule->text);
	}
	if (!ended(r)) {
		sb_printf(&b, ",\"reason\":");
		sb_json_string(&b, r->reason);
	}
	sb_printf(&b, ",\"instructions\":%" PRIu64 ",\"fired\":[",
		  r->instructions);
	for (int i = 0; i < r->nspecs; i++)
		sb_printf(&b, "%s%" PRIu64, i ? "," : "", r->fired[i]);
	sb_printf(&b, "]");
	if (ended(r))
		sb_printf(&b, ",\"stdout\":\"%s\",\"stderr\":\"%s\"",
			  same(r->out, r->outlen, g->run.out, g->run.outlen)
				  ? "same"
				  : "different",
			  same(r->err, r->errlen, g->run.err, g->run.errlen)
				  ? "same"
				  : "different");
	return result_line_end(&b, c, g, specs);
}
