/* /proc/PID/limits, as Linux 6.1's proc_pid_limits: a header and a line
 * per resource limit, soft and hard ("unlimited" for RLIM_INFINITY) and
 * the unit; the process's limits, a zombie's too; ESRCH once reaped
 * (docs/processes.md, "/proc"). */
#include <errno.h>

#include "proc_task.h"
#include "proc_text.h"

static const struct {
	const char *name, *unit;
} lnames[PROC_RLIMITS] = {
	{"Max cpu time", "seconds"},	 {"Max file size", "bytes"},
	{"Max data size", "bytes"},	 {"Max stack size", "bytes"},
	{"Max core file size", "bytes"}, {"Max resident set", "bytes"},
	{"Max processes", "processes"},	 {"Max open files", "files"},
	{"Max locked memory", "bytes"},	 {"Max address space", "bytes"},
	{"Max file locks", "locks"},	 {"Max pending signals", "signals"},
	{"Max msgqueue size", "bytes"},	 {"Max nice priority", NULL},
	{"Max realtime priority", NULL}, {"Max realtime timeout", "us"},
};

#define RLIM_INFINITY_ (~0ULL)

static void show_limits(struct proc_text *t, struct file *f)
{
	const struct proc_task *task = proc_file_task(f);
	if (!task) {
		t->err = -ESRCH;
		return;
	}
	text_puts(t, "Limit                     "
		     "Soft Limit           "
		     "Hard Limit           "
		     "Units     \n");
	for (unsigned i = 0; i < PROC_RLIMITS; i++) {
		const uint64_t *r = task->rlim[i];
		if (r[0] == RLIM_INFINITY_)
			text_printf(t, "%-25s %-20s ", lnames[i].name,
				    "unlimited");
		else
			text_printf(t, "%-25s %-20llu ", lnames[i].name,
				    (unsigned long long)r[0]);
		if (r[1] == RLIM_INFINITY_)
			text_printf(t, "%-20s ", "unlimited");
		else
			text_printf(t, "%-20llu ", (unsigned long long)r[1]);
		if (lnames[i].unit)
			text_printf(t, "%-10s", lnames[i].unit);
		text_puts(t, "\n");
	}
}

PROC_TEXT_FOPS(limits_fops, show_limits);
PROC_PID_FILE(limits, 0444, &limits_fops);
