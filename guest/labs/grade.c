/* The graders' harness (grade.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "grade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

bool lab_start(struct lab *l, const char *name, const struct memu_config *cfg,
	       const char *driver, const char *path, const char *const *args)
{
	memset(l, 0, sizeof(*l));
	l->name = name;
	struct memu_config c;
	if (cfg)
		c = *cfg;
	else
		memu_config_init(&c);
	l->out_fd = memfd_create("lab-stdout", MFD_CLOEXEC);
	c.stdout_fd = l->out_fd;
	char err[512] = "";
	l->m = memu_new(&c, err, sizeof(err));
	const char *argv[32] = {path};
	int argc = 1;
	for (; args && args[argc - 1] && argc < 31; argc++)
		argv[argc] = args[argc - 1];
	bool ok = l->m &&
		  (!driver ||
		   !memu_load_driver(l->m, driver, err, sizeof(err))) &&
		  !memu_load(l->m, path, argc, argv, err, sizeof(err));
	return lab_check(l, ok, "the program starts under memu", "%s", err);
}

static void read_output(struct lab *l)
{
	off_t n = lseek(l->out_fd, 0, SEEK_END);
	l->out = calloc(1, n > 0 ? (size_t)n + 1 : 1);
	if (l->out && n > 0 && pread(l->out_fd, l->out, (size_t)n, 0) != n)
		l->out[0] = '\0';
}

bool lab_next(struct lab *l)
{
	if (!l->m || l->out)
		return false;
	memu_run(l->m, &l->r);
	if (l->r.stop == MEMU_STOP_PROBE) {
		if (l->probes < LAB_PROBES) {
			l->tags[l->probes] = l->r.probe_tag;
			memu_get_stats(l->m, &l->at[l->probes]);
		}
		l->probes++;
		return true;
	}
	read_output(l);
	return false;
}

void lab_finish(struct lab *l)
{
	while (lab_next(l))
		;
}

bool lab_check(struct lab *l, bool ok, const char *what, const char *why, ...)
{
	l->checks++;
	if (ok) {
		l->passed++;
		printf("PASS  %s\n", what);
		return true;
	}
	printf("FAIL  %s: ", what);
	va_list ap;
	va_start(ap, why);
	vprintf(why, ap);
	va_end(ap);
	printf("\n");
	return false;
}

int lab_end(struct lab *l)
{
	printf("%s: %u of %u checks passed\n", l->name, l->passed, l->checks);
	memu_free(l->m);
	if (l->out_fd >= 0)
		close(l->out_fd);
	free(l->out);
	return l->passed == l->checks ? 0 : 1;
}

uint64_t lab_faults(const struct lab *l, unsigned from, unsigned to,
		    enum memu_fault_kind k)
{
	if (from >= LAB_PROBES || to >= LAB_PROBES)
		return 0;
	return l->at[to].faults[k] - l->at[from].faults[k];
}
