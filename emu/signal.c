/* Ending the guest: exit_group, or a fatal signal (no handlers yet). */
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
