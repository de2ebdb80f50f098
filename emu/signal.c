/* Signals: delivery to the guest's handlers, and ending the guest with
 * exit_group or a signal's default action (docs/signals.md).  The frame
 * itself is sigframe.c's. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "machine.h"

/* What a process holds ends with it. */
static void process_ended(struct memu *m)
{
	memrange_release(&m->mmu.memrange, GUEST_PID);
}

void machine_exit(struct memu *m, int status)
{
	process_ended(m);
	m->result.stop = MEMU_STOP_EXIT;
	m->result.exit_status = status & 0xff;
	m->stop = true;
	uc_emu_stop(m->uc);
}

void force_sig(struct memu *m, int sig, int code, uint64_t addr,
	       uint64_t error_code, const char *reason)
{
	if (m->stop && m->result.stop != MEMU_STOP_PROBE)
		return; /* the first fatal event wins */
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

/* Signals whose default action is to ignore them. */
static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	       sig == SIGCONT || sig >= SIGRTMIN;
}

/* Run the handler of sig: its frame, then the mask and SA_RESETHAND
 * (Linux handle_signal / signal_setup_done). */
static void handle_signal(struct memu *m, int sig,
			  const struct guest_siginfo *info,
			  const struct sigframe_regs *fr)
{
	struct guest_sigaction *ka = &m->proc.sigactions[sig];
	if (setup_rt_frame(m, sig, info, fr)) {
		/* Linux force_sigsegv: the frame could not be written. */
		force_sig(m, SIGSEGV, SI_KERNEL, 0, 0,
			  "cannot write the signal frame");
		return;
	}
	m->proc.restore_mask = false; /* the frame holds the saved mask */
	m->proc.sigmask |= ka->mask;
	if (!(ka->flags & GUEST_SA_NODEFER))
		m->proc.sigmask |= SIGBIT(sig);
	m->proc.sigmask &= ~GUEST_UNBLOCKABLE;
	if (ka->flags & GUEST_SA_RESETHAND)
		ka->handler = GUEST_SIG_DFL;
}

void force_sig_fault(struct memu *m, int sig, int code, uint64_t addr,
		     const struct sigframe_regs *fr, const char *reason)
{
	struct guest_sigaction *ka = &m->proc.sigactions[sig];
	/* A fault the guest blocked or ignores cannot be ignored: the
	 * default action runs (force_sig_info_to_task). */
	if ((m->proc.sigmask & SIGBIT(sig)) || ka->handler == GUEST_SIG_IGN) {
		ka->handler = GUEST_SIG_DFL;
		m->proc.sigmask &= ~SIGBIT(sig);
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
	handle_signal(m, sig, &info, fr);
}

int64_t send_sig_self(struct memu *m, int sig, int code)
{
	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (sig == 0)
		return 0;
	const struct guest_sigaction *ka = &m->proc.sigactions[sig];
	bool blocked = m->proc.sigmask & SIGBIT(sig);
	/* Blocked signals are never ignored: the handler may change. */
	if (!blocked &&
	    (ka->handler == GUEST_SIG_IGN ||
	     (ka->handler == GUEST_SIG_DFL && default_ignored(sig))))
		return 0;
	if (!(m->proc.pending & SIGBIT(sig))) {
		struct guest_siginfo *info = &m->proc.pending_info[sig];
		memset(info, 0, sizeof(*info));
		info->signo = sig;
		info->code = code;
		info->u.kill.pid = GUEST_PID;
		info->u.kill.uid = 0;
		m->proc.pending |= SIGBIT(sig);
	}
	return 0;
}

/* ITIMER_REAL: SIGALRM once the virtual clock reaches the expiry (Linux
 * it_real_fn sends it as SEND_SIG_PRIV: si_code SI_KERNEL). */
void run_timers(struct memu *m)
{
	if (!m->proc.itimer.expires || m->clock.ns < m->proc.itimer.expires)
		return;
	m->proc.itimer.expires =
		m->proc.itimer.interval
			? m->proc.itimer.expires +
				  (m->proc.itimer.interval > UINT64_MAX / 4
					   ? UINT64_MAX / 4
					   : m->proc.itimer.interval)
			: 0;
	send_sig_self(m, SIGALRM, SI_KERNEL);
}

void wait_for_signal(struct memu *m)
{
	if (!(m->proc.pending & ~m->proc.sigmask) && m->proc.itimer.expires &&
	    m->clock.ns < m->proc.itimer.expires)
		m->clock.ns = m->proc.itimer.expires; /* waiting is instant */
	run_timers(m);
	if (m->proc.pending & ~m->proc.sigmask)
		return;
	m->result.stop = MEMU_STOP_ERROR;
	m->result.reason = "the guest waits for a signal that can never come "
			   "(no timer armed, nothing pending)";
	m->stop = true;
	uc_emu_stop(m->uc);
}

static void deliver_one(struct memu *m);

void deliver_pending(struct memu *m)
{
	deliver_one(m);
	/* No handler took the suspended caller's mask: put it back. */
	if (m->proc.restore_mask) {
		m->proc.restore_mask = false;
		m->proc.sigmask = m->proc.saved_mask;
	}
}

static void deliver_one(struct memu *m)
{
	run_timers(m);
	uint64_t ready = m->proc.pending & ~m->proc.sigmask;
	if (!ready || m->stop)
		return;
	int sig = __builtin_ctzll(ready) + 1;
	m->proc.pending &= ~SIGBIT(sig);
	const struct guest_sigaction *ka = &m->proc.sigactions[sig];
	const struct guest_siginfo *info = &m->proc.pending_info[sig];
	if (ka->handler == GUEST_SIG_IGN ||
	    (ka->handler == GUEST_SIG_DFL && default_ignored(sig)))
		return;
	if (ka->handler == GUEST_SIG_DFL) {
		force_sig(m, sig, info->code, 0, 0, "sent by the guest itself");
		return;
	}
	const struct sigframe_regs none = {0, 0, 0};
	handle_signal(m, sig, info, &none);
}

int memu_exit_code(const struct memu_result *r)
{
	switch (r->stop) {
	case MEMU_STOP_EXIT:
		return r->exit_status;
	case MEMU_STOP_SIGNAL:
		return 128 + r->signal;
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
	if (r->stop != MEMU_STOP_SIGNAL)
		return;
	/* Shaped like the kernel's "segfault at" line (show_signal_msg). */
	const char *comm = m->proc.comm ? m->proc.comm : "guest";
	fprintf(out,
		"memu: %s: killed by SIG%s (%s) at 0x%llx ip 0x%llx sp 0x%llx "
		"error %llx: %s\n",
		comm,
		sigabbrev_np(r->signal) ? sigabbrev_np(r->signal) : "UNKNOWN",
		sigdescr_np(r->signal) ? sigdescr_np(r->signal) : "signal",
		(unsigned long long)r->fault_addr, (unsigned long long)r->rip,
		(unsigned long long)r->rsp, (unsigned long long)r->error_code,
		r->reason ? r->reason : "");
}
