/* The fault space of a campaign (docs/campaigns.md, "The fault space"):
 * every fault line's templates expanded over their slots, line after
 * line, the first slot of a line varying slowest.  Point p of the space
 * is line L's point p - (the points of the lines before L).  A campaign
 * runs every point, or a sample of N of them drawn under a seed (Robert
 * Floyd's algorithm over xoshiro256**, the points then taken in
 * ascending order): the same file gives the same experiments, numbered
 * 0, 1, ... in the order of their points.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "clock.h"

/* The sampled points, ascending; NULL when every point runs. */
struct sample {
	uint64_t *points;
	uint64_t n;
};

static struct sample *sample_of(const struct campaign *c)
{
	return (struct sample *)c->sample_state;
}

static int line_fail(const struct campaign *c, int line, char *err,
		     size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s:%d: %s", c->path, line, what);
	return -1;
}

static int eval(const struct campaign *c, const struct cexpr *e, uint64_t *out)
{
	/* Signed arithmetic with overflow checks: a bound below 0 or past
	 * 2^64 - 1 is an error, not a wrap. */
	__int128 v = 0;
	for (int i = 0; i < e->n; i++) {
		const struct cterm *t = &e->t[i];
		uint64_t x = t->count ? c->count_values[t->value] : t->value;
		v += t->minus ? -(__int128)x : (__int128)x;
		if (v > (__int128)UINT64_MAX || v < -(__int128)UINT64_MAX)
			return -1;
	}
	if (v < 0 || v > (__int128)UINT64_MAX)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int resolve_slot(const struct campaign *c, const struct cfault *f,
			struct cslot *s, char *err, size_t errlen)
{
	if (!s->range) {
		s->size = s->nwords;
		for (uint64_t k = 0; k < s->nwords; k++)
			if (s->wexpr[k].n && eval(c, &s->wexpr[k], &s->wval[k]))
				return line_fail(c, f->line, err, errlen,
						 "a value is below 0 or too "
						 "large");
		return 0;
	}
	uint64_t lo, hi, step;
	if (eval(c, &s->lo, &lo) || eval(c, &s->hi, &hi) ||
	    eval(c, &s->step, &step))
		return line_fail(c, f->line, err, errlen,
				 "a range bound is below 0 or too large");
	if (!step)
		return line_fail(c, f->line, err, errlen,
				 "a range's step is at least 1");
	s->first = lo;
	s->stride = step;
	s->size = hi < lo ? 0 : (hi - lo) / step + 1;
	return 0;
}

/* Robert Floyd's sampling of n distinct points of [0, total), into a
 * hash set, then sorted. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool set_add(uint64_t *slots, uint64_t mask, uint64_t v)
{
	/* slots hold v + 1; 0 is empty */
	uint64_t h = (v * 0x9e3779b97f4a7c15ULL) & mask;
	while (slots[h]) {
		if (slots[h] == v + 1)
			return false;
		h = (h + 1) & mask;
	}
	slots[h] = v + 1;
	return true;
}

static int draw(struct campaign *c, uint64_t total, char *err, size_t errlen)
{
	uint64_t n = c->sample;
	struct sample *s = calloc(1, sizeof(*s));
	uint64_t cap = 16;
	while (cap < 2 * n)
		cap <<= 1;
	uint64_t *slots = s ? calloc(cap, sizeof(uint64_t)) : NULL;
	if (!s || !slots || !(s->points = malloc(n * sizeof(uint64_t)))) {
		free(slots);
		free(s);
		snprintf(err, errlen,
			 "%s: a sample of %" PRIu64 " is too large", c->path,
			 n);
		return -1;
	}
	struct rng r;
	rng_seed(&r, c->sample_seed);
	for (uint64_t j = total - n; j < total; j++) {
		/* uniform in [0, j] */
		uint64_t t = (uint64_t)(((unsigned __int128)rng_next(&r) *
					 (j + 1)) >>
					64);
		if (!set_add(slots, cap - 1, t))
			set_add(slots, cap - 1, j);
	}
	for (uint64_t i = 0; i < cap; i++)
		if (slots[i])
			s->points[s->n++] = slots[i] - 1;
	free(slots);
	qsort(s->points, s->n, sizeof(uint64_t), cmp_u64);
	c->sample_state = s;
	return 0;
}

int space_resolve(struct campaign *c, char *err, size_t errlen)
{
	space_free(c);
	uint64_t total = 0;
	for (int i = 0; i < c->nfaults; i++) {
		struct cfault *f = &c->faults[i];
		f->size = 1;
		for (int j = 0; j < f->nslots; j++) {
			struct cslot *s = &f->slots[j];
			if (resolve_slot(c, f, s, err, errlen))
				return -1;
			if (s->size && f->size > UINT64_MAX / s->size)
				return line_fail(c, f->line, err, errlen,
						 "more than 2^64 points");
			f->size *= s->size;
		}
		if (total > UINT64_MAX - f->size)
			return line_fail(c, f->line, err, errlen,
					 "more than 2^64 points");
		total += f->size;
	}
	c->points = total;
	if (c->sampled && c->sample < total)
		return draw(c, total, err, errlen);
	return 0;
}

uint64_t space_points(const struct campaign *c)
{
	return c->points;
}

uint64_t space_experiments(const struct campaign *c)
{
	const struct sample *s = sample_of(c);
	return s ? s->n : c->points;
}

uint64_t space_point(const struct campaign *c, uint64_t i)
{
	const struct sample *s = sample_of(c);
	return s ? s->points[i] : i;
}

static int put(char *buf, size_t n, size_t *len, const char *text)
{
	size_t k = strlen(text);
	if (*len + k >= n)
		return -1;
	memcpy(buf + *len, text, k + 1);
	*len += k;
	return 0;
}

/* Line f's point p with slot j at index idx[j]. */
static int format_point(const struct cfault *f, const uint64_t *idx, char *buf,
			size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int j = 0; j <= f->nslots; j++) {
		if (put(buf, n, &len, f->lits[j]))
			return -1;
		if (j == f->nslots)
			break;
		const struct cslot *s = &f->slots[j];
		char num[32];
		const struct cexpr *e = s->range ? &s->lo : &s->wexpr[idx[j]];
		bool value = s->range || e->n;
		if (value) {
			uint64_t v = s->range ? s->first + idx[j] * s->stride
					      : s->wval[idx[j]];
			bool hex = e->hex || (s->range && s->hi.hex);
			snprintf(num, sizeof(num),
				 hex ? "%#" PRIx64 : "%" PRIu64, v);
			if (hex && !v)
				snprintf(num, sizeof(num), "0x0");
		}
		if (put(buf, n, &len, value ? num : s->words[idx[j]]))
			return -1;
	}
	int specs = 1;
	for (const char *t = buf; *t; t++)
		specs += *t == ' ';
	return specs;
}

int space_expand(const struct campaign *c, uint64_t p, char *buf, size_t n,
		 int *line)
{
	for (int i = 0; i < c->nfaults; i++) {
		const struct cfault *f = &c->faults[i];
		if (p >= f->size) {
			p -= f->size;
			continue;
		}
		uint64_t idx[CAMPAIGN_SLOTS];
		for (int j = f->nslots - 1; j >= 0; j--) {
			idx[j] = p % f->slots[j].size;
			p /= f->slots[j].size;
		}
		*line = f->line;
		return format_point(f, idx, buf, n);
	}
	return -1;
}

static int check_point(const struct cfault *f, const uint64_t *idx,
		       int (*check)(void *ctx, const char *spec, int line),
		       void *ctx)
{
	char buf[4096 * 2];
	if (format_point(f, idx, buf, sizeof(buf)) < 0)
		return check(ctx, "(a spec too long)", f->line);
	for (char *s = buf, *e; s; s = e ? e + 1 : NULL) {
		e = strchr(s, ' ');
		if (e)
			*e = '\0';
		int rc = check(ctx, s, f->line);
		if (rc)
			return rc;
	}
	return 0;
}

int space_corners(const struct campaign *c,
		  int (*check)(void *ctx, const char *spec, int line),
		  void *ctx)
{
	for (int i = 0; i < c->nfaults; i++) {
		const struct cfault *f = &c->faults[i];
		if (!f->size)
			continue;
		uint64_t idx[CAMPAIGN_SLOTS] = {0};
		int rc = check_point(f, idx, check, ctx);
		/* then each slot's other values, the rest at their first: a
		 * range's last (its values in between lie between), every
		 * word of a list */
		for (int j = 0; !rc && j < f->nslots; j++) {
			const struct cslot *s = &f->slots[j];
			for (uint64_t k = s->range ? s->size - 1 : 1;
			     !rc && k && k < s->size; k++) {
				idx[j] = k;
				rc = check_point(f, idx, check, ctx);
			}
			idx[j] = 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

void space_free(struct campaign *c)
{
	struct sample *s = sample_of(c);
	if (s)
		free(s->points);
	free(s);
	c->sample_state = NULL;
}
