/* Syscall dispatch.  `syscall` at CPL 3 arrives at UC_HOOK_INSN
 * (docs/machine.md, "The CPU"); Unicorn advances RIP past the instruction
 * after the hook returns.  Every call passes through the event point. */
#include <errno.h>
#include <signal.h>

#include "gdbstub.h"
#include "machine.h"
#include "syscall.h"

static const syscall_fn table[SYSCALL_NAMES] = {
	[0] = sys_read,
	[1] = sys_write,
	[2] = sys_open,
	[3] = sys_close,
	[5] = sys_fstat,
	[8] = sys_lseek,
	[9] = sys_mmap,
	[10] = sys_mprotect,
	[11] = sys_munmap,
	[12] = sys_brk,
	[13] = sys_rt_sigaction,
	[14] = sys_rt_sigprocmask,
	[127] = sys_rt_sigpending,
	[129] = sys_rt_sigqueueinfo,
	[297] = sys_rt_tgsigqueueinfo,
	[219] = sys_restart_syscall,
	[34] = sys_pause,
	[77] = sys_ftruncate,
	[319] = sys_memfd_create,
	[284] = sys_eventfd,
	[290] = sys_eventfd2,
	[36] = sys_getitimer,
	[37] = sys_alarm,
	[38] = sys_setitimer,
	[128] = sys_rt_sigtimedwait,
	[130] = sys_rt_sigsuspend,
	[16] = sys_ioctl,
	[17] = sys_pread64,
	[18] = sys_pwrite64,
	[19] = sys_readv,
	[20] = sys_writev,
	[21] = sys_access,
	[24] = sys_sched_yield,
	[25] = sys_mremap,
	[26] = sys_msync,
	[27] = sys_mincore,
	[28] = sys_madvise,
	[149] = sys_mlock,
	[150] = sys_munlock,
	[151] = sys_mlockall,
	[152] = sys_munlockall,
	[322] = sys_execveat,
	[325] = sys_mlock2,
	[32] = sys_dup,
	[33] = sys_dup2,
	[292] = sys_dup3,
	[35] = sys_nanosleep,
	[39] = sys_getpid,
	[60] = sys_exit,
	[56] = sys_clone,
	[57] = sys_fork,
	[58] = sys_vfork,
	[59] = sys_execve,
	[61] = sys_wait4,
	[247] = sys_waitid,
	[109] = sys_setpgid,
	[111] = sys_getpgrp,
	[112] = sys_setsid,
	[121] = sys_getpgid,
	[124] = sys_getsid,
	[62] = sys_kill,
	[63] = sys_uname,
	[72] = sys_fcntl,
	[89] = sys_readlink,
	[96] = sys_gettimeofday,
	[97] = sys_getrlimit,
	[160] = sys_setrlimit,
	[98] = sys_getrusage,
	[102] = sys_getuid,
	[104] = sys_getuid,
	[107] = sys_getuid,
	[108] = sys_getuid,
	[110] = sys_getppid,
	[131] = sys_sigaltstack,
	[157] = sys_prctl,
	[158] = sys_arch_prctl,
	[186] = sys_gettid,
	[200] = sys_tkill,
	[201] = sys_time,
	[202] = sys_futex,
	[204] = sys_sched_getaffinity,
	[218] = sys_set_tid_address,
	[228] = sys_clock_gettime,
	[229] = sys_clock_getres,
	[230] = sys_clock_nanosleep,
	[231] = sys_exit_group,
	[234] = sys_tgkill,
	[238] = sys_set_mempolicy,
	[257] = sys_openat,
	[262] = sys_newfstatat,
	[267] = sys_readlinkat,
	[269] = sys_faccessat,
	[273] = sys_set_robust_list,
	[274] = sys_get_robust_list,
	[85] = sys_creat,
	[4] = sys_stat,
	[6] = sys_lstat,
	[439] = sys_faccessat2,
	[88] = sys_symlink,
	[266] = sys_symlinkat,
	[86] = sys_link,
	[265] = sys_linkat,
	[83] = sys_mkdir,
	[258] = sys_mkdirat,
	[84] = sys_rmdir,
	[87] = sys_unlink,
	[263] = sys_unlinkat,
	[82] = sys_rename,
	[264] = sys_renameat,
	[316] = sys_renameat2,
	[217] = sys_getdents64,
	[79] = sys_getcwd,
	[80] = sys_chdir,
	[81] = sys_fchdir,
	[95] = sys_umask,
	[90] = sys_chmod,
	[91] = sys_fchmod,
	[268] = sys_fchmodat,
	[76] = sys_truncate,
	[285] = sys_fallocate,
	[74] = sys_fsync,
	[162] = sys_sync,
	[22] = sys_pipe,
	[293] = sys_pipe2,
	[75] = sys_fsync,  /* fdatasync */
	[306] = sys_fsync, /* syncfs */
	[92] = sys_chown,
	[93] = sys_fchown,
	[94] = sys_lchown,
	[260] = sys_fchownat,
	[280] = sys_utimensat,
	[302] = sys_prlimit64,
	[318] = sys_getrandom,
	[125] = sys_capget,
	[53] = sys_socketpair,
	[126] = sys_capset,
	[7] = sys_poll,
	[271] = sys_ppoll,
	[23] = sys_select,
	[270] = sys_pselect6,
	[435] = sys_clone3,
	[282] = sys_signalfd,
	[289] = sys_signalfd4,
	[283] = sys_timerfd_create,
	[286] = sys_timerfd_settime,
	[287] = sys_timerfd_gettime,
	[213] = sys_epoll_create,
	[291] = sys_epoll_create1,
	[233] = sys_epoll_ctl,
	[232] = sys_epoll_wait,
	[281] = sys_epoll_pwait,
	[441] = sys_epoll_pwait2,
};

const char *memu_syscall_name(unsigned nr)
{
	if (nr == MEMU_SYS_PROBE)
		return "memu_probe";
	if (nr == MEMU_SYS_CR3)
		return "memu_cr3";
	return nr < SYSCALL_NAMES && syscall_names[nr] ? syscall_names[nr]
						       : "unknown";
}

static int64_t probe(struct memu *m, uint64_t tag)
{
	m->result.stop = MEMU_STOP_PROBE;
	m->result.probe_tag = tag;
	m->stop = true;
	uc_emu_stop(m->uc);
	return 0;
}

/* Unicorn adds the syscall instruction's length to RIP after this hook
 * returns (helper_syscall): a hook that sends the CPU elsewhere writes
 * its target minus that. */
#define SYSCALL_INSN_LEN 2

static void redirect(uc_engine *uc)
{
	uint64_t rip;
	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	rip -= SYSCALL_INSN_LEN;
	uc_reg_write(uc, UC_X86_REG_RIP, &rip);
}

/* rt_sigreturn restores every register from the frame, so it skips the
 * syscall instruction's RAX/RCX/R11 writes; a bad frame is SIGSEGV. */
static void rt_sigreturn(struct memu *m)
{
	vclock_advance_sys(&m->clock, VCLOCK_SYSCALL_NS);
	struct event e = {EV_SYSCALL, 15, 0, 0, 0};
	event_emit(&m->mmu.events, &e);
	if (restore_rt_frame(m)) {
		force_sig(m, SIGSEGV, SI_KERNEL, 0, 0,
			  "bad signal frame (rt_sigreturn)");
		return;
	}
	signal_exit(m, -1); /* restore_sigcontext: orig_ax = -1 */
	redirect(m->uc);
}

void handle_syscall(uc_engine *uc, void *user)
{
	struct memu *m = user;
	static const int ids[] = {
		UC_X86_REG_RAX, UC_X86_REG_RDI, UC_X86_REG_RSI,
		UC_X86_REG_RDX, UC_X86_REG_R10, UC_X86_REG_R8,
		UC_X86_REG_R9,	UC_X86_REG_RIP, UC_X86_REG_EFLAGS};
	if (m->probe.active || m->stop) {
		/* fault_addr.c's probe is over, or the machine already
		 * stopped: the rest of the block must not run syscalls. */
		uc_emu_stop(uc);
		return;
	}
	uint64_t v[9] = {0};
	void *ptrs[9];
	for (int i = 0; i < 9; i++)
		ptrs[i] = &v[i];
	uc_reg_read_batch(uc, (int *)ids, ptrs, 9);
	/* Linux 6.1 takes the number as an int (entry_64.S: movslq %eax). */
	uint64_t nr = (uint32_t)v[0];
	const uint64_t *a = &v[1];
	if (nr == 15) {
		rt_sigreturn(m);
		return;
	}

	int64_t ret;
	struct process *p = m->proc;
	p->syscall_nr = nr;
	m->mmu.oom_kill_pending = false; /* a fault's, its process gone */
	proc_task_before_call(m, nr, a);
	/* RLIMIT_MEMLOCK as it binds this task, for mmu/'s checks */
	p->mm->memlock_limit = p->signal->rlim_memlock[0];
	p->mm->cap_ipc_lock = capable(p, CAP_IPC_LOCK);
	if ((m->inject.n || m->inject.log.on) && inject_syscall(m, nr, &ret))
		; /* answered by an injected fault (strace -e inject) */
	else if (nr == MEMU_SYS_PROBE)
		ret = probe(m, a[0]);
	else if (nr == MEMU_SYS_CR3)
		ret = sys_memu_cr3(m, a);
	else if (nr < SYSCALL_NAMES && table[nr])
		ret = table[nr](m, a);
	else
		ret = -ENOSYS;
	if (p->state == TASK_ZOMBIE) {
		/* It exited (exit, a fatal signal): nothing of it runs on
		 * (exit.c); the run loop switches to another task. */
		vclock_advance_sys(&m->clock, VCLOCK_SYSCALL_NS);
		struct event e = {EV_SYSCALL, nr, (uint64_t)ret, 0, 0};
		event_emit(&m->mmu.events, &e);
		return;
	}
	proc_task_after_call(m, nr, a, ret);
	mm_flush_tlb(m->proc->mm);
	/* The OOM killer chose the guest during the call (docs/reclaim.md):
	 * SIGKILL, which nothing catches, as the call returns. */
	if (m->mmu.oom_kill_pending) {
		m->mmu.oom_kill_pending = false;
		force_sig(m, SIGKILL, 0, 0, 0, m->mmu.oom_reason);
		return;
	}
	inject_run_pending(m);
	vclock_advance_sys(&m->clock, VCLOCK_SYSCALL_NS);
	struct event e = {EV_SYSCALL, nr, (uint64_t)ret, 0, 0};
	event_emit(&m->mmu.events, &e);

	/* What the syscall instruction itself does: RCX = return address,
	 * R11 = RFLAGS. */
	uint64_t rcx = v[7] + SYSCALL_INSN_LEN, r11 = v[8], rax = (uint64_t)ret;
	uint64_t resume = rcx;
	if (m->exec_entry) {
		/* execve: the new program's registers (exec.c) */
		resume = m->exec_entry;
		rcx = r11 = 0;
		m->exec_entry = 0;
	}
	uc_reg_write(uc, UC_X86_REG_RAX, &rax);
	uc_reg_write(uc, UC_X86_REG_RCX, &rcx);
	uc_reg_write(uc, UC_X86_REG_R11, &r11);
	/* A fork, vfork or exec that gdb hears of stops in the call, at
	 * its end (docs/gdb.md, "Fork, vfork, exec and exit"). */
	if (m->gdb && gdb_event_pending(m)) {
		uc_reg_write(uc, UC_X86_REG_RIP, &resume);
		gdb_syscall_event(m);
		redirect(uc);
	}
	/* A signal the call sent, unblocked or was interrupted by runs on
	 * the way out, with the frame holding the return to the next
	 * instruction, or to the syscall again if it restarts. */
	bool timer = m->proc->signal->itimer.expires &&
		     m->clock.ns >= m->proc->signal->itimer.expires;
	bool restart = ret <= -ERESTARTSYS && ret >= -ERESTART_RESTARTBLOCK;
	if ((timer || restart || m->proc->restore_mask || signal_pending(m)) &&
	    !m->stop) {
		uc_reg_write(uc, UC_X86_REG_RIP, &resume);
		signal_exit(m,
			    (int64_t)v[0]); /* orig_ax, as the guest set it */
		redirect(uc);
	}
	/* A call that blocked was rewound by the restart rules above; it
	 * runs again once the task is woken (sched.c). */
	if (p->state != TASK_BLOCKED)
		p->woken = false;
}
