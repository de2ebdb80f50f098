/* The outcome table of a campaign (docs/campaigns.md, "Summary"): each
 * class's count among the experiments done, its rate and the rate's 95%
 * Wilson score interval, which stays inside [0, 1] and is honest at 0
 * and at small counts (a normal interval is not):
 *
 *   centre = (p + z^2 / 2n) / (1 + z^2 / n)
 *   half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)
 *
 * with p = count / n and z = 1.96.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "campaign.h"

#define Z 1.959963984540054 /* the 97.5th percentile of the normal */

static void wilson(uint64_t k, uint64_t n, double *lo, double *hi)
{
	double p = (double)k / (double)n, z2 = Z * Z, nn = (double)n;
	double d = 1 + z2 / nn;
	double centre = (p + z2 / (2 * nn)) / d;
	double half = Z / d * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
	*lo = centre - half < 0 ? 0 : centre - half;
	*hi = centre + half > 1 ? 1 : centre + half;
}

static json_t *field(json_t *j, const char *key)
{
	return j ? json_object_get(j, key) : NULL;
}

void summary_print(FILE *out, const struct results *r)
{
	uint64_t count[CLASSES] = {0}, unfired = 0, done = 0, pruned = 0;
	for (uint64_t i = 0; i < r->n; i++) {
		if (!r->lines[i])
			continue;
		json_t *j = json_loads(r->lines[i], 0, NULL);
		json_t *c = field(j, "class");
		for (int k = 0; k < CLASSES; k++)
			if (json_is_string(c) &&
			    !strcmp(json_string_value(c), class_names[k])) {
				count[k]++;
				done++;
			}
		json_t *fired = field(j, "fired");
		bool any = false;
		for (size_t f = 0; f < json_array_size(fired); f++)
			any |= json_integer_value(json_array_get(fired, f)) > 0;
		unfired += json_is_array(fired) && !any;
		pruned += json_is_string(field(j, "pruned"));
		json_decref(j);
	}
	json_t *h = json_loads(r->header, 0, NULL);
	json_t *name = field(h, "name");
	json_t *seed = field(h, "sample_seed");
	uint64_t points = (uint64_t)json_integer_value(field(h, "points"));
	fprintf(out, "campaign %s: %" PRIu64 " of %" PRIu64 " experiments",
		json_is_string(name) ? json_string_value(name) : "?", done,
		r->n);
	if (seed)
		fprintf(out,
			" (sampled from %" PRIu64 " points, seed %" PRIu64
			")\n",
			points, (uint64_t)json_integer_value(seed));
	else
		fprintf(out, " (every point of the fault space)\n");
	json_decref(h);
	fprintf(out, "%-14s %8s %8s   %s\n", "class", "count", "rate",
		"95% interval (Wilson)");
	for (int k = 0; k < CLASSES; k++) {
		if (!done) {
			fprintf(out, "%-14s %8" PRIu64 "\n", class_names[k],
				count[k]);
			continue;
		}
		double lo, hi;
		wilson(count[k], done, &lo, &hi);
		fprintf(out, "%-14s %8" PRIu64 " %7.2f%%   [%.2f%%, %.2f%%]\n",
			class_names[k], count[k],
			100.0 * (double)count[k] / (double)done, 100 * lo,
			100 * hi);
	}
	fprintf(out, "%-14s %8" PRIu64 "\n", "total", done);
	fprintf(out,
		"never fired: %" PRIu64 " (counted in their class)\n"
		"pruned: %" PRIu64 " (counted masked without running: each "
		"flipped byte is overwritten before it is next read)\n",
		unfired, pruned);
}

int summary_main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "memu: campaign summary RESULTS...\n");
		return CAMPAIGN_EXIT_USAGE;
	}
	struct results r;
	char err[CAMPAIGN_ERR];
	int rc = results_join(argc - 1, argv + 1, &r, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "memu: campaign summary: %s\n", err);
		results_free(&r);
		return rc == -2 ? 1 : CAMPAIGN_EXIT_USAGE;
	}
	summary_print(stdout, &r);
	results_free(&r);
	return 0;
}
