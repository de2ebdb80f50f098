/* Resource usage per task and process (Linux kernel/sys.c getrusage,
 * the counters of task_struct and signal_struct; docs/processes.md,
 * "Resource usage").  The memory system counts faults for the machine;
 * at every switch (sched_account) the faults and the virtual-clock time
 * since the last one go to the task that ran.  A task that leaves the
 * table hands its counts to its process's "dead" sums; a child reaped
 * by wait hands its process's whole (and its reaped children's) to the
 * parent's "children" sums.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define RUSAGE_BOTH_ (-2) /* wait4's: the child's own and its children's */

void usage_account(struct memu *m)
{
	const struct events *ev = &m->mmu.events;
	struct task_usage *u = &m->proc->usage;
	/* The counters restart at the guest's first instruction
	 * (events_reset_counters): a base past them starts again. */
	if (m->usage_base[0] > ev->minflt || m->usage_base[1] > ev->majflt)
		m->usage_base[0] = m->usage_base[1] = 0;
	u->min_flt += ev->minflt - m->usage_base[0];
	u->maj_flt += ev->majflt - m->usage_base[1];
	/* The clock's time since the last switch: the kernel's share
	 * (syscalls, faults) is system time, the rest user time. */
	uint64_t all = m->clock.ns - m->usage_base[2];
	uint64_t sys = m->clock.sys_ns - m->usage_base[3];
	sys = sys < all ? sys : all; /* the clock saturated at the end */
	u->stime_ns += sys;
	u->utime_ns += all - sys;
	m->usage_base[0] = ev->minflt;
	m->usage_base[1] = ev->majflt;
	m->usage_base[2] = m->clock.ns;
	m->usage_base[3] = m->clock.sys_ns;
}

void usage_account_to(struct memu *m, struct process *t)
{
	struct process *cur = m->proc;
	m->proc = t; /* its counters: data only */
	usage_account(m);
	m->proc = cur;
}

void usage_idle(struct memu *m)
{
	m->usage_base[2] = m->clock.ns;
	m->usage_base[3] = m->clock.sys_ns;
}

void usage_sleep(struct memu *m)
{
	usage_account(m);
	m->proc->usage.nvcsw++;
}

void usage_switch(struct memu *m, struct process *prev)
{
	(void)m;
	/* Linux __schedule: a task that leaves the CPU running (its slice
	 * ended, sched_yield) was preempted; one that blocks, stops or
	 * exits gave it up.  A task released as it exits (a thread, a
	 * child nobody waits for) was counted out before its last
	 * switch. */
	if (prev->state == TASK_ZOMBIE && prev->exit_signal == -1)
		return;
	if (prev->state == TASK_RUNNING && !task_stopped(prev))
		prev->usage.nivcsw++;
	else
		prev->usage.nvcsw++;
}

static void add(struct task_usage *to, const struct task_usage *u)
{
	to->min_flt += u->min_flt;
	to->maj_flt += u->maj_flt;
	to->utime_ns += u->utime_ns;
	to->stime_ns += u->stime_ns;
	to->nvcsw += u->nvcsw;
	to->nivcsw += u->nivcsw;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Linux get_mm_hiwater_rss over the tasks of p's process: the peak the
 * calls noted, or the RSS now. */
static uint64_t hiwater_rss(struct memu *m, const struct process *p)
{
	const struct mm *mm = p->group_leader->mm ? p->group_leader->mm : p->mm;
	uint64_t rss = mm ? mm->rss_anon + mm->rss_file + mm->rss_shmem : 0;
	for (unsigned i = 0; i < m->ntasks; i++)
		if (same_thread_group(m->tasks[i], p))
			rss = max_u64(rss, m->tasks[i]->task.hiwater_rss);
	return rss;
}

void usage_task_gone(struct memu *m, struct process *t)
{
	(void)m;
	add(&t->signal->dead, &t->usage);
	memset(&t->usage, 0, sizeof(t->usage));
}

/* getrusage(who) of p's process, maxrss in pages. */
static void usage_of(struct memu *m, struct process *p, int who,
		     struct task_usage *u)
{
	const struct signal_struct *sig = p->signal;
	memset(u, 0, sizeof(*u));
	if (who == RUSAGE_CHILDREN || who == RUSAGE_BOTH_) {
		add(u, &sig->children);
		u->maxrss = sig->children.maxrss;
	}
	if (who == RUSAGE_THREAD) {
		add(u, &p->usage);
		u->maxrss = sig->dead.maxrss;
	} else if (who != RUSAGE_CHILDREN) {
		add(u, &sig->dead);
		for (unsigned i = 0; i < m->ntasks; i++)
			if (same_thread_group(m->tasks[i], p))
				add(u, &m->tasks[i]->usage);
		u->maxrss = max_u64(u->maxrss, sig->dead.maxrss);
	}
	if (who != RUSAGE_CHILDREN && p->mm)
		u->maxrss = max_u64(u->maxrss, hiwater_rss(m, p));
}

#define NSEC_PER_TICK 10000000ULL /* 1 s / USER_HZ */

void usage_sigchld(struct memu *m, struct process *p,
		   struct guest_siginfo *info)
{
	if (same_thread_group(m->proc, p))
		usage_account(m);
	struct task_usage u;
	usage_of(m, p, RUSAGE_SELF, &u);
	/* si_utime, si_stime: clock_t at 32 and 40 (Linux nsec_to_clock_t) */
	uint64_t ticks[2] = {u.utime_ns / NSEC_PER_TICK,
			     u.stime_ns / NSEC_PER_TICK};
	memcpy(&info->u.fields[16], ticks, sizeof(ticks));
}

static void to_rusage(const struct task_usage *u, struct rusage *ru)
{
	memset(ru, 0, sizeof(*ru));
	ru->ru_utime.tv_sec = (time_t)(u->utime_ns / 1000000000ULL);
	ru->ru_utime.tv_usec = (suseconds_t)(u->utime_ns / 1000 % 1000000);
	ru->ru_stime.tv_sec = (time_t)(u->stime_ns / 1000000000ULL);
	ru->ru_stime.tv_usec = (suseconds_t)(u->stime_ns / 1000 % 1000000);
	ru->ru_maxrss = (long)(u->maxrss * (PAGE_SIZE / 1024));
	ru->ru_minflt = (long)u->min_flt;
	ru->ru_majflt = (long)u->maj_flt;
	ru->ru_nvcsw = (long)u->nvcsw;
	ru->ru_nivcsw = (long)u->nivcsw;
}

int64_t sys_getrusage(struct memu *m, const uint64_t *a)
{
	int who = (int32_t)a[0];
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN &&
	    who != RUSAGE_THREAD)
		return -EINVAL;
	usage_account(m);
	struct task_usage u;
	usage_of(m, m->proc, who, &u);
	struct rusage ru;
	to_rusage(&u, &ru);
	return copy_to_user(m->proc->mm, a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}

void usage_exit(struct memu *m)
{
	struct process *p = m->proc;
	p->signal->dead.maxrss =
		max_u64(p->signal->dead.maxrss, hiwater_rss(m, p));
}

void usage_reap(struct memu *m, struct process *p, struct process *c)
{
	struct task_usage u;
	usage_of(m, c, RUSAGE_BOTH_, &u);
	struct signal_struct *psig = p->signal;
	add(&psig->children, &u);
	/* wait_task_zombie: the child's peak and its children's. */
	psig->children.maxrss = max_u64(psig->children.maxrss, u.maxrss);
}

void usage_child(struct memu *m, struct process *c, void *ru)
{
	_Static_assert(sizeof(struct rusage) == GUEST_RUSAGE_SIZE,
		       "struct rusage is x86-64 Linux's");
	struct task_usage u;
	usage_of(m, c, RUSAGE_BOTH_, &u);
	to_rusage(&u, ru);
}

void usage_refresh(struct memu *m, struct process *p, struct proc_task *t)
{
	if (p == m->proc)
		usage_account(m);
	struct task_usage u, c;
	usage_of(m, p, RUSAGE_SELF, &u);
	usage_of(m, p, RUSAGE_CHILDREN, &c);
	t->min_flt = u.min_flt;
	t->maj_flt = u.maj_flt;
	t->utime_ns = u.utime_ns;
	t->stime_ns = u.stime_ns;
	t->cmin_flt = c.min_flt;
	t->cmaj_flt = c.maj_flt;
	t->cutime_ns = c.utime_ns;
	t->cstime_ns = c.stime_ns;
	t->own_min_flt = p->usage.min_flt;
	t->own_maj_flt = p->usage.maj_flt;
	t->own_utime_ns = p->usage.utime_ns;
	t->own_stime_ns = p->usage.stime_ns;
	t->nvcsw = p->usage.nvcsw; /* the task's own, as status shows */
	t->nivcsw = p->usage.nivcsw;
}
