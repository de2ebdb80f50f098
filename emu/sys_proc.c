/* Process syscalls: identity, limits, exit, and signals (stored; guest
 * handlers are not run yet, so a signal with a fatal default ends the
 * guest as the kernel would without a handler). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define GUEST_PID   1
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
	struct mm *mm = m->proc.mm;
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

int64_t sys_set_tid_address(struct memu *m, const uint64_t *a)
{
	m->proc.tid_address = a[0];
	return GUEST_PID;
}

int64_t sys_getpid(struct memu *m, const uint64_t *a)
{
	(void)m;
	(void)a;
	return GUEST_PID;
}

int64_t sys_getppid(struct memu *m, const uint64_t *a)
{
	(void)m;
	(void)a;
	return 0;
}

/* The mask lives where /proc/self/status reads it. */
int64_t sys_umask(struct memu *m, const uint64_t *a)
{
	unsigned old = m->proc.task.umask;
	m->proc.task.umask = (unsigned)a[0] & 0777;
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
	return copy_to_user(m->proc.mm, a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

static struct rlimit limit_of(struct memu *m, unsigned res)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	switch (res) {
	case RLIMIT_STACK:
		r.rlim_cur = m->proc.mm->stack_rlimit;
		break;
	case RLIMIT_NOFILE:
		r.rlim_cur = PROC_FDS;
		r.rlim_max = PROC_FDS;
		break;
	case RLIMIT_MEMLOCK:
		r.rlim_cur = r.rlim_max = 8ULL << 20;
		break;
	case RLIMIT_CORE:
		r.rlim_cur = 0;
		break;
	case RLIMIT_NPROC:
	case RLIMIT_SIGPENDING:
		r.rlim_cur = r.rlim_max = 1024;
		break;
	default:
		break;
	}
	return r;
}

int64_t sys_prlimit64(struct memu *m, const uint64_t *a)
{
	uint64_t pid = a[0], res = a[1];
	if (pid != 0 && pid != GUEST_PID)
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit old = limit_of(m, (unsigned)res), new;
	if (a[2]) {
		if (copy_from_user(m->proc.mm, &new, a[2], sizeof(new)))
			return -EFAULT;
		/* The guest is root (CAP_SYS_RESOURCE): it may raise a
		 * hard limit, so only the ordering is checked. */
		if (new.rlim_cur > new.rlim_max)
			return -EINVAL;
	}
	if (a[3] && copy_to_user(m->proc.mm, a[3], &old, sizeof(old)))
		return -EFAULT;
	if (a[2] && res == RLIMIT_STACK)
		m->proc.mm->stack_rlimit = new.rlim_cur;
	return 0;
}

int64_t sys_getrlimit(struct memu *m, const uint64_t *a)
{
	uint64_t args[4] = {0, a[0], 0, a[1]};
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
	if (a[1] && copy_from_user(m->proc.mm, &act, a[1], sizeof(act)))
		return -EFAULT;
	if (a[2] && copy_to_user(m->proc.mm, a[2], &m->proc.sigactions[sig],
				 sizeof(act)))
		return -EFAULT;
	if (a[1]) {
		act.mask &= ~GUEST_UNBLOCKABLE;
		m->proc.sigactions[sig] = act;
		/* Ignoring a pending signal discards it. */
		if (act.handler == GUEST_SIG_IGN)
			m->proc.pending &= ~SIGBIT(sig);
	}
	return 0;
}

int64_t sys_rt_sigpending(struct memu *m, const uint64_t *a)
{
	if (a[1] > 8)
		return -EINVAL;
	uint64_t set = m->proc.pending & m->proc.sigmask;
	return copy_to_user(m->proc.mm, a[0], &set, a[1]) ? -EFAULT : 0;
}

int64_t sys_pause(struct memu *m, const uint64_t *a)
{
	(void)a;
	wait_for_signal(m);
	return -EINTR;
}

int64_t sys_rt_sigsuspend(struct memu *m, const uint64_t *a)
{
	uint64_t set;
	if (a[1] != 8)
		return -EINVAL;
	if (copy_from_user(m->proc.mm, &set, a[0], sizeof(set)))
		return -EFAULT;
	m->proc.saved_mask = m->proc.sigmask;
	m->proc.restore_mask = true;
	m->proc.sigmask = set & ~GUEST_UNBLOCKABLE;
	wait_for_signal(m);
	return -EINTR;
}

/* rt_sigtimedwait: take a pending signal of the set (blocked or not)
 * without running its handler.  With none, wait on the virtual clock:
 * for the timer if it comes first, else for the timeout (EAGAIN). */
int64_t sys_rt_sigtimedwait(struct memu *m, const uint64_t *a)
{
	uint64_t set;
	int64_t ts[2] = {0, 0};
	if (a[3] != 8)
		return -EINVAL;
	if (copy_from_user(m->proc.mm, &set, a[0], sizeof(set)))
		return -EFAULT;
	if (a[2] && copy_from_user(m->proc.mm, ts, a[2], sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
		return -EINVAL;
	set &= ~GUEST_UNBLOCKABLE;
	if (!(m->proc.pending & set)) {
		/* A timeout of centuries is forever, never a wrapped clock. */
		uint64_t d = (uint64_t)ts[0] > (UINT64_MAX / 4) / 1000000000
				     ? UINT64_MAX / 4
				     : (uint64_t)ts[0] * 1000000000 +
					       (uint64_t)ts[1];
		uint64_t until = !a[2] || d > UINT64_MAX - m->clock.ns
					 ? UINT64_MAX
					 : m->clock.ns + d;
		uint64_t t = m->proc.itimer.expires;
		if (t && t <= until) {
			if (m->clock.ns < t)
				m->clock.ns = t;
			run_timers(m);
		} else if (a[2]) {
			m->clock.ns = until;
			return -EAGAIN;
		} else {
			wait_for_signal(m);
		}
	}
	uint64_t ready = m->proc.pending & set;
	if (!ready)
		return -EINTR; /* another signal came: delivered on exit */
	int sig = __builtin_ctzll(ready) + 1;
	m->proc.pending &= ~SIGBIT(sig);
	if (a[1] && copy_to_user(m->proc.mm, a[1], &m->proc.pending_info[sig],
				 sizeof(struct guest_siginfo)))
		return -EFAULT;
	return sig;
}

int64_t sys_rt_sigprocmask(struct memu *m, const uint64_t *a)
{
	uint64_t how = a[0], set = 0, old = m->proc.sigmask;
	if (a[3] != 8)
		return -EINVAL;
	if (a[1] && copy_from_user(m->proc.mm, &set, a[1], sizeof(set)))
		return -EFAULT;
	if (a[1]) {
		const uint64_t unblockable =
			(1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1));
		switch (how) {
		case SIG_BLOCK:
			m->proc.sigmask |= set;
			break;
		case SIG_UNBLOCK:
			m->proc.sigmask &= ~set;
			break;
		case SIG_SETMASK:
			m->proc.sigmask = set;
			break;
		default:
			return -EINVAL;
		}
		m->proc.sigmask &= ~unblockable;
	}
	if (a[2] && copy_to_user(m->proc.mm, a[2], &old, sizeof(old)))
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
		old = {m->proc.altstack.sp,
		       m->proc.altstack.size ? 0 : GUEST_SS_DISABLE, 0,
		       m->proc.altstack.size};
	if (a[0] && copy_from_user(m->proc.mm, &new, a[0], sizeof(new)))
		return -EFAULT;
	if (a[0]) {
		int mode = (int)((uint32_t) new.flags & ~GUEST_SS_AUTODISARM);
		if (mode != GUEST_SS_DISABLE && mode != GUEST_SS_ONSTACK &&
		    mode != 0)
			return -EINVAL;
		if (mode == GUEST_SS_DISABLE) {
			m->proc.altstack.sp = m->proc.altstack.size = 0;
		} else {
			if (new.size < GUEST_MINSIGSTKSZ)
				return -ENOMEM;
			m->proc.altstack.sp = new.sp;
			m->proc.altstack.size = new.size;
		}
	}
	if (a[1] && copy_to_user(m->proc.mm, a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

static int64_t send_self(struct memu *m, uint64_t sig, int code)
{
	return sig > 64 ? -EINVAL : send_sig_self(m, (int)sig, code);
}

int64_t sys_kill(struct memu *m, const uint64_t *a)
{
	int64_t pid = (int32_t)a[0];
	if (pid != GUEST_PID && pid != 0 && pid != -1)
		return -ESRCH;
	return send_self(m, a[1], SI_USER);
}

int64_t sys_tkill(struct memu *m, const uint64_t *a)
{
	if ((int32_t)a[0] <= 0)
		return -EINVAL;
	return a[0] == GUEST_PID ? send_self(m, a[1], SI_TKILL) : -ESRCH;
}

int64_t sys_tgkill(struct memu *m, const uint64_t *a)
{
	if ((int32_t)a[0] <= 0 || (int32_t)a[1] <= 0)
		return -EINVAL;
	return a[0] == GUEST_PID && a[1] == GUEST_PID
		       ? send_self(m, a[2], SI_TKILL)
		       : -ESRCH;
}

int64_t sys_set_robust_list(struct memu *m, const uint64_t *a)
{
	(void)m;
	return a[1] == 24 ? 0 : -EINVAL;
}

int64_t sys_getrusage(struct memu *m, const uint64_t *a)
{
	int64_t who = (int32_t)a[0];
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN &&
	    who != RUSAGE_THREAD)
		return -EINVAL;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	if (who != RUSAGE_CHILDREN) {
		ru.ru_utime.tv_sec = (time_t)(m->clock.ns / 1000000000ULL);
		ru.ru_utime.tv_usec =
			(suseconds_t)(m->clock.ns / 1000 % 1000000);
		ru.ru_minflt = (long)m->mmu.events.minflt;
		struct mm *mm = m->proc.mm;
		ru.ru_maxrss =
			(long)((mm->rss_anon + mm->rss_file + mm->rss_shmem) *
			       4);
	}
	return copy_to_user(m->proc.mm, a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}

int64_t sys_sched_getaffinity(struct memu *m, const uint64_t *a)
{
	if (a[0] != 0 && a[0] != GUEST_PID)
		return -ESRCH;
	if (a[1] < 8 || (a[1] & 7))
		return -EINVAL;
	uint64_t mask = 1; /* one CPU */
	return copy_to_user(m->proc.mm, a[2], &mask, sizeof(mask)) ? -EFAULT
								   : 8;
}

int64_t sys_futex(struct memu *m, const uint64_t *a)
{
	int op = (int)(a[1] & 0x7f);
	uint32_t val;
	/* get_futex_key: the word must be aligned. */
	if ((op == 0 || op == 1 || op == 9 || op == 10) && (a[0] & 3))
		return -EINVAL;
	switch (op) {
	case 0: /* FUTEX_WAIT: one thread, nobody could wake it */
	case 9: /* FUTEX_WAIT_BITSET */
		if (copy_from_user(m->proc.mm, &val, a[0], sizeof(val)))
			return -EFAULT;
		return val != (uint32_t)a[2] ? -EAGAIN : -ETIMEDOUT;
	case 1: /* FUTEX_WAKE */
	case 10:
		return 0;
	default:
		return -ENOSYS;
	}
}
