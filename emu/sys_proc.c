/* Process syscalls: identity, limits, exit, the signal calls (delivery
 * is signal.c's, the pending sets sigqueue.c's: docs/signals.md), and
 * futex. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

int64_t sys_exit_group(struct memu *m, const uint64_t *a)
{
	machine_exit(m, (int)a[0]);
	return 0;
}

int64_t sys_memu_cr3(struct memu *m, const uint64_t *a)
{
	(void)a;
	uint64_t cr3 = 0;
	uc_reg_read(m->uc, UC_X86_REG_CR3, &cr3);
	return (int64_t)cr3;
}

int64_t sys_arch_prctl(struct memu *m, const uint64_t *a)
{
	struct mm *mm = m->proc->mm;
	uint64_t v;
	switch (a[0]) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (a[1] >= USER_VA_END)
			return -EPERM;
		uc_reg_write(m->uc,
			     a[0] == ARCH_SET_FS ? UC_X86_REG_FS_BASE
						 : UC_X86_REG_GS_BASE,
			     &a[1]);
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		uc_reg_read(m->uc,
			    a[0] == ARCH_GET_FS ? UC_X86_REG_FS_BASE
						: UC_X86_REG_GS_BASE,
			    &v);
		return copy_to_user(mm, a[1], &v, sizeof(v)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

/* Linux 6.1's last prctl option (PR_SME_GET_VL), and PR_SET_VMA: an
 * option past it is one 6.1 does not know. */
#define PR_LAST_6_1 64
#define PR_SET_VMA  0x53564d41

/* prctl: PR_SET/GET_PDEATHSIG, PR_SET/GET_NAME and the machine-check
 * kill policy (emu/memory_failure.c).  An option 6.1 does not know is
 * EINVAL, as its default case; one it knows that memu does not do yet
 * is ENOSYS, counted. */
int64_t sys_prctl(struct memu *m, const uint64_t *a)
{
	switch ((int)a[0]) {
	case 1: /* PR_SET_PDEATHSIG */
		if (a[1] > 64)
			return -EINVAL;
		m->proc->pdeath_signal = (int)a[1];
		return 0;
	case 2: { /* PR_GET_PDEATHSIG */
		int sig = m->proc->pdeath_signal;
		return copy_to_user(m->proc->mm, a[1], &sig, sizeof(sig))
			       ? -EFAULT
			       : 0;
	}
	case 15: { /* PR_SET_NAME: the first 15 bytes, /proc/PID/comm's */
		char comm[PROC_COMM_LEN] = "";
		for (size_t i = 0; i < PROC_COMM_LEN - 1; i++)
			if (copy_from_user(m->proc->mm, &comm[i], a[1] + i, 1))
				return -EFAULT;
			else if (!comm[i])
				break;
		memcpy(m->proc->task.comm, comm, sizeof(comm));
		return 0;
	}
	case 16: /* PR_GET_NAME */
		return copy_to_user(m->proc->mm, a[1], m->proc->task.comm,
				    PROC_COMM_LEN)
			       ? -EFAULT
			       : 0;
	case 33: /* PR_MCE_KILL */
		return prctl_mce_kill(m, a);
	case 34: /* PR_MCE_KILL_GET */
		return prctl_mce_kill_get(m, a);
	default:
		if ((int)a[0] <= 0 ||
		    ((int)a[0] > PR_LAST_6_1 && a[0] != PR_SET_VMA))
			return -EINVAL;
		return -ENOSYS;
	}
}

int64_t sys_set_tid_address(struct memu *m, const uint64_t *a)
{
	m->proc->tid_address = a[0];
	m->proc->clear_child_tid = a[0];
	return m->proc->task.pid; /* the tid */
}

int64_t sys_getppid(struct memu *m, const uint64_t *a)
{
	(void)a;
	return m->proc->task.ppid;
}

/* The mask lives where /proc/self/status reads it. */
int64_t sys_umask(struct memu *m, const uint64_t *a)
{
	unsigned old = m->proc->task.umask;
	fs_set_umask(m, (unsigned)a[0] & 0777);
	return old;
}

int64_t sys_getuid(struct memu *m, const uint64_t *a)
{
	(void)m;
	(void)a;
	return 0; /* the guest is root: /dev/mem needs CAP_SYS_RAWIO */
}

int64_t sys_uname(struct memu *m, const uint64_t *a)
{
	struct utsname u;
	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "Linux");
	strcpy(u.nodename, "memu");
	strcpy(u.release, "6.1.0-memu");
	strcpy(u.version, "#1 SMP memu " MEMU_VERSION);
	strcpy(u.machine, "x86_64");
	strcpy(u.domainname, "(none)");
	return copy_to_user(m->proc->mm, a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

void rlimits_init(struct memu *m, struct signal_struct *s)
{
	for (unsigned r = 0; r < PROC_RLIMITS; r++)
		s->rlim[r][0] = s->rlim[r][1] = RLIM_INFINITY;
	s->rlim[RLIMIT_STACK][0] = STACK_RLIMIT;
	s->rlim[RLIMIT_CORE][0] = 0;
	s->rlim[RLIMIT_NPROC][0] = s->rlim[RLIMIT_NPROC][1] =
		rlimit_sigpending_default(m->cfg.ram_bytes);
	s->rlim[RLIMIT_MSGQUEUE][0] = s->rlim[RLIMIT_MSGQUEUE][1] =
		819200; /* MQ_BYTES_MAX */
	s->rlim[RLIMIT_NICE][0] = s->rlim[RLIMIT_NICE][1] = 0;
	s->rlim[RLIMIT_RTPRIO][0] = s->rlim[RLIMIT_RTPRIO][1] = 0;
}

void task_rlimit(const struct memu *m, const struct process *p, unsigned res,
		 uint64_t out[2])
{
	(void)m;
	static const uint64_t nofile[2] = {PROC_FDS, PROC_FDS};
	const struct signal_struct *s = p->signal;
	const uint64_t *r = s->rlim[res];
	if (res == RLIMIT_NOFILE)
		r = nofile;
	else if (res == RLIMIT_MEMLOCK)
		r = s->rlim_memlock;
	else if (res == RLIMIT_SIGPENDING)
		r = s->rlim_sigpending;
	out[0] = r[0];
	out[1] = r[1];
}

static struct rlimit limit_of(struct memu *m, unsigned res)
{
	uint64_t r[2];
	task_rlimit(m, m->proc, res, r);
	return (struct rlimit){r[0], r[1]};
}

int64_t sys_prlimit64(struct memu *m, const uint64_t *a)
{
	uint64_t pid = a[0], res = a[1];
	if (pid != 0 && pid != (uint64_t)m->proc->task.pid)
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit old = limit_of(m, (unsigned)res), new;
	if (a[2]) {
		if (copy_from_user(m->proc->mm, &new, a[2], sizeof(new)))
			return -EFAULT;
		if (new.rlim_cur > new.rlim_max)
			return -EINVAL;
		/* Raising a hard limit takes CAP_SYS_RESOURCE (the guest
		 * starts with it; capability.c). */
		if (new.rlim_max > old.rlim_max &&
		    !capable(m->proc, CAP_SYS_RESOURCE))
			return -EPERM;
	}
	if (a[3] && copy_to_user(m->proc->mm, a[3], &old, sizeof(old)))
		return -EFAULT;
	if (!a[2])
		return 0;
	if (res == RLIMIT_STACK)
		m->proc->mm->stack_rlimit = new.rlim_cur;
	if (res != RLIMIT_NOFILE) {
		m->proc->signal->rlim[res][0] = new.rlim_cur;
		m->proc->signal->rlim[res][1] = new.rlim_max;
	}
	if (res == RLIMIT_MEMLOCK) {
		m->proc->signal->rlim_memlock[0] = new.rlim_cur;
		m->proc->signal->rlim_memlock[1] = new.rlim_max;
	}
	if (res == RLIMIT_SIGPENDING) {
		m->proc->signal->rlim_sigpending[0] = new.rlim_cur;
		m->proc->signal->rlim_sigpending[1] = new.rlim_max;
	}
	return 0;
}

int64_t sys_getrlimit(struct memu *m, const uint64_t *a)
{
	uint64_t args[4] = {0, a[0], 0, a[1]};
	return sys_prlimit64(m, args);
}

int64_t sys_setrlimit(struct memu *m, const uint64_t *a)
{
	struct rlimit r;
	if (copy_from_user(m->proc->mm, &r, a[1], sizeof(r)))
		return -EFAULT;
	uint64_t args[4] = {0, a[0], a[1], 0};
	return sys_prlimit64(m, args);
}

int64_t sys_rt_sigaction(struct memu *m, const uint64_t *a)
{
	uint64_t sig = a[0];
	if (a[3] != 8)
		return -EINVAL;
	if (sig < 1 || sig > 64)
		return -EINVAL;
	if (a[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	struct guest_sigaction act;
	if (a[1] && copy_from_user(m->proc->mm, &act, a[1], sizeof(act)))
		return -EFAULT;
	if (a[2] && copy_to_user(m->proc->mm, a[2],
				 &m->proc->sighand->action[sig], sizeof(act)))
		return -EFAULT;
	if (a[1]) {
		act.mask &= ~GUEST_UNBLOCKABLE;
		m->proc->sighand->action[sig] = act;
		/* Ignoring a pending signal discards it, every instance
		 * (POSIX; Linux do_sigaction). */
		if (sig_handler_ignored(m, (int)sig))
			flush_sigqueue_mask(m, SIGBIT(sig));
	}
	return 0;
}

int64_t sys_rt_sigpending(struct memu *m, const uint64_t *a)
{
	if (a[1] > 8)
		return -EINVAL;
	uint64_t set = sigpending_set(m) & m->proc->sigmask;
	return copy_to_user(m->proc->mm, a[0], &set, a[1]) ? -EFAULT : 0;
}

/* Waits that end only with a signal: restarted unseen if no handler
 * runs (docs/signals.md, "Interrupted system calls"). */
int64_t sys_pause(struct memu *m, const uint64_t *a)
{
	(void)a;
	wait_interruptible(m, false, 0);
	return -ERESTARTNOHAND;
}

int64_t sys_rt_sigsuspend(struct memu *m, const uint64_t *a)
{
	uint64_t set;
	if (a[1] != 8)
		return -EINVAL;
	if (copy_from_user(m->proc->mm, &set, a[0], sizeof(set)))
		return -EFAULT;
	m->proc->saved_mask = m->proc->sigmask;
	m->proc->restore_mask = true;
	m->proc->sigmask = set & ~GUEST_UNBLOCKABLE;
	wait_interruptible(m, false, 0);
	return -ERESTARTNOHAND;
}

/* rt_sigtimedwait: take a pending signal of the set (blocked or not)
 * without running its handler.  With none, wait on the virtual clock
 * with the set unblocked, until one comes (a timer's), another signal
 * to deliver comes (EINTR, never restarted) or the timeout (EAGAIN). */
int64_t sys_rt_sigtimedwait(struct memu *m, const uint64_t *a)
{
	uint64_t set, ns = 0;
	if (a[3] != 8)
		return -EINVAL;
	if (copy_from_user(m->proc->mm, &set, a[0], sizeof(set)))
		return -EFAULT;
	int err = a[2] ? get_timespec(m, a[2], &ns) : 0;
	if (err)
		return err;
	set &= ~GUEST_UNBLOCKABLE;
	struct guest_siginfo info;
	int sig = dequeue_signal(m, ~set, &info);
	bool woken = false;
	if (!sig && (!a[2] || ns)) {
		/* A retry after blocking keeps the first call's end. */
		uint64_t until = m->proc->woken && m->proc->retry_until
					 ? m->proc->retry_until
					 : vclock_after(&m->clock, ns);
		m->proc->real_blocked = m->proc->sigmask;
		m->proc->sigmask &= ~set;
		woken = wait_interruptible(m, a[2] != 0, until);
		m->proc->sigmask = m->proc->real_blocked;
		m->proc->real_blocked = 0;
		if (m->proc->state == TASK_BLOCKED) {
			/* A signal of the set wakes it too: it blocked with
			 * them unblocked (sched.c). */
			m->proc->retry_until = until;
			return -ERESTARTNOINTR;
		}
		m->proc->retry_until = 0;
		sig = dequeue_signal(m, ~set, &info);
	}
	if (!sig)
		return woken ? -EINTR : -EAGAIN;
	if (a[1] && copy_to_user(m->proc->mm, a[1], &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

/* Linux known_siginfo_layout: an si_code whose fields the kernel knows
 * (the per-signal codes up to their NSIG* of Linux 6.1). */
static bool known_siginfo_layout(uint32_t sig, int32_t code)
{
	static const uint8_t limit[32] = {
		[SIGILL] = 11, [SIGFPE] = 15, [SIGSEGV] = 9, [SIGBUS] = 5,
		[SIGTRAP] = 6, [SIGCHLD] = 6, [SIGPOLL] = 6, [SIGSYS] = 2,
	};
	if (code == SI_KERNEL)
		return true;
	if (code > SI_USER)
		return code <= (sig < 32 && limit[sig] ? limit[sig] : 6);
	return code >= -7 /* SI_DETHREAD */ || code == -60 /* SI_ASYNCNL */;
}

/* __copy_siginfo_from_user: the kernel's 48 bytes with si_signo = sig;
 * for an si_code of unknown layout the rest must be zero (E2BIG). */
static int siginfo_from_user(struct memu *m, int32_t sig, uint64_t uaddr,
			     struct guest_siginfo *info)
{
	memset(info, 0, sizeof(*info));
	if (copy_from_user(m->proc->mm, info, uaddr, KERNEL_SIGINFO_SIZE))
		return -EFAULT;
	info->signo = sig;
	if (known_siginfo_layout((uint32_t)sig, info->code))
		return 0;
	uint8_t tail[sizeof(*info) - KERNEL_SIGINFO_SIZE];
	if (copy_from_user(m->proc->mm, tail, uaddr + KERNEL_SIGINFO_SIZE,
			   sizeof(tail)))
		return -EFAULT;
	for (size_t i = 0; i < sizeof(tail); i++)
		if (tail[i])
			return -E2BIG;
	return 0;
}

/* Not even root may pretend to be the kernel, kill or tkill when the
 * signal is for another thread (si_code >= 0 or SI_TKILL). */
static bool impersonates(const struct guest_siginfo *info, int32_t tid,
			 int32_t self)
{
	return (info->code >= 0 || info->code == SI_TKILL) && tid != self;
}

int64_t sys_rt_sigqueueinfo(struct memu *m, const uint64_t *a)
{
	int32_t pid = (int32_t)a[0], sig = (int32_t)a[1];
	struct guest_siginfo info;
	int err = siginfo_from_user(m, sig, a[2], &info);
	if (err)
		return err;
	int32_t tgid = m->proc->group_leader->task.pid;
	if (impersonates(&info, pid, tgid))
		return -EPERM;
	if (pid != tgid)
		return -ESRCH;
	if (sig < 0 || sig > 64)
		return -EINVAL;
	return sig ? send_signal(m, sig, &info, false) : 0;
}

int64_t sys_rt_tgsigqueueinfo(struct memu *m, const uint64_t *a)
{
	int32_t tgid = (int32_t)a[0], tid = (int32_t)a[1], sig = (int32_t)a[2];
	struct guest_siginfo info;
	int err = siginfo_from_user(m, sig, a[3], &info);
	if (err)
		return err;
	if (tid <= 0 || tgid <= 0)
		return -EINVAL;
	if (impersonates(&info, tid, m->proc->task.pid))
		return -EPERM;
	if (tid != m->proc->task.pid || tgid != m->proc->group_leader->task.pid)
		return -ESRCH;
	if (sig < 0 || sig > 64)
		return -EINVAL;
	return sig ? send_signal(m, sig, &info, true) : 0;
}

int64_t sys_rt_sigprocmask(struct memu *m, const uint64_t *a)
{
	uint64_t how = a[0], set = 0, old = m->proc->sigmask;
	if (a[3] != 8)
		return -EINVAL;
	if (a[1] && copy_from_user(m->proc->mm, &set, a[1], sizeof(set)))
		return -EFAULT;
	if (a[1]) {
		const uint64_t unblockable =
			(1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1));
		switch (how) {
		case SIG_BLOCK:
			m->proc->sigmask |= set;
			break;
		case SIG_UNBLOCK:
			m->proc->sigmask &= ~set;
			break;
		case SIG_SETMASK:
			m->proc->sigmask = set;
			break;
		default:
			return -EINVAL;
		}
		m->proc->sigmask &= ~unblockable;
	}
	if (a[2] && copy_to_user(m->proc->mm, a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* stack_t, as x86-64 Linux lays it out. */
struct guest_stack {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

/* Linux's sigaltstack: copy in, check, store, copy the old one out.  No
 * handler runs on it yet (signal delivery is a later step). */
int64_t sys_sigaltstack(struct memu *m, const uint64_t *a)
{
	struct guest_stack new,
		old = {m->proc->altstack.sp,
		       m->proc->altstack.size ? 0 : GUEST_SS_DISABLE, 0,
		       m->proc->altstack.size};
	if (a[0] && copy_from_user(m->proc->mm, &new, a[0], sizeof(new)))
		return -EFAULT;
	if (a[0]) {
		int mode = (int)((uint32_t) new.flags & ~GUEST_SS_AUTODISARM);
		if (mode != GUEST_SS_DISABLE && mode != GUEST_SS_ONSTACK &&
		    mode != 0)
			return -EINVAL;
		if (mode == GUEST_SS_DISABLE) {
			m->proc->altstack.sp = m->proc->altstack.size = 0;
		} else {
			if (new.size < GUEST_MINSIGSTKSZ)
				return -ENOMEM;
			m->proc->altstack.sp = new.sp;
			m->proc->altstack.size = new.size;
		}
	}
	if (a[1] && copy_to_user(m->proc->mm, a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* kill: to a process, to a process group (0: the caller's, -PGID), or
 * to every process but pid 1 and the caller (-1); tkill and tgkill to a
 * thread (docs/processes.md). */
int64_t sys_kill(struct memu *m, const uint64_t *a)
{
	int32_t pid = (int32_t)a[0], sig = (int32_t)a[1];
	if (pid > 0) {
		struct process *p = find_task(m, pid);
		return p ? send_sig_to(m, p, sig, SI_USER) : -ESRCH;
	}
	if (pid == -2147483647 - 1)
		return -ESRCH;
	int32_t pgid = pid == 0 ? m->proc->task.pgid : -pid;
	int64_t ret = -ESRCH;
	bool any = false, self = false;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *p = m->tasks[i];
		if (p != p->group_leader)
			continue; /* a process is its leader */
		bool mine = same_thread_group(p, m->proc);
		bool hit = pid == -1 ? p->task.pid != GUEST_PID && !mine
				     : p->task.pgid == pgid;
		if (!hit)
			continue;
		if (mine) {
			self = true; /* the caller's own, last */
			continue;
		}
		int64_t r = send_sig_to(m, p, sig, SI_USER);
		if (!any || r)
			ret = r;
		any = true;
	}
	if (self) {
		int64_t r = send_sig_self(m, sig, SI_USER, false);
		if (!any || r)
			ret = r;
	}
	return ret;
}

static int64_t thread_kill(struct memu *m, int32_t tgid, int32_t tid,
			   int32_t sig)
{
	struct process *p = find_task(m, tid);
	if (!p || p->state == TASK_ZOMBIE ||
	    (tgid > 0 && p->group_leader->task.pid != tgid))
		return -ESRCH;
	return send_sig_thread(m, p, sig);
}

int64_t sys_tkill(struct memu *m, const uint64_t *a)
{
	if ((int32_t)a[0] <= 0)
		return -EINVAL;
	return thread_kill(m, 0, (int32_t)a[0], (int32_t)a[1]);
}

int64_t sys_tgkill(struct memu *m, const uint64_t *a)
{
	if ((int32_t)a[0] <= 0 || (int32_t)a[1] <= 0)
		return -EINVAL;
	return thread_kill(m, (int32_t)a[0], (int32_t)a[1], (int32_t)a[2]);
}

/* ---- process groups and sessions (Linux kernel/sys.c) */

int64_t sys_getpgid(struct memu *m, const uint64_t *a)
{
	int32_t pid = (int32_t)a[0];
	struct process *p = pid ? find_task(m, pid) : m->proc;
	return p ? p->task.pgid : -ESRCH;
}

int64_t sys_getpgrp(struct memu *m, const uint64_t *a)
{
	(void)a;
	return m->proc->task.pgid;
}

int64_t sys_getsid(struct memu *m, const uint64_t *a)
{
	int32_t pid = (int32_t)a[0];
	struct process *p = pid ? find_task(m, pid) : m->proc;
	return p ? p->task.sid : -ESRCH;
}

int64_t sys_setpgid(struct memu *m, const uint64_t *a)
{
	int32_t pid = (int32_t)a[0], pgid = (int32_t)a[1];
	struct process *self = m->proc;
	if (!pid)
		pid = self->task.pid;
	if (!pgid)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	struct process *p = find_task(m, pid);
	if (!p || (p != self && p->parent != self))
		return -ESRCH;
	if (p->task.sid == p->task.pid)
		return -EPERM; /* a session leader */
	if (p != self && p->task.sid != self->task.sid)
		return -EPERM;
	if (pgid != pid) {
		bool found = false;
		for (unsigned i = 0; i < m->ntasks; i++)
			found |= m->tasks[i]->task.pgid == pgid &&
				 m->tasks[i]->task.sid == self->task.sid;
		if (!found)
			return -EPERM;
	}
	p->task.pgid = pgid;
	return 0;
}

int64_t sys_setsid(struct memu *m, const uint64_t *a)
{
	(void)a;
	struct process *p = m->proc;
	/* Fail if a process group with our pid exists (we lead one). */
	for (unsigned i = 0; i < m->ntasks; i++)
		if (m->tasks[i]->task.pgid == p->task.pid)
			return -EPERM;
	p->task.sid = p->task.pgid = p->task.pid;
	return p->task.sid;
}

int64_t sys_sched_getaffinity(struct memu *m, const uint64_t *a)
{
	if (a[0] != 0 && !find_task(m, (int32_t)a[0]))
		return -ESRCH;
	if (a[1] < 8 || (a[1] & 7))
		return -EINVAL;
	uint64_t mask = 1; /* one CPU */
	return copy_to_user(m->proc->mm, a[2], &mask, sizeof(mask)) ? -EFAULT
								    : 8;
}

/* Linux restart_syscall: carry on with what the last interrupted call
 * left in the restart block; with nothing there, EINTR (rt_sigreturn
 * empties it). */
int64_t sys_restart_syscall(struct memu *m, const uint64_t *a)
{
	(void)a;
	struct restart_block *r = &m->proc->restart;
	switch (r->fn) {
	case RESTART_NANOSLEEP:
		return nanosleep_restart(m);
	case RESTART_POLL:
		return poll_restart(m);
	case RESTART_FUTEX_WAIT:
		r->fn = RESTART_NONE; /* futex_wait_restart */
		return futex_wait(m, r->uaddr, r->shared, r->val, r->timeout,
				  r->expires, r->bitset);
	default:
		return -EINTR;
	}
}
