/* Lab 3, walk your own page tables through /dev/mem: the grader
 * (docs/labs/pagewalk.md).
 *   grade-pagewalk PROGRAM
 * The machine lets /dev/mem reach all of RAM (--devmem open): page
 * tables are RAM above 1 MiB.  The program's address space stays as it
 * was at its exit, so memu's own walk of each address it printed is the
 * answer. */
#include <stdio.h>
#include <string.h>

#include "../grade.h"

static const char *const names[] = {"data", "stack", "heap", "code",
				    "unmapped"};
#define NAMES (sizeof(names) / sizeof(names[0]))

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: grade-pagewalk PROGRAM\n");
		return 2;
	}
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.devmem = MEMU_DEVMEM_OPEN;
	struct lab l;
	if (!lab_start(&l, "pagewalk", &cfg, NULL, argv[1], NULL))
		return lab_end(&l);
	lab_finish(&l);
	lab_check(&l, l.r.stop == MEMU_STOP_EXIT && l.r.exit_status == 0,
		  "the program exits 0", "it ended with status %d",
		  memu_exit_code(&l.r));
	const char *out = l.out ? l.out : "";
	for (size_t i = 0; i < NAMES; i++) {
		char key[32], what[96];
		snprintf(key, sizeof(key), "%s ", names[i]);
		const char *at = strstr(out, key);
		unsigned long long va = 0, pa = 0;
		bool found =
			at && (at == out || at[-1] == '\n') &&
			sscanf(at + strlen(key), "%llx %llx", &va, &pa) == 2;
		struct memu_pte e;
		memu_pte(l.m, va, &e);
		unsigned long long want =
			e.present ? (e.pfn << 12 | (va & 0xfff)) : 0;
		snprintf(what, sizeof(what), "the walk of the %s address%s",
			 names[i], want ? "" : " gives 0");
		if (!found)
			lab_check(&l, false, what,
				  "no line \"%s VA PA\" in its output",
				  names[i]);
		else
			lab_check(&l, pa == want, what,
				  "%#llx maps to %#llx, the program said %#llx",
				  va, want, pa);
	}
	return lab_end(&l);
}
