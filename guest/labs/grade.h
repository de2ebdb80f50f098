/* The graders' harness (docs/labs/README.md): a grader runs a student's
 * program on a fresh memu machine through the library (include/memu.h),
 * stops it at its memu_probe() calls, looks at the page tables, the
 * frames and the counters, and says PASS or FAIL for each check, with a
 * one-line reason.  Everything it looks at is deterministic, so the
 * verdict is the same on every run and every machine. */
#ifndef MEMU_LAB_GRADE_H
#define MEMU_LAB_GRADE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "memu.h"

#define LAB_PROBES 8

struct lab {
	const char *name;
	unsigned checks, passed;
	struct memu *m;
	struct memu_result r;
	int out_fd;	 /* the guest's stdout (a memfd) */
	char *out;	 /* what it printed, once it ended */
	unsigned probes; /* memu_probe stops so far */
	uint64_t tags[LAB_PROBES];
	struct memu_stats at[LAB_PROBES]; /* the counters at each stop */
};

/* A machine for the program at path (args: its argv[1...], NULL-ended;
 * cfg NULL: the defaults; driver: a module to load first, or NULL).
 * false, with a FAIL said, when it cannot start. */
bool lab_start(struct lab *l, const char *name, const struct memu_config *cfg,
	       const char *driver, const char *path, const char *const *args);
/* Run to the next stop: true at a probe (its counters kept), false when
 * the program ended (l->out filled). */
bool lab_next(struct lab *l);
/* Run to the end. */
void lab_finish(struct lab *l);
/* One check: "PASS  what" or "FAIL  what: why" (why as printf). */
bool lab_check(struct lab *l, bool ok, const char *what, const char *why, ...)
	__attribute__((format(printf, 4, 5)));
/* The last line, "NAME: k of n checks passed"; the exit status (0 when
 * every check passed, 1 otherwise).  Frees the machine. */
int lab_end(struct lab *l);

/* The counter delta between two probes (0-based), for one fault kind. */
uint64_t lab_faults(const struct lab *l, unsigned from, unsigned to,
		    enum memu_fault_kind k);

#endif
