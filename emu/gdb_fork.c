/* The stop events of processes for gdb (docs/gdb.md, "Fork, vfork, exec
 * and exit"), as Linux's gdbserver reports its tracee's ptrace event
 * stops when gdb takes them (qSupported: fork-events+, vfork-events+,
 * exec-events+; all need multiprocess+):
 *
 *   T05fork:pCHILD.CHILD;thread:pPARENT.TID;   in the parent's fork
 *   T05vfork:pCHILD.CHILD;thread:...;          in the parent's vfork
 *   T05vforkdone:;thread:...;                  the parent runs again
 *   T05exec:HEXPATH;thread:...;                the new program's start
 *   W00;process:PID (X09;process:PID)          a process gdb has ended
 *
 * A fork's and an exec's stop is in the call, at its end (syscall.c):
 * RIP past the syscall instruction, orig_rax the call; a fork's RAX reads
 * -ENOSYS, as a ptrace event stop's does, the call's result coming after
 * it.  The child of a process gdb has is gdb's too, until gdb lets go of
 * it (D;PID, gdbstub.c); a child of one it let go of is not.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "gdbstub.h"
#include "machine.h"

bool gdb_event_pending(struct memu *m)
{
	struct gdb_ev *ev = gdb_ev_live(m);
	return ev && ev->pending;
}

void gdb_syscall_event(struct memu *m)
{
	struct gdb_ev *ev = gdb_ev_live(m);
	struct process *p = m->proc;
	if (!ev)
		return;
	enum gdb_ev_kind k = ev->pending;
	ev->pending = GDB_EV_NONE;
	/* Another task's (one that died in its call) or a machine that
	 * stops: nothing to tell. */
	if (ev->pending_tid != p->task.pid || m->stop || !gdb_task_traced(p))
		return;
	char reply[GDB_BUF / 2 + 64];
	int tgid = gdb_tgid(p);
	if (k == GDB_EV_EXEC) {
		static const char hexd[] = "0123456789abcdef";
		const char *path = p->exe ? p->exe : "";
		size_t n = (size_t)snprintf(reply, sizeof(reply), "T05exec:");
		for (size_t i = 0; path[i] && n + 8 < sizeof(reply); i++) {
			reply[n++] = hexd[(unsigned char)path[i] >> 4];
			reply[n++] = hexd[(unsigned char)path[i] & 15];
		}
		snprintf(reply + n, sizeof(reply) - n, ";");
		snprintf(ev->cut, sizeof(ev->cut), "the exec of process %d",
			 tgid);
		gdb_event_stop(m, reply, true, (int64_t)p->syscall_nr, false);
		return;
	}
	bool vfork = k == GDB_EV_VFORK;
	snprintf(reply, sizeof(reply), "T05%s:p%x.%x;",
		 vfork ? "vfork" : "fork", (unsigned)ev->child,
		 (unsigned)ev->child);
	snprintf(ev->cut, sizeof(ev->cut), "the %s of process %d",
		 vfork ? "vfork" : "fork", ev->child);
	/* vforkdone when the parent runs again (gdb_scheduled). */
	p->gdb_vforked = vfork;
	gdb_event_stop(m, reply, true, (int64_t)p->syscall_nr, true);
}

void gdb_exec(struct memu *m)
{
	struct gdb_ev *ev = gdb_ev_live(m);
	if (!ev || !ev->exec || m->proc->gdb_detached)
		return;
	/* The old program's breakpoints went with it: gdb inserts the
	 * new one's after the stop, as in a new memory image. */
	gdb_drop_breakpoints(m, gdb_tgid(m->proc));
	ev->pending = GDB_EV_EXEC;
	ev->pending_tid = m->proc->task.pid;
}

void gdb_scheduled(struct memu *m)
{
	struct process *p = m->proc;
	if (!p->gdb_vforked || p->state != TASK_RUNNING || p->vfork_wait)
		return;
	struct gdb_ev *ev = gdb_ev_live(m);
	if (!ev) /* a replay: not past the stop it made */
		return;
	p->gdb_vforked = false;
	if (!gdb_task_traced(p))
		return;
	snprintf(ev->cut, sizeof(ev->cut), "the vfork's end in process %d",
		 gdb_tgid(p));
	gdb_event_stop(m, "T05vforkdone:;", true, (int64_t)p->syscall_nr, true);
}

void gdb_exit(struct memu *m, struct process *p, int code)
{
	struct gdb_ev *ev = gdb_ev_live(m);
	/* Without fork events gdb may not know the process: its end is
	 * the machine's (gdb_end), as before. */
	if (!ev || !ev->fork || p->gdb_detached)
		return;
	char reply[64];
	int tgid = gdb_tgid(p);
	if ((code & 0x7f) == 0)
		snprintf(reply, sizeof(reply), "W%02x;process:%x",
			 (code >> 8) & 0xff, (unsigned)tgid);
	else
		snprintf(reply, sizeof(reply), "X%02x;process:%x",
			 gdb_signal_from_linux(code & 0x7f), (unsigned)tgid);
	snprintf(ev->cut, sizeof(ev->cut), "the end of process %d", tgid);
	/* gdb forgets it now: nothing of it is reported again. */
	for (unsigned i = 0; i < m->ntasks; i++)
		if (gdb_tgid(m->tasks[i]) == tgid)
			m->tasks[i]->gdb_detached = true;
	gdb_drop_breakpoints(m, tgid);
	gdb_event_stop(m, reply, false, -1, false);
}
