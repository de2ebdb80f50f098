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

bool gdb_task_traced(const struct process *p)
{
	return gdb_task_live(p) && !p->gdb_detached;
}

struct process *gdb_cpu_task(struct memu *m)
{
	if (gdb_task_traced(m->proc))
		return m->proc;
	for (unsigned i = 0; i < m->ntasks; i++)
		if (gdb_task_traced(m->tasks[i]))
			return m->tasks[i];
	return m->proc;
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
		if (!t || !gdb_task_traced(t) ||
		    (pid > 0 && gdb_tgid(t) != pid))
			return NULL;
		return t;
	}
	if (pid <= 0)
		return gdb_cpu_task(m); /* any thread: the one on the CPU */
	if (gdb_task_traced(m->proc) && gdb_tgid(m->proc) == pid)
		return m->proc;
	for (unsigned i = 0; i < m->ntasks; i++)
		if (gdb_task_traced(m->tasks[i]) &&
		    gdb_tgid(m->tasks[i]) == pid)
			return m->tasks[i];
	return NULL;
}

int gdb_thread_list(struct memu *m, bool multi, char *out, size_t n)
{
	size_t k = 0;
	out[k++] = 'm';
	for (unsigned i = 0; i < m->ntasks && k + 32 < n; i++) {
		if (!gdb_task_traced(m->tasks[i]))
			continue; /* gdb let go of it */
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

/* Whether vCont's action at a (past its letter and signal) is for
 * process tgid; *all if it is for every thread. */
static void action_for(const char *a, int *tgid, bool *all)
{
	int pid, tid;
	*tgid = 0;
	if (*a != ':' || (a++, !gdb_parse_thread(&a, &pid, &tid)) ||
	    pid == -1 || (pid <= 0 && tid <= 0)) {
		*all = true;
		return;
	}
	*tgid = pid;
}

/* The held set: one bit of change is enough to tell. */
static bool hold_set(struct memu *m, const int *named, int n, bool all)
{
	bool changed = false;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *p = m->tasks[i];
		bool resumed = all;
		for (int k = 0; k < n && !resumed; k++)
			resumed = named[k] == gdb_tgid(p);
		bool held = !resumed && gdb_task_traced(p);
		changed |= held != p->gdb_held;
		p->gdb_held = held;
	}
	return changed;
}

bool gdb_hold(struct memu *m, const char *vcont)
{
	if (!vcont || strncmp(vcont, "vCont;", 6))
		return hold_set(m, NULL, 0, true);
	int named[64], n = 0;
	bool all = false;
	for (const char *a = vcont + 5; a && *a == ';' && !all;
	     a = strchr(a + 1, ';')) {
		const char *q = a + 1;
		if (*q == 'C' || *q == 'S')
			for (q++; (*q >= '0' && *q <= '9') ||
				  (*q >= 'a' && *q <= 'f');
			     q++)
				;
		else
			q++;
		int pid, tid;
		const char *t = q + 1;
		if (*q == ':' && gdb_parse_thread(&t, &pid, &tid) && pid <= 0 &&
		    tid > 0) {
			/* TID without the multiprocess extension */
			struct process *p = gdb_find_thread(m, 0, tid);
			pid = p ? gdb_tgid(p) : -1;
			if (n < 64)
				named[n++] = pid;
			continue;
		}
		int tgid;
		action_for(q, &tgid, &all);
		if (!all && n < 64)
			named[n++] = tgid;
		else if (!all)
			all = true;
	}
	return hold_set(m, named, n, all);
}

void gdb_release_all(struct memu *m)
{
	for (unsigned i = 0; i < m->ntasks; i++)
		m->tasks[i]->gdb_held = false;
}
