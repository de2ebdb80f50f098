/* The process as /proc shows it (devices/proc_task.h): identity and
 * exec's layout set once, signals, fault counters and times brought up
 * to date when a /proc file asks, and the peaks of the address space
 * noted before every syscall (docs/memory.md, "/proc").
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../devices/proc_mm.h"
#include "machine.h"

#define DEFAULT_UMASK  0022
#define RLIM_INFINITY_ (~0ULL)

static void refresh(struct proc_task *t)
{
	struct memu *m = t->owner;
	/* The process that holds t (Linux container_of). */
	const struct process *p =
		(const struct process *)((const char *)t -
					 offsetof(struct process, task));
	/* tkill and tgkill queue for the thread; kill and the timer for
	 * the process (Linux's shared pending set). */
	t->sig_private = p->pending.signal;
	t->sig_shared = p->signal->shared_pending.signal;
	t->sig_queued = p->signal->sigqueued;
	t->rlim_sigpending = p->signal->rlim_sigpending[0];
	t->cap_inheritable = p->cap.inheritable;
	t->cap_permitted = p->cap.permitted;
	t->cap_effective = p->cap.effective;
	t->sig_ignored = t->sig_caught = 0;
	for (int sig = 1; sig <= 64; sig++) {
		uint64_t bit = SIGBIT(sig);
		uint64_t h = p->sighand->action[sig].handler;
		if (h == GUEST_SIG_IGN)
			t->sig_ignored |= bit;
		else if (h != GUEST_SIG_DFL)
			t->sig_caught |= bit;
	}
	t->sig_blocked = p->sigmask;
	/* the task among the others (docs/processes.md, "/proc") */
	const struct process *leader = p->group_leader;
	t->tgid = leader->task.pid;
	t->threads = 0;
	for (unsigned i = 0; i < m->ntasks; i++) {
		const struct process *o = m->tasks[i];
		/* a thread that has exited is gone (it reaps itself); a
		 * leader stays a zombie while its process lives */
		if (o->group_leader == leader &&
		    (o->state != TASK_ZOMBIE || o == leader))
			t->threads++;
	}
	t->state = p->state == TASK_ZOMBIE    ? 'Z'
		   : task_stopped(p)	      ? 'T'
		   : p->state == TASK_RUNNING ? 'R'
		   : p->vfork_wait	      ? 'D'
					      : 'S';
	t->exit_code = p->state == TASK_ZOMBIE ? p->exit_code : 0;
	t->mm = p->state == TASK_ZOMBIE ? NULL : p->mm;
	/* its descriptors, cwd and root: a zombie has none */
	bool live = p->state != TASK_ZOMBIE && p->files;
	t->fds = live ? p->files->fds : NULL;
	t->cloexec = live ? p->files->cloexec : NULL;
	t->nfds = live ? PROC_FDS : 0;
	t->cwd = live ? p->cwd : NULL;
	t->root = live ? m->fs.root : NULL;
	for (unsigned r = 0; r < PROC_RLIMITS; r++)
		task_rlimit(m, p, r, t->rlim[r]);
	/* its own counts, and its reaped children's (rusage.c) */
	usage_refresh(m, (struct process *)p, t);
	t->oom_score_adj = p->signal->oom_score_adj;
	t->oom_score = oom_score(m, p);
}

void proc_task_init(struct memu *m)
{
	struct proc_task *t = &m->proc->task;
	t->refresh = refresh;
	t->owner = m;
	t->pid = t->pgid = t->sid = m->proc->task.pid;
	t->ppid = 0;
	t->umask = DEFAULT_UMASK;
	t->max_fds = PROC_FDS;
	t->rlim_rss = RLIM_INFINITY_;
	t->start_ns = 0; /* the guest starts as the machine boots */
	oom_task_init(t);
	sigqueue_task_init(t);
	m->devices.task = t;
	m->fs.current = &m->devices.task;
	proc_pid_register(m, m->proc); /* out of memory: no /proc/1 */
}

void proc_task_exec(struct memu *m, const struct exec_image *img)
{
	struct proc_task *t = &m->proc->task;
	t->exe = m->proc->exe;
	snprintf(t->comm, sizeof(t->comm), "%s", m->proc->comm);
	t->start_code = img->start_code;
	t->end_code = img->end_code;
	t->start_data = img->start_data;
	t->end_data = img->end_data;
}

/* ---- the peaks (VmPeak, VmHWM)
 *
 * Linux notes hiwater_vm and hiwater_rss just before it lowers total_vm
 * or the RSS, which only these calls do: mmap (over what is there),
 * munmap, brk, mremap, madvise and ftruncate.  The RSS comes from the
 * counters the fault path keeps.  total_vm is kept here, from each call's
 * arguments and result, so that no call walks every VMA: it is counted
 * afresh only after a call that failed, an mremap, or stack growth.
 */

#define SYS_MMAP     9
#define SYS_MUNMAP   11
#define SYS_BRK	     12
#define SYS_MREMAP   25
#define SYS_MADVISE  28
#define SYS_TRUNCATE 77
#define MAP_FIXED_   0x10
#define MAP_NOREPL_  0x100000

/* Pages of VMAs inside [start, start + len). */
static uint64_t mapped_in(struct mm *mm, uint64_t start, uint64_t len)
{
	uint64_t end = start + len, pages = 0;
	if (end < start)
		return 0;
	for (struct vma *v = vma_find(&mm->vmas, start); v && v->start < end;
	     v = vma_next(&mm->vmas, v)) {
		uint64_t lo = v->start > start ? v->start : start;
		uint64_t hi = v->end < end ? v->end : end;
		pages += (hi - lo) >> PAGE_SHIFT;
	}
	return pages;
}

static void note_vm(struct proc_task *t, uint64_t pages)
{
	if (pages > t->hiwater_vm)
		t->hiwater_vm = pages;
}

static bool may_lower(uint64_t nr)
{
	return nr == SYS_MMAP || nr == SYS_MUNMAP || nr == SYS_BRK ||
	       nr == SYS_MREMAP || nr == SYS_MADVISE || nr == SYS_TRUNCATE;
}

void proc_task_before_call(struct memu *m, uint64_t nr, const uint64_t *a)
{
	struct process *p = m->proc;
	struct mm *mm = p->mm;
	struct proc_task *t = &p->task;
	if (!may_lower(nr))
		return;
	uint64_t rss = mm->rss_anon + mm->rss_file + mm->rss_shmem;
	if (rss > t->hiwater_rss)
		t->hiwater_rss = rss;
	uint64_t grows = m->mmu.events.faults[FAULT_STACK_GROW];
	if (!p->vm.valid || p->vm.stack_grows != grows) {
		struct proc_vm vm;
		proc_vm_count(mm, &vm);
		p->vm.total = vm.total;
		p->vm.stack_grows = grows;
		p->vm.valid = true;
	}
	p->vm.inside = 0;
	switch (nr) {
	case SYS_MMAP:
		if (a[3] & (MAP_FIXED_ | MAP_NOREPL_))
			p->vm.inside = mapped_in(mm, a[0], PAGE_ALIGN(a[1]));
		break;
	case SYS_MUNMAP:
		p->vm.inside = mapped_in(mm, a[0], PAGE_ALIGN(a[1]));
		break;
	case SYS_BRK:
		if (a[0] >= mm->start_brk &&
		    PAGE_ALIGN(a[0]) < PAGE_ALIGN(mm->brk))
			p->vm.inside = mapped_in(mm, PAGE_ALIGN(a[0]),
						 PAGE_ALIGN(mm->brk) -
							 PAGE_ALIGN(a[0]));
		p->vm.old_brk = mm->brk;
		break;
	case SYS_MREMAP:
		/* a shrink unmaps the tail, MREMAP_FIXED what is at the
		 * target; a move unmaps the old range without noting (Linux
		 * move_vma puts hiwater_vm back) */
		note_vm(t, p->vm.total);
		break;
	default:
		break;
	}
	if (p->vm.inside)
		note_vm(t, p->vm.total);
}

void proc_task_after_call(struct memu *m, uint64_t nr, const uint64_t *a,
			  int64_t ret)
{
	struct process *p = m->proc;
	if (!may_lower(nr) || !p->vm.valid)
		return;
	switch (nr) {
	case SYS_MMAP:
		if (ret < 0 || (uint64_t)ret >= TASK_SIZE)
			p->vm.valid = false; /* it may have unmapped first */
		else
			p->vm.total +=
				(PAGE_ALIGN(a[1]) >> PAGE_SHIFT) - p->vm.inside;
		break;
	case SYS_MUNMAP:
		if (ret || p->vm.inside > p->vm.total)
			p->vm.valid = false;
		else
			p->vm.total -= p->vm.inside;
		break;
	case SYS_BRK: {
		uint64_t before = PAGE_ALIGN(p->vm.old_brk);
		uint64_t after = PAGE_ALIGN(p->mm->brk);
		if (after > before)
			p->vm.total += (after - before) >> PAGE_SHIFT;
		else if (after < before && p->vm.inside <= p->vm.total)
			p->vm.total -= p->vm.inside;
		else if (after < before)
			p->vm.valid = false;
		break;
	}
	case SYS_MREMAP:
		p->vm.valid = false;
		break;
	default:
		break;
	}
}
