/* Signals: delivery to the guest's handlers, and ending the guest with
 * exit_group or a signal's default action (docs/signals.md).  The frame
 * itself is sigframe.c's. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "gdbstub.h"
#include "machine.h"

/* What a process holds ends with it. */
static void process_ended(struct memu *m)
{
	memrange_release(&m->mmu.memrange,
			 (uint64_t)m->proc->group_leader->task.pid);
}

/* pid 1's end is the machine's (docs/processes.md); another process
 * becomes a zombie. */
void machine_exit(struct memu *m, int status)
{
	zap_other_threads(m); /* exit_group: every thread */
	if (m->proc->group_leader->task.pid != GUEST_PID) {
		do_exit(m, (status & 0xff) << 8);
		return;
	}
	process_ended(m);
	m->result.stop = MEMU_STOP_EXIT;
	m->result.exit_status = status & 0xff;
	m->stop = true;
	uc_emu_stop(m->uc);
}

/* A delivery, to the event point: to handler, or (0) the default
 * action that ends the guest (docs/trace.md, "signal"). */
static void signal_event(struct memu *m, int sig, int code, uint64_t addr,
			 uint64_t handler)
{
	struct event e = {EV_SIGNAL, (uint64_t)sig, (uint64_t)(int64_t)code,
			  addr, handler};
	event_emit(&m->mmu.events, &e);
}

void force_sig(struct memu *m, int sig, int code, uint64_t addr,
	       uint64_t error_code, const char *reason)
{
	if (m->stop && !icount_resumable(m->result.stop))
		return; /* the first fatal event wins */
	signal_event(m, sig, code, addr, 0);
	zap_other_threads(m); /* the whole process dies */
	if (m->proc->group_leader->task.pid != GUEST_PID) {
		do_exit(m, sig); /* no core dumps: RLIMIT_CORE is 0 */
		return;
	}
	struct memu_result *r = &m->result;
	r->stop = MEMU_STOP_SIGNAL;
	r->signal = sig;
	r->si_code = code;
	r->fault_addr = addr;
	r->error_code = error_code;
	r->reason = reason;
	process_ended(m);
	uc_reg_read(m->uc, UC_X86_REG_RIP, &r->rip);
	uc_reg_read(m->uc, UC_X86_REG_RSP, &r->rsp);
	m->stop = true;
	uc_emu_stop(m->uc);
}

/* Signals whose default action is to ignore them (Linux
 * sig_kernel_ignore; a real-time signal's default is to terminate). */
static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	       sig == SIGCONT;
}

bool sig_handler_ignored(const struct memu *m, int sig)
{
	uint64_t h = m->proc->sighand->action[sig].handler;
	return h == GUEST_SIG_IGN ||
	       (h == GUEST_SIG_DFL && default_ignored(sig));
}

static uint64_t reg(struct memu *m, int id)
{
	uint64_t v = 0;
	uc_reg_read(m->uc, id, &v);
	return v;
}

static void set_reg(struct memu *m, int id, uint64_t v)
{
	uc_reg_write(m->uc, id, &v);
}

/* Run the syscall again: back over the syscall instruction, with its
 * number (or restart_syscall's) in RAX. */
static void syscall_rewind(struct memu *m, uint64_t rax)
{
	set_reg(m, UC_X86_REG_RAX, rax);
	set_reg(m, UC_X86_REG_RIP, reg(m, UC_X86_REG_RIP) - 2);
}

/* Run the handler of sig: the interrupted syscall's restart rules, its
 * frame, then the mask and SA_RESETHAND (Linux handle_signal /
 * signal_setup_done).  nr: the syscall the signal interrupts (orig_ax),
 * or -1. */
static void handle_signal(struct memu *m, int sig,
			  const struct guest_siginfo *info,
			  const struct sigframe_regs *fr, int64_t nr)
{
	struct guest_sigaction *ka = &m->proc->sighand->action[sig];
	if (nr != -1) {
		switch ((int64_t)reg(m, UC_X86_REG_RAX)) {
		case -ERESTART_RESTARTBLOCK:
		case -ERESTARTNOHAND:
			set_reg(m, UC_X86_REG_RAX, (uint64_t)-EINTR);
			break;
		case -ERESTARTSYS:
			if (!(ka->flags & GUEST_SA_RESTART)) {
				set_reg(m, UC_X86_REG_RAX, (uint64_t)-EINTR);
				break;
			}
			/* fallthrough */
		case -ERESTARTNOINTR:
			syscall_rewind(m, (uint64_t)nr);
			break;
		default:
			break;
		}
	}
	if (setup_rt_frame(m, sig, info, fr)) {
		/* Linux force_sigsegv: the frame could not be written. */
		force_sig(m, SIGSEGV, SI_KERNEL, 0, 0,
			  "cannot write the signal frame");
		return;
	}
	m->proc->restore_mask = false; /* the frame holds the saved mask */
	if (m->proc->state == TASK_BLOCKED)
		m->proc->state = TASK_RUNNING; /* the handler runs now */
	m->proc->sigmask |= ka->mask;
	if (!(ka->flags & GUEST_SA_NODEFER))
		m->proc->sigmask |= SIGBIT(sig);
	m->proc->sigmask &= ~GUEST_UNBLOCKABLE;
	if (ka->flags & GUEST_SA_RESETHAND)
		ka->handler = GUEST_SIG_DFL;
}

void force_sig_fault(struct memu *m, int sig, int code, uint64_t addr,
		     const struct sigframe_regs *fr, const char *reason)
{
	if (m->gdb) {
		/* gdb sees it first (docs/gdb.md, "Signals"); without it
		 * the instruction runs again. */
		struct guest_siginfo gi = {.signo = sig, .code = code};
		gi.u.addr = addr;
		if (sig == SIGBUS &&
		    (code == BUS_MCEERR_AR || code == BUS_MCEERR_AO))
			gi.u.mce.addr_lsb = PAGE_SHIFT;
		if (!(sig = gdb_signal(m, sig, &gi)) || m->stop)
			return;
	}
	struct guest_sigaction *ka = &m->proc->sighand->action[sig];
	/* A fault the guest blocked or ignores cannot be ignored: the
	 * default action runs (force_sig_info_to_task). */
	if ((m->proc->sigmask & SIGBIT(sig)) || ka->handler == GUEST_SIG_IGN) {
		ka->handler = GUEST_SIG_DFL;
		m->proc->sigmask &= ~SIGBIT(sig);
	}
	if (ka->handler == GUEST_SIG_DFL) {
		force_sig(m, sig, code, addr, fr->err, reason);
		return;
	}
	struct guest_siginfo info;
	memset(&info, 0, sizeof(info));
	info.signo = sig;
	info.code = code;
	info.u.addr = addr;
	/* force_sig_mceerr: the poisoned range, a page (docs/inject.md). */
	if (sig == SIGBUS && (code == BUS_MCEERR_AR || code == BUS_MCEERR_AO))
		info.u.mce.addr_lsb = PAGE_SHIFT;
	signal_event(m, sig, code, addr, ka->handler);
	handle_signal(m, sig, &info, fr, -1);
}

/* sig to the current process (or thread); for the process,
 * complete_signal tries target first: Linux's p, the task the pid named
 * (docs/processes.md, "Signals to threads"). */
static int64_t send_sig_current(struct memu *m, int sig, int code, bool thread,
				struct process *target)
{
	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (sig == 0)
		return 0;
	struct guest_siginfo info;
	memset(&info, 0, sizeof(info));
	info.signo = sig;
	info.code = code;
	if (code != SI_KERNEL) /* kill, tkill: the sender's pid and uid */
		info.u.kill.pid = m->proc->group_leader->task.pid;
	int r = send_signal(m, sig, &info, thread);
	if (!thread && !r)
		complete_signal(m, target, sig);
	return r;
}

int64_t send_sig_self(struct memu *m, int sig, int code, bool thread)
{
	return send_sig_current(m, sig, code, thread, m->proc);
}

int64_t send_sig_to(struct memu *m, struct process *p, int sig, int code)
{
	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (same_thread_group(p, m->proc) && m->proc->state != TASK_ZOMBIE)
		return send_sig_current(m, sig, code, false,
					p->state != TASK_ZOMBIE ? p : m->proc);
	p = signal_target(m, p);
	if (sig == 0 || !p)
		return 0;
	struct guest_siginfo info;
	memset(&info, 0, sizeof(info));
	info.signo = sig;
	info.code = code;
	if (code != SI_KERNEL)
		info.u.kill.pid = m->proc->group_leader->task.pid;
	struct process *cur = m->proc;
	m->proc = p; /* the pending sets are m->proc's: data only */
	int64_t r = send_signal(m, sig, &info, false);
	m->proc = cur;
	complete_signal(m, p, sig);
	return r;
}

/* ITIMER_REAL: SIGALRM once the virtual clock reaches the expiry (Linux
 * it_real_fn sends it as SEND_SIG_PRIV: si_code SI_KERNEL). */
void run_timers(struct memu *m)
{
	if (!m->proc->signal->itimer.expires ||
	    m->clock.ns < m->proc->signal->itimer.expires)
		return;
	m->proc->signal->itimer.expires =
		m->proc->signal->itimer.interval
			? m->proc->signal->itimer.expires +
				  (m->proc->signal->itimer.interval >
						   UINT64_MAX / 4
					   ? UINT64_MAX / 4
					   : m->proc->signal->itimer.interval)
			: 0;
	send_sig_self(m, SIGALRM, SI_KERNEL, false);
}

/* A periodic timer whose signal changed nothing (ignored, or blocked and
 * already pending) changes nothing before `until` either: its next
 * expiry at or after it. */
static void timer_skip_to(struct memu *m, uint64_t until)
{
	uint64_t e = m->proc->signal->itimer.expires,
		 iv = m->proc->signal->itimer.interval;
	if (!e || !iv || e >= until)
		return;
	uint64_t d = until - e, n = d / iv + (d % iv != 0);
	m->proc->signal->itimer.expires =
		n > (UINT64_MAX - e) / iv ? UINT64_MAX : e + n * iv;
}

/* The only task sleeps: the clock jumps to t, and the time is nobody's
 * (the idle loop's); going to sleep is a voluntary switch, once a wait
 * (docs/processes.md, "Resource usage"). */
static void sleep_until(struct memu *m, uint64_t t, bool *slept)
{
	if (!*slept)
		usage_sleep(m);
	*slept = true;
	m->clock.ns = t;
	usage_idle(m);
}

bool wait_interruptible(struct memu *m, bool timeout, uint64_t until)
{
	if (sched_multi(m)) {
		/* Others may run, and wake this one: it blocks, and its call
		 * returns a restart code that rewinds it (sched.c). */
		run_timers(m);
		if (signal_pending(m))
			return true;
		if (timeout && m->clock.ns >= until)
			return false;
		block_current(m, memu_syscall_name(m->proc->syscall_nr),
			      timeout ? (until ? until : 1) : 0);
		return true;
	}
	uint64_t end = timeout ? until : UINT64_MAX;
	bool slept = false;
	for (;;) {
		if (signal_pending(m))
			return true;
		uint64_t t = m->proc->signal->itimer.expires;
		if (!t || (timeout && t >= end))
			break;
		if (m->clock.ns < t)
			sleep_until(m, t, &slept); /* waiting is instant */
		run_timers(m);
		if (signal_pending(m))
			return true;
		if (!timeout)
			break; /* the timer will never bring more */
		timer_skip_to(m, end);
	}
	if (!timeout) {
		m->result.stop = MEMU_STOP_ERROR;
		m->result.reason = "the guest waits for a signal that can "
				   "never come (no timer armed, nothing "
				   "pending)";
		m->stop = true;
		uc_emu_stop(m->uc);
		return true;
	}
	if (m->clock.ns < end)
		sleep_until(m, end, &slept);
	run_timers(m); /* one due at the very end: sent, the wait is over */
	return false;
}

bool wait_interruptible_set(struct memu *m, bool timeout, uint64_t until,
			    uint64_t set)
{
	/* Unblocked for the wait, as rt_sigtimedwait unblocks its set
	 * (real_blocked keeps an ignored one pending: prepare_signal), so
	 * that one coming ends it; block_current takes the wait's mask. */
	struct process *p = m->proc;
	uint64_t real_blocked = p->real_blocked;
	p->real_blocked = p->sigmask;
	/* One already pending did not make the file ready for what the
	 * call asks (a poll for POLLOUT): only a new one may. */
	p->sigmask &= ~(set & ~sigpending_set(m));
	bool woken = wait_interruptible(m, timeout, until);
	p->sigmask = p->real_blocked;
	p->real_blocked = real_blocked;
	return woken;
}

/* Linux get_signal: the next pending signal the guest takes; ignored
 * ones are discarded on the way, a fatal default ends the guest. */
static int get_signal(struct memu *m, struct guest_siginfo *info)
{
	for (;;) {
		int sig = dequeue_signal(m, m->proc->sigmask, info);
		if (!sig)
			return 0;
		/* A debugger's signal stop (docs/gdb.md, "Signals"). */
		if (m->gdb) {
			sig = gdb_signal(m, sig, info);
			if (m->stop)
				return 0;
			if (!sig)
				continue;
		}
		const struct guest_sigaction *ka =
			&m->proc->sighand->action[sig];
		if (ka->handler == GUEST_SIG_IGN)
			continue;
		if (ka->handler != GUEST_SIG_DFL)
			return sig;
		if (default_ignored(sig))
			continue;
		/* Stop the process (docs/processes.md, "Job control"); a
		 * job-control signal in an orphaned group does nothing. */
		if (sig_kernel_stop(sig)) {
			if (do_signal_stop(m, sig))
				return 0;
			continue;
		}
		if (sig == SIGBUS && info->code == BUS_MCEERR_AO)
			force_sig(m, sig, info->code, info->u.addr, 0,
				  "hardware memory corruption (early kill)");
		else
			force_sig(m, sig, info->code, 0, 0,
				  "sent by the guest itself");
		return 0;
	}
}

void signal_exit(struct memu *m, int64_t nr)
{
	/* Every signal the guest takes now: each handler's frame on top
	 * of the last, so the last one taken runs first (Linux
	 * exit_to_user_mode_loop). */
	for (;;) {
		run_timers(m);
		struct guest_siginfo info;
		int sig = m->stop ? 0 : get_signal(m, &info);
		if (m->stop)
			return;
		if (!sig)
			break;
		const struct sigframe_regs none = {0, 0, 0};
		signal_event(m, sig, info.code, 0,
			     m->proc->sighand->action[sig].handler);
		handle_signal(m, sig, &info, &none, nr);
		if (m->stop)
			return;
	}
	/* No handler ran: the interrupted call restarts unseen (Linux
	 * arch_do_signal_or_restart). */
	if (nr != -1) {
		switch ((int64_t)reg(m, UC_X86_REG_RAX)) {
		case -ERESTARTNOHAND:
		case -ERESTARTSYS:
		case -ERESTARTNOINTR:
			syscall_rewind(m, (uint64_t)nr);
			break;
		case -ERESTART_RESTARTBLOCK:
			syscall_rewind(m, NR_RESTART_SYSCALL);
			break;
		default:
			break;
		}
	}
	/* No handler took the suspended caller's mask: put it back. */
	if (m->proc->restore_mask) {
		m->proc->restore_mask = false;
		m->proc->sigmask = m->proc->saved_mask;
	}
}

int memu_exit_code(const struct memu_result *r)
{
	switch (r->stop) {
	case MEMU_STOP_EXIT:
		return r->exit_status;
	case MEMU_STOP_SIGNAL:
		return 128 + r->signal;
	case MEMU_STOP_LIMIT:
		return 124; /* as timeout(1) */
	case MEMU_STOP_DEADLOCK:
		return 75; /* EX_TEMPFAIL (docs/cli.md) */
	default:
		return 70; /* EX_SOFTWARE */
	}
}

void memu_print_death(struct memu *m, const struct memu_result *r, FILE *out)
{
	if (r->stop == MEMU_STOP_ERROR) {
		fprintf(out, "memu: machine error: %s\n", r->reason);
		return;
	}
	if (r->stop == MEMU_STOP_DEADLOCK) {
		fprintf(out, "memu: %s\n", r->reason);
		return;
	}
	if (r->stop == MEMU_STOP_LIMIT) {
		fprintf(out,
			"memu: %s: stopped after %llu instructions at ip "
			"0x%llx: instruction limit\n",
			m->proc->comm ? m->proc->comm : "guest",
			(unsigned long long)memu_instructions(m),
			(unsigned long long)r->rip);
		return;
	}
	if (r->stop != MEMU_STOP_SIGNAL)
		return;
	/* Shaped like the kernel's "segfault at" line (show_signal_msg).
	 * Real-time signals by the kernel's numbering (SIGRTMIN 32). */
	const char *comm = m->proc->comm ? m->proc->comm : "guest";
	char rt[24];
	snprintf(rt, sizeof(rt), "RTMIN+%d", r->signal - 32);
	const char *abbrev = r->signal >= 32	       ? rt
			     : sigabbrev_np(r->signal) ? sigabbrev_np(r->signal)
						       : "UNKNOWN";
	const char *descr = r->signal >= 32	     ? "Real-time signal"
			    : sigdescr_np(r->signal) ? sigdescr_np(r->signal)
						     : "signal";
	fprintf(out,
		"memu: %s: killed by SIG%s (%s) at 0x%llx ip 0x%llx sp 0x%llx "
		"error %llx: %s\n",
		comm, abbrev, descr, (unsigned long long)r->fault_addr,
		(unsigned long long)r->rip, (unsigned long long)r->rsp,
		(unsigned long long)r->error_code, r->reason ? r->reason : "");
}
