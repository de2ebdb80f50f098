/* The task table and the scheduler (docs/processes.md).
 *
 * One task runs at a time: the current one, m->proc.  The others keep
 * their CPU registers in a uc_context (registers only: memory is the
 * machine's, each task's address space its own page tables).  A task
 * gives the CPU up when it blocks (its call is rewound and runs again
 * when it is woken), exits, or has run SCHED_SLICE_BLOCKS translated
 * blocks of user code while another task could run.  The next task is
 * the next runnable one in table order (round robin); with none, the
 * virtual clock jumps to the earliest wake-up (a sleep's end, an
 * ITIMER_REAL), and with nothing to wait for the machine stops: a
 * deadlock.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mmu/tlb.h"
#include "../mmu/uaccess.h"
#include "gdbstub.h"
#include "machine.h"
#include "syscall.h"

struct process *task_alloc(struct memu *m)
{
	if (m->ntasks == m->tasks_cap) {
		unsigned cap = m->tasks_cap ? 2 * m->tasks_cap : 16;
		struct process **t = realloc(m->tasks, cap * sizeof(*t));
		if (!t)
			return NULL;
		m->tasks = t;
		m->tasks_cap = cap;
	}
	struct process *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (task_shared_alloc(p) || uc_context_alloc(m->uc, &p->ctx)) {
		task_shared_put(p);
		free(p);
		return NULL;
	}
	p->group_leader = p;
	/* Linux alloc_pid: the next number after the last one, wrapping
	 * to 300 past PID_MAX, skipping those in use. */
	int pid = m->last_pid;
	do
		pid = pid + 1 >= PID_MAX ? 300 : pid + 1;
	while (find_task(m, pid));
	m->last_pid = pid;
	p->task.pid = pid;
	p->exit_signal = SIGCHLD;
	m->tasks[m->ntasks++] = p;
	return p;
}

/* Keep p's counts for --stats and memu_cow_counts. */
static void task_record(struct memu *m, const struct process *p)
{
	if (m->nrecords == m->records_cap) {
		unsigned cap = m->records_cap ? 2 * m->records_cap : 16;
		struct task_record *r = realloc(m->records, cap * sizeof(*r));
		if (!r)
			return;
		m->records = r;
		m->records_cap = cap;
	}
	m->records[m->nrecords++] =
		(struct task_record){p->task.pid, p->cow_copies, p->cow_reuses};
}

void task_free(struct memu *m, struct process *p)
{
	if (p == m->proc && m->ntasks > 0)
		sched_account(m);
	proc_pid_unregister(m, p);
	task_record(m, p);
	for (unsigned i = 0; i < m->ntasks; i++)
		if (m->tasks[i] == p) {
			memmove(&m->tasks[i], &m->tasks[i + 1],
				(m->ntasks - i - 1) * sizeof(p));
			m->ntasks--;
			break;
		}
	for (unsigned i = 0; i < m->ntasks; i++)
		if (m->tasks[i]->vfork_parent == p)
			m->tasks[i]->vfork_parent = NULL;
	for (unsigned i = 0; i < m->ntasks; i++)
		if (m->tasks[i]->group_leader == p)
			m->tasks[i]->group_leader = m->tasks[i];
	if (p->ctx)
		uc_context_free(p->ctx);
	usage_task_gone(m, p);
	task_shared_put(p);
	free(p->exe);
	free(p);
}

struct process *find_task(struct memu *m, int pid)
{
	for (unsigned i = 0; i < m->ntasks; i++)
		if (m->tasks[i]->task.pid == pid)
			return m->tasks[i];
	return NULL;
}

bool sched_multi(const struct memu *m)
{
	unsigned live = 0;
	for (unsigned i = 0; i < m->ntasks && live < 2; i++)
		live += m->tasks[i]->state != TASK_ZOMBIE;
	return live > 1;
}

void sched_account(struct memu *m)
{
	const struct events *ev = &m->mmu.events;
	m->proc->cow_copies += ev->faults[FAULT_COW] - m->cow_base[0];
	m->proc->cow_reuses += ev->faults[FAULT_WP_REUSE] - m->cow_base[1];
	m->cow_base[0] = ev->faults[FAULT_COW];
	m->cow_base[1] = ev->faults[FAULT_WP_REUSE];
	usage_account(m);
}

void switch_to(struct memu *m, struct process *next)
{
	struct process *prev = m->proc;
	next->run_blocks = 0;
	if (prev == next)
		return;
	sched_account(m);
	if (prev->state != TASK_ZOMBIE)
		uc_context_save(m->uc, prev->ctx);
	m->proc = next;
	uc_context_restore(m->uc, next->ctx);
	if (prev->mm != next->mm) {
		/* Threads of one process share the address space: no CR3
		 * write, no flush (docs/processes.md, "Threads"). */
		uint64_t cr3 = pt_root(next->mm);
		uc_reg_write(m->uc, UC_X86_REG_CR3, &cr3);
		tlb_switch_mm(&m->mmu);
	}
	m->devices.mm = next->mm;
	m->devices.task = &next->task;
	next->run_blocks = 0;
	m->switches++;
}

void wake_task(struct process *p)
{
	if (p->state != TASK_BLOCKED)
		return;
	p->state = TASK_RUNNING;
	p->wait_child = false;
	p->wait_file = false;
	p->wake_at = 0;
	/* Its call was rewound and runs again; a vfork parent's is done. */
	p->woken = !p->vfork_wait;
	p->vfork_wait = false;
}

void wake_file_waiters(struct memu *m)
{
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *p = m->tasks[i];
		if (p->state == TASK_BLOCKED && p->wait_file)
			wake_task(p);
	}
}

void block_current(struct memu *m, const char *what, uint64_t wake_at)
{
	struct process *p = m->proc;
	p->state = TASK_BLOCKED;
	p->futex_waiting = false; /* futex.c sets it after */
	p->wait_what = what;
	p->wake_at = wake_at;
	p->woken = false;
	/* The mask of the wait itself (sigsuspend's, rt_sigtimedwait's
	 * set unblocked): the call may restore the caller's before it
	 * returns its restart code. */
	p->wake_mask = ~p->sigmask | SIGBIT(SIGKILL);
	m->resched = true;
	uc_emu_stop(m->uc);
}

/* Signals that end p's wait: any it does not block (the set its call
 * unblocked included: rt_sigtimedwait's, sigsuspend's), and SIGKILL. */
static uint64_t wake_set(const struct process *p)
{
	if (p->vfork_wait)
		return SIGBIT(SIGKILL); /* a vfork parent is killable only */
	return p->wake_mask;
}

static bool signal_wakes(const struct process *p)
{
	uint64_t pending = p->pending.signal | p->signal->shared_pending.signal;
	return (pending & wake_set(p)) != 0;
}

/* Does a signal pending for p's process end p's wait?  Linux's
 * complete_signal wakes one thread for it (docs/processes.md, "Signals
 * to threads"): none while a runnable thread of the process does not
 * block it (it takes it on its way back to user mode), else the first
 * blocked one in table order - the leader first - whose wait it ends. */
static bool shared_signal_wakes(const struct memu *m, const struct process *p)
{
	uint64_t pending = p->signal->shared_pending.signal & wake_set(p);
	for (int sig = 1; pending && sig <= 64; sig++) {
		uint64_t bit = SIGBIT(sig);
		if (!(pending & bit))
			continue;
		pending &= ~bit;
		const struct process *pick = NULL;
		bool taken = false;
		for (unsigned i = 0; i < m->ntasks && !taken; i++) {
			const struct process *t = m->tasks[i];
			if (!same_thread_group(t, p))
				continue;
			/* A runnable one takes it (complete_signal may have
			 * woken it: kill to a thread's tid). */
			taken = t->state == TASK_RUNNING && !(t->sigmask & bit);
			if (!pick && t->state == TASK_BLOCKED &&
			    (wake_set(t) & bit))
				pick = t;
		}
		if (!taken && pick == p)
			return true;
	}
	return false;
}

void signal_wake(struct process *p)
{
	if (p->state == TASK_BLOCKED && signal_wakes(p))
		wake_task(p);
}

/* A blocked task's ITIMER_REAL fires on the way (the clock passed it). */
static void task_timers(struct memu *m, struct process *p)
{
	if (!p->signal->itimer.expires ||
	    m->clock.ns < p->signal->itimer.expires)
		return;
	struct process *cur = m->proc;
	m->proc = p; /* run_timers queues to m->proc: data only, no CPU */
	run_timers(m);
	m->proc = cur;
}

/* What a blocked task waits for in time: its sleep's end, or a timer
 * whose SIGALRM would wake it; 0: nothing. */
static uint64_t wake_time(const struct process *p)
{
	if (task_stopped(p))
		return 0; /* waking would not make it run */
	uint64_t t = p->wake_at;
	uint64_t h = p->sighand->action[SIGALRM].handler;
	if (p->signal->itimer.expires && h != GUEST_SIG_IGN && !p->vfork_wait &&
	    (p->wake_mask & SIGBIT(SIGALRM)) &&
	    (!t || p->signal->itimer.expires < t))
		t = p->signal->itimer.expires;
	return t;
}

/* Wake the blocked tasks whose time has come or whose signal is here. */
static void wake_due(struct memu *m)
{
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *p = m->tasks[i];
		if (p->state != TASK_BLOCKED)
			continue;
		task_timers(m, p);
		if ((p->wake_at && m->clock.ns >= p->wake_at) ||
		    (p->pending.signal & wake_set(p)) ||
		    shared_signal_wakes(m, p)) {
			wake_task(p);
		}
	}
}

/* Runnable: not blocked, and not in a stopped process. */
static bool runnable(const struct process *p)
{
	return p->state == TASK_RUNNING && !task_stopped(p) && !p->gdb_held;
}

/* With --sched-seed, the next task is one of the runnable ones drawn
 * from the seeded generator, and its slice a length drawn from
 * [SCHED_SLICE_BLOCKS / 16, SCHED_SLICE_BLOCKS]: the same seed, the same
 * choices. */
static struct process *pick_seeded(struct memu *m)
{
	unsigned n = 0;
	for (unsigned i = 0; i < m->ntasks; i++)
		n += runnable(m->tasks[i]);
	if (!n)
		return NULL;
	unsigned k = (unsigned)(rng_next(&m->sched_rng) % n);
	uint64_t min = SCHED_SLICE_BLOCKS / 16;
	m->slice_blocks =
		min + rng_next(&m->sched_rng) % (SCHED_SLICE_BLOCKS - min + 1);
	for (unsigned i = 0; i < m->ntasks; i++)
		if (runnable(m->tasks[i]) && !k--)
			return m->tasks[i];
	return NULL;
}

static struct process *pick_next(struct memu *m)
{
	if (m->cfg.sched_seed)
		return pick_seeded(m);
	unsigned at = 0;
	for (unsigned i = 0; i < m->ntasks; i++)
		if (m->tasks[i] == m->proc)
			at = i + 1;
	for (unsigned k = 0; k < m->ntasks; k++) {
		struct process *p = m->tasks[(at + k) % m->ntasks];
		if (runnable(p))
			return p;
	}
	return NULL;
}

static void deadlock(struct memu *m)
{
	static char reason[160];
	struct process *init = find_task(m, GUEST_PID);
	const char *what =
		init && init->state == TASK_BLOCKED ? init->wait_what : "-";
	snprintf(reason, sizeof(reason),
		 "deadlock: every process is blocked and nothing can wake "
		 "them (%u processes, pid 1 %s%s)",
		 m->ntasks, init && task_stopped(init) ? "stopped" : "in ",
		 init && task_stopped(init) ? "" : what);
	m->result.stop = MEMU_STOP_DEADLOCK;
	m->result.reason = reason;
	m->stop = true;
	/* pid 1 on the CPU, for whoever inspects the stopped machine (the
	 * last task to run may have exited). */
	if (init)
		switch_to(m, init);
}

bool schedule(struct memu *m)
{
	bool idled = false;
	for (unsigned rounds = 0;; rounds++) {
		wake_due(m);
		struct process *next = pick_next(m), *prev = m->proc;
		if (next) {
			/* It left the CPU: to another task, or to the idle
			 * loop before it was woken again (usage_switch). */
			if (next != prev && !idled)
				usage_switch(m, prev);
			switch_to(m, next);
			/* A zombie nobody waits for goes once off the CPU. */
			if (prev != next && prev->state == TASK_ZOMBIE &&
			    prev->exit_signal == -1)
				task_free(m, prev);
			break;
		}
		uint64_t t = 0;
		for (unsigned i = 0; i < m->ntasks; i++) {
			struct process *p = m->tasks[i];
			uint64_t w =
				p->state == TASK_BLOCKED ? wake_time(p) : 0;
			if (w && (!t || w < t))
				t = w;
		}
		/* Only processes gdb holds could run: the machine waits for
		 * gdb, as Linux's tracees would (docs/gdb.md). */
		if (!t && m->gdb && gdb_held_wait(m))
			continue;
		if (!t || rounds > 1000000) {
			deadlock(m);
			return false;
		}
		if (m->clock.ns < t) {
			/* nobody runs: waiting is instant, nobody's time */
			if (!idled)
				usage_switch(m, prev);
			idled = true;
			sched_account(m);
			m->clock.ns = t;
			usage_idle(m);
		}
	}
	struct process *p = m->proc;
	m->stop = false;
	if (m->gdb) /* a vfork's end (docs/gdb.md) */
		gdb_scheduled(m);
	/* Chosen by the OOM killer while off the CPU: it dies now. */
	if (oom_victim_dies(m))
		return true;
	/* A signal sent while it was preempted is taken now, as on the
	 * return to user mode; a woken call runs again and sees it. */
	if (!p->woken && p->state == TASK_RUNNING && m->cpl3 &&
	    signal_pending(m))
		signal_exit(m, -1);
	return true;
}

/* ---- time slices */

static void slice_block(uc_engine *uc, uint64_t address, uint32_t size,
			void *user)
{
	(void)address;
	(void)size;
	struct memu *m = user;
	if (m->probe.active || ++m->proc->run_blocks < m->slice_blocks)
		return;
	m->proc->run_blocks = 0;
	/* A slice is time on the virtual clock too, so that a task
	 * spinning without syscalls lets a sleeping one wake. */
	vclock_advance(&m->clock, SCHED_SLICE_NS);
	unsigned ready = 0;
	bool due = false;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *p = m->tasks[i];
		ready += runnable(p);
		uint64_t t = p->state == TASK_BLOCKED ? wake_time(p) : 0;
		due |= t && t <= m->clock.ns;
	}
	if (ready > 1 || due) {
		m->resched = true;
		uc_emu_stop(uc);
	}
}

void sched_preempt_start(struct memu *m)
{
	if (m->preempt_on)
		return;
	uc_hook h;
	if (uc_hook_add(m->uc, &h, UC_HOOK_BLOCK, (void *)slice_block, m, 0,
			USER_VA_END - 1))
		return;
	m->preempt_on = true;
	/* The translator adds the hook's call as it translates: drop the
	 * code translated so far, so that every block calls it. */
	struct zone *z = &m->mmu.ram;
	for (uint64_t i = 0; i < z->nr; i++)
		if (z->frames[i].code)
			code_invalidate(&m->mmu, z->base_pfn + i);
}
