/* The stub's threads and processes (docs/gdb.md, "Threads and
 * processes"): every live task of memu's task table is a gdb thread,
 * named pTGID.TID with the multiprocess extension (TGID the thread
 * group's, TID the task's pid), TID without it.  Each thread group is a
 * process, which gdb makes an inferior. */
#include <stdio.h>
#include <string.h>

#include "gdbstub.h"
#include "machine.h"

int gdb_tgid(const struct process *p)
{
	return p->group_leader->task.pid;
}

bool gdb_task_live(const struct process *p)
{
	return p->state != TASK_ZOMBIE && p->mm;
}

int gdb_thread_id(char *buf, size_t n, const struct process *p, bool multi)
{
	if (multi)
		return snprintf(buf, n, "p%x.%x", (unsigned)gdb_tgid(p),
				(unsigned)p->task.pid);
	return snprintf(buf, n, "%x", (unsigned)p->task.pid);
}

/* A number of a thread id: hex, or -1 (all). */
static bool id_num(const char **s, int *v)
{
	const char *p = *s;
	if (p[0] == '-' && p[1] == '1') {
		*v = -1;
		*s = p + 2;
		return true;
	}
	unsigned long x = 0;
	int digits = 0;
	for (;; p++, digits++) {
		int d = *p >= '0' && *p <= '9'	 ? *p - '0'
			: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
			: *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
						 : -1;
		if (d < 0)
			break;
		x = x * 16 + (unsigned long)d;
		if (x > PID_MAX)
			return false;
	}
	if (!digits)
		return false;
	*v = (int)x;
	*s = p;
	return true;
}

bool gdb_parse_thread(const char **s, int *pid, int *tid)
{
	const char *p = *s;
	*pid = 0;
	if (*p == 'p') {
		p++;
		if (!id_num(&p, pid))
			return false;
		if (*p != '.') {
			*tid = -1; /* pPID: all its threads */
			*s = p;
			return true;
		}
		p++;
	}
	if (!id_num(&p, tid))
		return false;
	*s = p;
	return true;
}

struct process *gdb_find_thread(struct memu *m, int pid, int tid)
{
	if (tid > 0) {
		struct process *t = find_task(m, tid);
		if (!t || !gdb_task_live(t) || (pid > 0 && gdb_tgid(t) != pid))
			return NULL;
		return t;
	}
	if (pid <= 0)
		return m->proc; /* any thread: the one on the CPU */
	if (gdb_tgid(m->proc) == pid)
		return m->proc;
	for (unsigned i = 0; i < m->ntasks; i++)
		if (gdb_task_live(m->tasks[i]) && gdb_tgid(m->tasks[i]) == pid)
			return m->tasks[i];
	return NULL;
}

int gdb_thread_list(struct memu *m, bool multi, char *out, size_t n)
{
	size_t k = 0;
	out[k++] = 'm';
	for (unsigned i = 0; i < m->ntasks && k + 32 < n; i++) {
		if (!gdb_task_live(m->tasks[i]))
			continue;
		if (k > 1)
			out[k++] = ',';
		k += (size_t)gdb_thread_id(out + k, n - k, m->tasks[i], multi);
	}
	out[k] = '\0';
	return k > 1 ? 0 : -1;
}

int gdb_thread_extra(struct memu *m, const struct process *p, char *out,
		     size_t n)
{
	const char *state = p == m->proc	       ? "running"
			    : p->state == TASK_BLOCKED ? "blocked"
						       : "runnable";
	if (p->state == TASK_BLOCKED && p->wait_what)
		return snprintf(out, n, "%s, %s in %s", p->comm, state,
				p->wait_what);
	return snprintf(out, n, "%s, %s", p->comm, state);
}
