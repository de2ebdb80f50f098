/* The results file (docs/campaigns.md, "Results"): JSON Lines, a header
 * naming the campaign and its golden run, then one line per experiment.
 * A run appends each line as it comes, so an interrupted run loses at
 * most the line it was writing; the next run keeps every complete line,
 * runs the rest, and leaves the file sorted by index.  `memu campaign
 * merge` joins files of the same campaign (the same header): a line may
 * come twice only as the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"

/* FNV-1a, 64 bits. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV_BASIS 0xcbf29ce484222325ULL

static uint64_t fnv_file(uint64_t h, const char *dir, const char *path)
{
	char full[4096];
	snprintf(full, sizeof(full), "%s%s%s", path[0] == '/' ? "" : dir,
		 path[0] == '/' ? "" : "/", path);
	FILE *f = fopen(full, "rb");
	if (!f)
		return fnv(h, "?", 1);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		h = fnv(h, buf, n);
	fclose(f);
	return h;
}

char *results_header(const struct campaign *c, const struct golden *g)
{
	/* What the results depend on: the campaign file and the guest's
	 * bytes; the golden run's record follows. */
	uint64_t fp = fnv(FNV_BASIS, c->text, c->textlen);
	fp = fnv_file(fp, c->dir, c->guest);
	struct sbuf b = {0};
	sb_printf(&b, "{\"campaign\":\"memu\",\"version\":%d,\"name\":",
		  CAMPAIGN_VERSION);
	sb_json_string(&b, c->name);
	sb_printf(&b,
		  ",\"fingerprint\":\"%016" PRIx64 "\",\"experiments\":%" PRIu64
		  ",\"points\":%" PRIu64,
		  fp, space_experiments(c), space_points(c));
	if (space_experiments(c) < space_points(c))
		sb_printf(&b, ",\"sample_seed\":%" PRIu64, c->sample_seed);
	const struct crun *r = &g->run;
	sb_printf(&b,
		  ",\"golden\":{\"exit\":%d,\"instructions\":%" PRIu64
		  ",\"stdout_bytes\":%zu,\"stdout_fnv\":\"%016" PRIx64
		  "\",\"stderr_bytes\":%zu,\"stderr_fnv\":\"%016" PRIx64 "\"",
		  r->exit_code, r->instructions, r->outlen,
		  fnv(FNV_BASIS, r->out, r->outlen), r->errlen,
		  fnv(FNV_BASIS, r->err, r->errlen));
	sb_printf(&b, ",\"counts\":{");
	for (int i = 0; i < c->ncounts; i++) {
		sb_printf(&b, "%s", i ? "," : "");
		sb_json_string(&b, c->counts[i]);
		sb_printf(&b, ":%" PRIu64, c->count_values[i]);
	}
	sb_printf(&b, "}},\"budget\":%" PRIu64 "}", g->budget);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- reading */

static json_t *parse_line(const char *line)
{
	json_error_t e;
	json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &e);
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int64_t result_index(const char *line)
{
	json_t *j = parse_line(line);
	json_t *i = j ? json_object_get(j, "index") : NULL;
	int64_t v = json_is_integer(i) && json_integer_value(i) >= 0
			    ? (int64_t)json_integer_value(i)
			    : -1;
	json_decref(j);
	return v;
}

/* The experiments a header announces, or -1. */
static int64_t header_experiments(const char *header)
{
	json_t *j = parse_line(header);
	json_t *c = j ? json_object_get(j, "campaign") : NULL;
	json_t *n = j ? json_object_get(j, "experiments") : NULL;
	int64_t v =
		json_is_string(c) && !strcmp(json_string_value(c), "memu") &&
				json_is_integer(n) && json_integer_value(n) >= 0
			? (int64_t)json_integer_value(n)
			: -1;
	json_decref(j);
	return v;
}

struct reader {
	FILE *f;
	char *buf;
	size_t cap;
	long line;
};

/* The next line without its newline; *cut when the file ended before
 * one. */
static char *next_line(struct reader *rd, bool *cut)
{
	ssize_t n = getline(&rd->buf, &rd->cap, rd->f);
	if (n <= 0)
		return NULL;
	rd->line++;
	*cut = rd->buf[n - 1] != '\n';
	if (!*cut)
		rd->buf[n - 1] = '\0';
	return rd->buf;
}

/* Add the result lines of open file rd (its header read) to r. */
static int read_lines(struct reader *rd, const char *path, struct results *r,
		      char *err, size_t errlen)
{
	bool cut;
	char *line;
	while ((line = next_line(rd, &cut))) {
		if (cut)
			break; /* an interrupted write: run it again */
		int64_t i = result_index(line);
		if (i < 0 || (uint64_t)i >= r->n) {
			snprintf(err, errlen,
				 "%s:%ld: not a result line of this campaign",
				 path, rd->line);
			return -1;
		}
		if (r->lines[i]) {
			if (strcmp(r->lines[i], line)) {
				snprintf(err, errlen,
					 "%s:%ld: experiment %" PRId64
					 " has two different results",
					 path, rd->line, i);
				return -2;
			}
			continue;
		}
		r->lines[i] = strdup(line);
		r->done++;
	}
	return 0;
}

static int open_reader(struct reader *rd, const char *path, char *err,
		       size_t errlen)
{
	memset(rd, 0, sizeof(*rd));
	rd->f = fopen(path, "r");
	if (rd->f)
		return 0;
	int e = errno;
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	return -e;
}

static void close_reader(struct reader *rd)
{
	if (rd->f)
		fclose(rd->f);
	free(rd->buf);
}

int results_read(const char *path, const char *header, uint64_t n,
		 struct results *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->header = strdup(header);
	r->n = n;
	r->lines = calloc(n ? n : 1, sizeof(char *));
	if (!r->header || !r->lines) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct reader rd;
	int e = open_reader(&rd, path, err, errlen);
	if (e)
		return e == -ENOENT ? 0 : -1;
	bool cut;
	char *first = next_line(&rd, &cut);
	int rc = 0;
	if (first && (cut || strcmp(first, header))) {
		snprintf(err, errlen,
			 "%s holds the results of another campaign, or of "
			 "another version of this one (its header differs): "
			 "remove it or write elsewhere (-o)",
			 path);
		rc = -1;
	} else if (first) {
		rc = read_lines(&rd, path, r, err, errlen) ? -1 : 0;
	}
	close_reader(&rd);
	return rc;
}

static int write_all(FILE *f, const struct results *r)
{
	fprintf(f, "%s\n", r->header);
	for (uint64_t i = 0; i < r->n; i++)
		if (r->lines[i])
			fprintf(f, "%s\n", r->lines[i]);
	return fflush(f) || ferror(f) ? -1 : 0;
}

int results_write(const char *path, const struct results *r)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	int rc = write_all(f, r);
	if (fclose(f) || rc || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

void results_free(struct results *r)
{
	for (uint64_t i = 0; r->lines && i < r->n; i++)
		free(r->lines[i]);
	free(r->lines);
	free(r->header);
	memset(r, 0, sizeof(*r));
}

/* ---- memu campaign merge, summary */

/* The files' results joined into r: 0, -1 (bad input: exit 2), -2 (two
 * different results for one experiment: exit 1). */
int results_join(int nfiles, char *const *files, struct results *r, char *err,
		 size_t errlen)
{
	memset(r, 0, sizeof(*r));
	for (int k = 0; k < nfiles; k++) {
		struct reader rd;
		bool cut;
		if (open_reader(&rd, files[k], err, errlen))
			return -1;
		char *first = next_line(&rd, &cut);
		int64_t n = first && !cut ? header_experiments(first) : -1;
		int rc = 0;
		if (n < 0) {
			snprintf(err, errlen,
				 "%s: not a memu campaign results file",
				 files[k]);
			rc = -1;
		} else if (!r->header) {
			r->header = strdup(first);
			r->n = (uint64_t)n;
			r->lines = calloc(r->n ? r->n : 1, sizeof(char *));
		} else if (strcmp(r->header, first)) {
			snprintf(err, errlen,
				 "%s: the results of another campaign than "
				 "%s's (the headers differ)",
				 files[k], files[0]);
			rc = -1;
		}
		if (!rc)
			rc = read_lines(&rd, files[k], r, err, errlen);
		if (!rc && cut) {
			snprintf(err, errlen, "%s:%ld: a line cut short",
				 files[k], rd.line);
			rc = -1;
		}
		close_reader(&rd);
		if (rc)
			return rc;
	}
	return 0;
}

int results_merge_main(int argc, char **argv)
{
	const char *out = NULL;
	int first = 1;
	if (argc > 2 && !strcmp(argv[1], "-o")) {
		out = argv[2];
		first = 3;
	}
	if (first >= argc) {
		fprintf(stderr, "memu: campaign merge [-o OUT] RESULTS...\n");
		return CAMPAIGN_EXIT_USAGE;
	}
	struct results r;
	char err[CAMPAIGN_ERR];
	int rc = results_join(argc - first, argv + first, &r, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "memu: campaign merge: %s\n", err);
		results_free(&r);
		return rc == -2 ? 1 : CAMPAIGN_EXIT_USAGE;
	}
	if (out ? results_write(out, &r) : write_all(stdout, &r)) {
		fprintf(stderr, "memu: campaign merge: cannot write %s\n",
			out ? out : "the results");
		results_free(&r);
		return 1;
	}
	results_free(&r);
	return 0;
}
