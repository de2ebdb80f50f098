/* A process's end and its reaping (Linux kernel/exit.c): do_exit makes a
 * zombie of the current task, reparents its children to pid 1 and tells
 * its parent (SIGCHLD, a waiting parent woken); wait4 and waitid reap
 * (docs/processes.md). */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "gdbstub.h"
#include "machine.h"
#include "syscall.h"

#define WNOHANG_       0x00000001
#define WUNTRACED_     0x00000002
#define WSTOPPED_      WUNTRACED_
#define WEXITED_       0x00000004
#define WCONTINUED_    0x00000008
#define WNOWAIT_       0x01000000
#define __WNOTHREAD_   0x20000000
#define __WALL_	       0x40000000
#define __WCLONE_      0x80000000
#define CLD_EXITED_    1
#define CLD_KILLED_    2
#define CLD_DUMPED_    3
#define CLD_STOPPED_   5
#define CLD_CONTINUED_ 6
#define P_ALL_	       0
#define P_PID_	       1
#define P_PGID_	       2
#define P_PIDFD_       3

/* The wait status's siginfo (Linux wait_task_zombie, do_notify_parent). */
static void child_info(const struct process *c, struct guest_siginfo *info)
{
	memset(info, 0, sizeof(*info));
	info->signo = SIGCHLD;
	int code = c->exit_code;
	if ((code & 0x7f) == 0) {
		info->code = CLD_EXITED_;
		code = (code >> 8) & 0xff;
	} else {
		info->code = (code & 0x80) ? CLD_DUMPED_ : CLD_KILLED_;
		code &= 0x7f;
	}
	info->u.kill.pid = c->task.pid;
	memcpy(&info->u.fields[8], &code, sizeof(code)); /* si_status */
}

/* Linux do_notify_parent: SIGCHLD (the exit signal) to the parent; a
 * parent that ignores SIGCHLD (SIG_IGN, or SA_NOCLDWAIT) does not wait:
 * the child is reaped at once (true). */
static bool notify_parent(struct memu *m, struct process *c)
{
	struct process *p = c->parent;
	if (!p)
		return false;
	const struct guest_sigaction *ka = &p->sighand->action[SIGCHLD];
	bool autoreap = c->exit_signal == SIGCHLD &&
			(ka->handler == GUEST_SIG_IGN ||
			 (ka->flags & 0x00000002 /* SA_NOCLDWAIT */));
	struct process *t = signal_target(m, p);
	if (c->exit_signal && t) {
		struct guest_siginfo info;
		child_info(c, &info);
		usage_sigchld(m, c, &info); /* its CPU time */
		struct process *cur = m->proc;
		m->proc = t; /* send_signal queues to m->proc: data only */
		send_signal(m, c->exit_signal, &info, false);
		m->proc = cur;
		complete_signal(m, t, c->exit_signal);
	}
	/* Any thread of the parent may wait for it (Linux do_wait's
	 * thread-group walk). */
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *w = m->tasks[i];
		if (same_thread_group(w, p) && w->state == TASK_BLOCKED &&
		    w->wait_child)
			wake_task(w);
	}
	return autoreap;
}

void do_exit(struct memu *m, int code)
{
	/* The last thread of the process: the process ends, and the zombie
	 * its parent sees is its leader (docs/processes.md, "Threads"). */
	struct process *cur = m->proc, *p = cur->group_leader;
	memrange_release(&m->mmu.memrange, (uint64_t)p->task.pid);
	futex_exit_release(m, cur);
	/* Linux mm_release clears CLONE_CHILD_CLEARTID's word only while
	 * another task uses the address space: the last one leaves it
	 * (and takes no fault for it). */
	if (thread_group_live(m, cur))
		mm_release(m, cur);
	cur->clear_child_tid = 0;
	files_close_all(m);
	sigqueue_release(m);
	sched_account(m);
	usage_exit(m);
	mm_flush_tlb(cur->mm);
	mm_destroy(cur->mm);
	cur->mm = p->mm = NULL;
	m->devices.mm = NULL;
	if (cur->cwd)
		dput(cur->cwd);
	cur->cwd = NULL;
	if (p->cwd)
		dput(p->cwd);
	p->cwd = NULL;
	if (cur != p) {
		cur->state = TASK_ZOMBIE;
		cur->exit_signal = -1; /* freed once off the CPU */
	}
	p->state = TASK_ZOMBIE;
	p->exit_code = code;
	p->signal->itimer.expires = 0;
	/* Orphans go to pid 1 (Linux forget_original_parent); their
	 * PR_SET_PDEATHSIG signal comes now. */
	struct process *init = find_task(m, GUEST_PID);
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *c = m->tasks[i];
		if (c->parent != p)
			continue;
		c->parent = init;
		c->task.ppid = GUEST_PID;
		if (c->pdeath_signal && c->state != TASK_ZOMBIE)
			send_sig_to(m, c, c->pdeath_signal, SI_USER);
		if (c->state == TASK_ZOMBIE && notify_parent(m, c))
			task_free(m, c), i--;
	}
	if (p->vfork_parent)
		wake_task(p->vfork_parent);
	wake_file_waiters(m); /* its pipe ends are closed */
	bool reap = notify_parent(m, p);
	m->stop = true; /* nothing more of this task runs */
	m->stop_task = true;
	m->resched = true;
	uc_emu_stop(m->uc);
	if (m->gdb) /* docs/gdb.md, "Fork, vfork, exec and exit" */
		gdb_exit(m, p, code);
	if (reap && p != cur) {
		task_free(m, p); /* off the CPU already */
	} else if (reap) {
		/* Nobody waits for it: gone now.  m->proc stays valid for
		 * the run loop until the switch. */
		p->parent = NULL;
		p->exit_signal = -1; /* reaped */
	}
}

/* Does child c match wait4's pid (Linux eligible_pid, eligible_child)? */
static bool eligible(const struct process *c, int type, int id, int options)
{
	if (c->exit_signal == -1)
		return false; /* reaped, awaiting the switch */
	if (c != c->group_leader)
		return false; /* a thread is not a child */
	switch (type) {
	case P_PID_:
		if (c->task.pid != id)
			return false;
		break;
	case P_PGID_:
		if (c->task.pgid != id)
			return false;
		break;
	default:
		break;
	}
	if (options & __WALL_)
		return true;
	return (c->exit_signal != SIGCHLD) == !!(options & __WCLONE_);
}

/* Linux do_wait: the first child that matches and has something to
 * report - its exit (*why 0: reaped unless WNOWAIT), with WSTOPPED its
 * stop (CLD_STOPPED), with WCONTINUED its continuation (CLD_CONTINUED)
 * - or 0 with WNOHANG and none; -ECHILD with no such child; else the
 * caller blocks (-ERESTARTSYS: the call runs again when woken). */
static int64_t do_wait(struct memu *m, int type, int id, int options,
		       struct process **out, int *why)
{
	struct process *p = m->proc;
	bool any = false;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *c = m->tasks[i];
		if (c->parent != p->group_leader ||
		    !eligible(c, type, id, options))
			continue;
		any = true;
		*out = c;
		/* A leader is reported once its last thread is gone
		 * (Linux delay_group_leader). */
		if (c->state == TASK_ZOMBIE && !thread_group_live(m, c)) {
			if (!(options & WEXITED_))
				continue;
			*why = 0;
			return c->task.pid;
		}
		/* wait_task_stopped, then wait_task_continued. */
		if ((options & WSTOPPED_) && c->signal->stopped &&
		    c->signal->stop_code) {
			*why = CLD_STOPPED_;
			return c->task.pid;
		}
		if ((options & WCONTINUED_) && c->signal->continued) {
			*why = CLD_CONTINUED_;
			return c->task.pid;
		}
	}
	if (!any)
		return -ECHILD;
	if (options & WNOHANG_)
		return 0;
	if (signal_pending(m))
		return -ERESTARTSYS;
	block_current(m, memu_syscall_name(p->syscall_nr), 0);
	p->wait_child = true;
	return -ERESTARTSYS;
}

static void reap(struct memu *m, struct process *c)
{
	task_free(m, c);
}

int64_t sys_wait4(struct memu *m, const uint64_t *a)
{
	int pid = (int)a[0], options = (int)a[2];
	if (options & ~(WNOHANG_ | WUNTRACED_ | WCONTINUED_ | __WNOTHREAD_ |
			__WCLONE_ | __WALL_))
		return -EINVAL;
	if (pid == -2147483647 - 1)
		return -ESRCH; /* INT_MIN: no such group (Linux 6.1) */
	int type = P_ALL_, id = 0;
	if (pid < -1)
		type = P_PGID_, id = -pid;
	else if (pid == 0)
		type = P_PGID_, id = m->proc->task.pgid;
	else if (pid > 0)
		type = P_PID_, id = pid;
	struct process *c = NULL;
	int why = 0;
	int64_t ret = do_wait(m, type, id, options | WEXITED_, &c, &why);
	if (ret <= 0)
		return ret;
	/* Reaped first: a bad pointer loses the status, as in Linux's
	 * kernel_wait4. */
	int status = c->exit_code;
	uint8_t ru[GUEST_RUSAGE_SIZE];
	usage_child(m, c, ru);
	if (why == CLD_STOPPED_) {
		status = (c->signal->stop_code << 8) | 0x7f;
		c->signal->stop_code = 0; /* reported */
	} else if (why == CLD_CONTINUED_) {
		status = 0xffff;
		c->signal->continued = false;
	} else {
		usage_reap(m, m->proc, c);
		reap(m, c);
	}
	if (a[1] && copy_to_user(m->proc->mm, a[1], &status, sizeof(status)))
		return -EFAULT;
	if (a[3] && copy_to_user(m->proc->mm, a[3], ru, sizeof(ru)))
		return -EFAULT;
	return ret;
}

/* Linux kernel_waitid: the checks, then do_wait. */
static int64_t kernel_waitid(struct memu *m, const uint64_t *a,
			     struct process **c, int *why)
{
	int type = (int)a[0], id = (int)a[1], options = (int)a[3];
	if (options & ~(WNOHANG_ | WNOWAIT_ | WEXITED_ | WSTOPPED_ |
			WCONTINUED_ | __WNOTHREAD_ | __WCLONE_ | __WALL_))
		return -EINVAL;
	if (!(options & (WEXITED_ | WSTOPPED_ | WCONTINUED_)))
		return -EINVAL;
	switch (type) {
	case P_ALL_:
		break;
	case P_PID_:
		if (id <= 0)
			return -EINVAL;
		break;
	case P_PGID_:
		if (id < 0)
			return -EINVAL;
		if (id == 0)
			id = m->proc->task.pgid;
		break;
	case P_PIDFD_:
		return -EBADF; /* no pidfds yet */
	default:
		return -EINVAL;
	}
	return do_wait(m, type, id, options, c, why);
}

/* Linux's waitid: the rusage of a reaped child, then, whatever the
 * outcome (an error included), si_signo (SIGCHLD or 0), si_errno,
 * si_code, si_pid, si_uid and si_status; the rest of the siginfo stays
 * as it was.  A stop or continuation is reported as CLD_STOPPED with the
 * signal, or CLD_CONTINUED with SIGCONT. */
int64_t sys_waitid(struct memu *m, const uint64_t *a)
{
	struct process *c = NULL;
	int why = 0;
	int64_t ret = kernel_waitid(m, a, &c, &why);
	if (m->proc->state == TASK_BLOCKED)
		return ret; /* runs again when woken */
	struct guest_siginfo info;
	memset(&info, 0, sizeof(info));
	if (ret > 0) {
		child_info(c, &info);
		uint8_t ru[GUEST_RUSAGE_SIZE];
		usage_child(m, c, ru);
		bool keep = (int)a[3] & WNOWAIT_;
		if (why) {
			/* wait_task_stopped, wait_task_continued */
			int status = why == CLD_STOPPED_ ? c->signal->stop_code
							 : SIGCONT;
			info.code = why;
			memcpy(&info.u.fields[8], &status, sizeof(status));
			if (why == CLD_STOPPED_ && !keep)
				c->signal->stop_code = 0;
			else if (!keep)
				c->signal->continued = false;
		} else if (!keep) {
			usage_reap(m, m->proc, c);
			reap(m, c);
		}
		ret = 0;
		if (a[4] && copy_to_user(m->proc->mm, a[4], ru, sizeof(ru)))
			return -EFAULT;
	}
	if (!a[2])
		return ret;
	if (!access_ok(a[2], sizeof(info)) ||
	    copy_to_user(m->proc->mm, a[2], &info, 12) ||
	    copy_to_user(m->proc->mm, a[2] + 16, &info.u, 12))
		return -EFAULT;
	return ret;
}
