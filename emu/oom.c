/* The OOM killer's choice (Linux mm/oom_kill.c; docs/reclaim.md, "The
 * OOM killer"): when no frame is left after reclaim, the process with
 * the highest badness - RSS, swap entries and page-table pages, plus
 * oom_score_adj thousandths of RAM and swap - is killed with SIGKILL and
 * its private memory freed at once (the OOM reaper), so that the
 * allocation that found no frame is tried again.  pid 1 is never chosen
 * (oom_unkillable_task), nor a process with oom_score_adj -1000; with
 * nobody to choose, the process that allocates dies, as memu has always
 * done.  The victim dies the next time it would run (sched.c).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "../mmu/vmscan.h"
#include "machine.h"

/* Linux oom_badness: LONG_MIN for a process that is never chosen. */
static long badness(struct memu *m, const struct process *p)
{
	if (p->task.pid == GUEST_PID || !p->mm)
		return LONG_MIN; /* init, or a process that has exited */
	long adj = p->signal->oom_score_adj;
	if (adj == OOM_SCORE_ADJ_MIN || p->signal->oom_victim)
		return LONG_MIN;
	long total = (long)oom_totalpages(&m->mmu);
	return (long)oom_badness(p->mm) + adj * (total / 1000);
}

uint64_t oom_score(struct memu *m, const struct process *t)
{
	long b = badness(m, t->group_leader);
	long total = (long)oom_totalpages(&m->mmu);
	if (b == LONG_MIN)
		return 0;
	long points = (1000 + b * 1000 / total) * 2 / 3;
	return points < 0 ? 0 : (uint64_t)points;
}

/* Linux select_bad_process: the processes in the order they were made;
 * a tie goes to the later one (oom_evaluate_task skips only a lower
 * score). */
static struct process *select_bad_process(struct memu *m, long *points)
{
	struct process *chosen = NULL;
	*points = LONG_MIN;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *p = m->tasks[i];
		if (p != p->group_leader)
			continue;
		long b = badness(m, p);
		if (b == LONG_MIN || b < *points)
			continue;
		chosen = p;
		*points = b;
	}
	return chosen;
}

/* The death line's words for victim v. */
static void oom_words(const struct process *v, long points, char *buf,
		      size_t size)
{
	struct mm *mm = v->mm;
	snprintf(buf, size,
		 "killed by the OOM killer (out of memory: pid %d, badness "
		 "%ld, oom_score_adj %d, rss %llu, swap %llu, page tables "
		 "%llu pages)",
		 v->task.pid, points, v->signal->oom_score_adj,
		 (unsigned long long)(mm->rss_anon + mm->rss_file +
				      mm->rss_shmem),
		 (unsigned long long)mm->swap_ents,
		 (unsigned long long)pt_table_pages(mm));
}

/* mmu->out_of_memory (mmu.h). */
static bool out_of_memory(struct mmu *mmu, struct mm *mm)
{
	struct memu *m =
		(struct memu *)((char *)mmu - offsetof(struct memu, mmu));
	long points;
	struct process *v = select_bad_process(m, &points);
	if (!v || v->mm == mm) {
		/* The allocating process itself: it dies as its fault or
		 * call ends (its words, for the death line). */
		struct process *self = m->proc->group_leader;
		if (!v)
			points = (long)oom_badness(mm) +
				 self->signal->oom_score_adj *
					 ((long)oom_totalpages(mmu) / 1000);
		oom_words(self, points, mmu->oom_reason,
			  sizeof(mmu->oom_reason));
		return false;
	}
	struct signal_struct *sig = v->signal;
	oom_words(v, points, sig->oom_reason, sizeof(sig->oom_reason));
	sig->oom_victim = true;
	/* SIGKILL from the kernel (SEND_SIG_PRIV) to the whole process,
	 * which wakes it; its memory goes now. */
	send_sig_to(m, v, SIGKILL, SI_KERNEL);
	oom_reap(v->mm);
	return true;
}

void oom_init(struct memu *m)
{
	m->mmu.out_of_memory = out_of_memory;
}

bool oom_victim_dies(struct memu *m)
{
	struct signal_struct *sig = m->proc->signal;
	if (!sig->oom_victim || m->proc->state == TASK_ZOMBIE)
		return false;
	snprintf(m->mmu.oom_reason, sizeof(m->mmu.oom_reason), "%s",
		 sig->oom_reason);
	force_sig(m, SIGKILL, SI_KERNEL, 0, 0, m->mmu.oom_reason);
	return true;
}

/* /proc/PID/oom_score_adj's write (Linux __set_oom_adj): the process's,
 * shared by its threads and inherited by its children. */
static int set_oom_score_adj(struct proc_task *t, int adj)
{
	struct process *p =
		(struct process *)((char *)t - offsetof(struct process, task));
	if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX)
		return -EINVAL;
	p->signal->oom_score_adj = adj;
	return 0;
}

void oom_task_init(struct proc_task *t)
{
	t->set_oom_score_adj = set_oom_score_adj;
}
