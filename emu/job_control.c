/* Job control (Linux kernel/signal.c: do_signal_stop, prepare_signal's
 * SIGCONT, do_notify_parent_cldstop; docs/processes.md, "Job control"):
 * a stop signal whose action is the default stops every thread of the
 * process at once - none runs until a SIGCONT, only SIGKILL gets through
 * - and SIGCONT, whatever its action, resumes them.  The parent hears of
 * both (SIGCHLD with CLD_STOPPED or CLD_CONTINUED, unless it set
 * SA_NOCLDSTOP) and wait reports them (WUNTRACED, WCONTINUED: exit.c).
 * The scheduler skips a stopped process (sched.c); one stopped with
 * nobody left to continue it is blocked for the deadlock rule.
 */
#include <signal.h>
#include <string.h>

#include "machine.h"

#define SA_NOCLDSTOP_  0x00000001ULL
#define CLD_STOPPED_   5
#define CLD_CONTINUED_ 6
#define STOP_MASK_                                                             \
	(SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

bool sig_kernel_stop(int sig)
{
	return sig >= 1 && sig <= 64 && (STOP_MASK_ & SIGBIT(sig));
}

bool task_stopped(const struct process *p)
{
	uint64_t pending = p->pending.signal | p->signal->shared_pending.signal;
	return p->signal->stopped && !(pending & SIGBIT(SIGKILL));
}

/* Linux do_notify_parent_cldstop for process p (its leader): SIGCHLD to
 * the parent unless it ignores it or asked SA_NOCLDSTOP; its waiting
 * threads are woken either way. */
static void notify_parent_cldstop(struct memu *m, struct process *p, int why)
{
	struct process *parent = p->parent;
	if (!parent)
		return;
	const struct guest_sigaction *ka = &parent->sighand->action[SIGCHLD];
	struct process *t = signal_target(m, parent);
	if (t && ka->handler != GUEST_SIG_IGN && !(ka->flags & SA_NOCLDSTOP_)) {
		struct guest_siginfo info;
		memset(&info, 0, sizeof(info));
		info.signo = SIGCHLD;
		info.code = why;
		info.u.kill.pid = p->task.pid;
		int status = why == CLD_CONTINUED_
				     ? SIGCONT
				     : p->signal->stop_code & 0x7f;
		memcpy(&info.u.fields[8], &status, sizeof(status));
		usage_sigchld(m, p, &info); /* its CPU time */
		struct process *cur = m->proc;
		m->proc = t; /* send_signal queues to m->proc: data only */
		send_signal(m, SIGCHLD, &info, false);
		m->proc = cur;
		complete_signal(m, t, SIGCHLD);
	}
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *w = m->tasks[i];
		if (same_thread_group(w, parent) && w->state == TASK_BLOCKED &&
		    w->wait_child)
			wake_task(w);
	}
}

/* Linux will_become_orphaned_pgrp(task_pgrp(current), NULL): no member
 * has a parent in another group of the same session (a child of pid 1,
 * init, does not count). */
static bool pgrp_orphaned(struct memu *m, int pgid)
{
	for (unsigned i = 0; i < m->ntasks; i++) {
		const struct process *p = m->tasks[i];
		if (p != p->group_leader || p->task.pgid != pgid)
			continue;
		if (p->state == TASK_ZOMBIE && !thread_group_live(m, p))
			continue;
		const struct process *q = p->parent;
		if (!q || q->task.pid == GUEST_PID)
			continue;
		if (q->task.pgid != pgid && q->task.sid == p->task.sid)
			return false;
	}
	return true;
}

bool do_signal_stop(struct memu *m, int sig)
{
	struct process *leader = m->proc->group_leader;
	struct signal_struct *s = m->proc->signal;
	/* SIGTSTP, SIGTTIN and SIGTTOU do nothing in an orphaned group. */
	if (sig != SIGSTOP && pgrp_orphaned(m, leader->task.pgid))
		return false;
	if (s->group_exit)
		return false;
	s->stopped = true;
	s->stop_code = sig;
	s->continued = false;
	notify_parent_cldstop(m, leader, CLD_STOPPED_);
	/* Off the CPU now: the scheduler passes it over. */
	m->resched = true;
	uc_emu_stop(m->uc);
	return true;
}

void job_control_prepare(struct memu *m, int sig)
{
	struct process *p = m->proc;
	if (sig != SIGCONT && !sig_kernel_stop(sig))
		return;
	/* A stop signal discards SIGCONT, SIGCONT the stop signals, in
	 * every thread's set (the caller's and the process's set are
	 * sigqueue.c's). */
	uint64_t flush = sig == SIGCONT ? STOP_MASK_ : SIGBIT(SIGCONT);
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *t = m->tasks[i];
		if (t == p || !same_thread_group(t, p))
			continue;
		m->proc = t; /* its own set: data only */
		flush_sigqueue_mask(m, flush);
		m->proc = p;
	}
	struct signal_struct *s = p->signal;
	if (sig != SIGCONT || !s->stopped)
		return;
	s->stopped = false;
	s->stop_code = 0;
	s->continued = true;
	notify_parent_cldstop(m, p->group_leader, CLD_CONTINUED_);
}
