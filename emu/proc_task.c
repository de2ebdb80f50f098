/* The process as /proc shows it (devices/proc_task.h): identity and
 * exec's layout set once, signals, fault counters and times brought up
 * to date when a /proc file asks, and the peaks of the address space
 * noted before every syscall (docs/memory.md, "/proc").
 */
#include <stdio.h>
#include <string.h>

#include "../devices/proc_mm.h"
#include "machine.h"

#define DEFAULT_UMASK	  0022
#define RLIMIT_SIGPENDING 1024 /* as getrlimit reports it (sys_proc.c) */
#define RLIM_INFINITY_	  (~0ULL)
#define SI_TKILL_	  (-6)

static void refresh(struct proc_task *t)
{
	struct memu *m = t->owner;
	const struct process *p = &m->proc;
	t->sig_private = t->sig_shared = 0;
	t->sig_ignored = t->sig_caught = 0;
	for (int sig = 1; sig <= 64; sig++) {
		uint64_t bit = SIGBIT(sig);
		/* tkill and tgkill queue for the thread; kill and the timer
		 * for the process (Linux's shared pending set). */
		if (p->pending & bit) {
			if (p->pending_info[sig].code == SI_TKILL_)
				t->sig_private |= bit;
			else
				t->sig_shared |= bit;
		}
		uint64_t h = p->sigactions[sig].handler;
		if (h == GUEST_SIG_IGN)
			t->sig_ignored |= bit;
		else if (h != GUEST_SIG_DFL)
			t->sig_caught |= bit;
	}
	t->sig_blocked = p->sigmask;
	t->min_flt = m->mmu.events.minflt;
	t->maj_flt = 0;
	/* the virtual clock, as getrusage reports it */
	t->utime_ns = m->clock.ns;
	t->stime_ns = 0;
}

void proc_task_init(struct memu *m)
{
	struct proc_task *t = &m->proc.task;
	t->refresh = refresh;
	t->owner = m;
	t->pid = t->pgid = t->sid = GUEST_PID;
	t->ppid = 0;
	t->umask = DEFAULT_UMASK;
	t->max_fds = PROC_FDS;
	t->rlim_sigpending = RLIMIT_SIGPENDING;
	t->rlim_rss = RLIM_INFINITY_;
	t->start_ns = 0; /* the guest starts as the machine boots */
	m->devices.task = t;
}

void proc_task_exec(struct memu *m, const struct exec_image *img)
{
	struct proc_task *t = &m->proc.task;
	t->exe = m->proc.exe;
	snprintf(t->comm, sizeof(t->comm), "%s", m->proc.comm);
	t->start_code = img->start_code;
	t->end_code = img->end_code;
	t->start_data = img->start_data;
	t->end_data = img->end_data;
}

/* The calls that may unmap: Linux updates hiwater_vm and hiwater_rss
 * just before it lowers total_vm or the RSS, which only these do. */
static bool may_unmap(uint64_t nr)
{
	switch (nr) {
	case 9:	 /* mmap, over what is there */
	case 11: /* munmap */
	case 12: /* brk */
	case 25: /* mremap */
	case 28: /* madvise */
	case 77: /* ftruncate of a memfd */
		return true;
	default:
		return false;
	}
}

void proc_task_note_peaks(struct memu *m, uint64_t nr)
{
	if (!may_unmap(nr))
		return;
	struct proc_task *t = &m->proc.task;
	struct mm *mm = m->proc.mm;
	struct proc_vm vm;
	proc_vm_count(mm, &vm);
	if (vm.total > t->hiwater_vm)
		t->hiwater_vm = vm.total;
	/* the RSS counters the fault path keeps (a page walk per call
	 * would cost too much) */
	uint64_t rss = mm->rss_anon + mm->rss_file + mm->rss_shmem;
	if (rss > t->hiwater_rss)
		t->hiwater_rss = rss;
}
