/* Hardware memory errors as the guest sees them (docs/inject.md,
 * "Primitives"): madvise(MADV_HWPOISON) and madvise(MADV_SOFT_OFFLINE)
 * (Linux's madvise_inject_error), prctl(PR_MCE_KILL), the early kill
 * (SIGBUS BUS_MCEERR_AO when the page is poisoned), and the library's
 * memu_poison_pfn(), memu_soft_offline_pfn() and
 * memu_set_memory_failure_early_kill().  What happens to the frame is
 * mmu/memory_failure.c's; the late kill (BUS_MCEERR_AR at the access) is
 * the fault path's.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "../mmu/fault.h"
#include "../mmu/memory_failure.h"
#include "../mmu/pagetable.h"
#include "machine.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#define MADV_SOFT_OFFLINE   101
#define PR_MCE_KILL_CLEAR   0
#define PR_MCE_KILL_SET	    1
#define PR_MCE_KILL_LATE    0
#define PR_MCE_KILL_EARLY   1
#define PR_MCE_KILL_DEFAULT 2

/* Linux find_early_kill_thread: the process's own choice
 * (PF_MCE_PROCESS), else the sysctl. */
static bool early_kill(const struct memu *m)
{
	return m->proc->mce_process ? m->proc->mce_early
				    : m->memory_failure_early_kill;
}

/* kill_procs for a dirty page: send_sig_mceerr(BUS_MCEERR_AO), not
 * forced (a blocked SIGBUS waits, an ignored one is dropped), to the
 * thread. */
static void kill_early(struct memu *m, const struct mf_victim *v)
{
	if (v->mm != m->proc->mm || !v->mm || !early_kill(m))
		return;
	struct guest_siginfo info;
	memset(&info, 0, sizeof(info));
	info.signo = SIGBUS;
	info.code = BUS_MCEERR_AO;
	info.u.mce.addr = v->va;
	info.u.mce.addr_lsb = PAGE_SHIFT;
	send_signal(m, SIGBUS, &info, true);
}

static void report(struct memu *m, enum inject_what k, uint64_t pfn, int ret,
		   uint64_t d)
{
	/* value: the result, or soft offline's new frame */
	struct event e = {EV_INJECT, m->mmu.events.inject_spec, k, pfn,
			  ret || !d ? (uint64_t)(int64_t)ret : d};
	event_emit(&m->mmu.events, &e);
}

static int poison(struct memu *m, uint64_t pfn)
{
	struct mf_victim v;
	int ret = memory_failure(&m->mmu, m->proc->mm, pfn, &v);
	report(m, INJECT_HWPOISON, pfn, ret, 0);
	kill_early(m, &v);
	return ret;
}

static int offline(struct memu *m, uint64_t pfn)
{
	int ret = soft_offline_page(&m->mmu, m->proc->mm, pfn);
	report(m, INJECT_SOFT_OFFLINE, pfn, ret, 0);
	return ret;
}

/* get_user_pages_fast(start, 1, 0, &page): the frame a read of va finds,
 * faulting it in (a read of untouched anonymous memory finds the zero
 * frame).  0, or gup's errno. */
static int gup_one(struct memu *m, uint64_t va, uint64_t *pfn)
{
	struct mm *mm = m->proc->mm;
	/* check_vma_flags, before any fault: a read needs VM_READ; no I/O
	 * or PFN maps. */
	struct vma *v = vma_lookup(&mm->vmas, va);
	if (v && ((v->flags & (VM_IO | VM_PFNMAP)) || !(v->flags & VM_READ)))
		return -EFAULT;
	struct pt_entry e;
	if (!pt_lookup(mm, va, &e)) {
		/* No VMA (or a stack to grow) is the fault handler's. */
		struct fault_outcome out;
		handle_mm_fault(mm, va, 0, &out);
		if (out.oom_retry || out.sig == SIGKILL)
			return -ENOMEM;
		if (out.sig)
			return -EFAULT; /* no FOLL_HWPOISON: EFAULT for it too
					 */
		if (!pt_lookup(mm, va, &e))
			return -EFAULT;
	}
	*pfn = e.pfn;
	return 0;
}

int64_t madvise_inject_error(struct memu *m, uint64_t start, uint64_t len,
			     int advice)
{
	/* do_madvise's checks, then madvise_inject_error; the guest is
	 * root, so CAP_SYS_ADMIN holds (no EPERM). */
	if (start & ~PAGE_MASK)
		return -EINVAL;
	uint64_t aligned = PAGE_ALIGN(len);
	if (len && !aligned)
		return -EINVAL;
	if (start + aligned < start)
		return -EINVAL;
	if (!aligned)
		return 0;
	/* Linux loops to start + len_in, not the aligned end. */
	for (uint64_t va = start; va < start + len; va += PAGE_SIZE) {
		uint64_t pfn = 0;
		int ret = gup_one(m, va, &pfn);
		if (ret)
			return ret;
		ret = advice == MADV_SOFT_OFFLINE ? offline(m, pfn)
						  : poison(m, pfn);
		if (ret)
			return ret;
	}
	return 0;
}

int64_t prctl_mce_kill(struct memu *m, const uint64_t *a)
{
	if (a[3] | a[4])
		return -EINVAL;
	switch (a[1]) {
	case PR_MCE_KILL_CLEAR:
		if (a[2])
			return -EINVAL;
		m->proc->mce_process = false;
		return 0;
	case PR_MCE_KILL_SET:
		/* Linux sets PF_MCE_PROCESS before it looks at arg3, so a
		 * bad arg3 is EINVAL with the flag set. */
		m->proc->mce_process = true;
		if (a[2] == PR_MCE_KILL_EARLY)
			m->proc->mce_early = true;
		else if (a[2] == PR_MCE_KILL_LATE)
			m->proc->mce_early = false;
		else if (a[2] == PR_MCE_KILL_DEFAULT)
			m->proc->mce_process = m->proc->mce_early = false;
		else
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

int64_t prctl_mce_kill_get(struct memu *m, const uint64_t *a)
{
	if (a[1] | a[2] | a[3] | a[4])
		return -EINVAL;
	if (!m->proc->mce_process)
		return PR_MCE_KILL_DEFAULT;
	return m->proc->mce_early ? PR_MCE_KILL_EARLY : PR_MCE_KILL_LATE;
}

/* ---- the library (include/memu.h) */

int memu_poison_pfn(struct memu *m, uint64_t pfn)
{
	int ret = poison(m, pfn);
	/* An early kill sent now is taken as the guest resumes. */
	if (signal_pending(m))
		m->signal_on_resume = true;
	return ret;
}

int memu_soft_offline_pfn(struct memu *m, uint64_t pfn)
{
	return offline(m, pfn);
}

void memu_set_memory_failure_early_kill(struct memu *m, bool early)
{
	m->memory_failure_early_kill = early;
}

bool memu_pfn_hwpoison(struct memu *m, uint64_t pfn)
{
	return frame_hwpoison(&m->mmu, pfn);
}
