/* Pending signals, as Linux 6.1 keeps them (kernel/signal.c): two sets,
 * the thread's (tkill, tgkill, rt_tgsigqueueinfo) and the process's
 * (kill, rt_sigqueueinfo, timers), each a mask and the queued siginfo of
 * every instance.  A standard signal already pending in a set is not
 * queued again; a real-time one queues each instance, up to
 * RLIMIT_SIGPENDING (docs/signals.md, "Queued signals"). */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

#define GUEST_SIGRTMIN 32
/* Dequeued first, whatever their number (Linux SYNCHRONOUS_MASK). */
#define SYNCHRONOUS_MASK                                                       \
	(SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | \
	 SIGBIT(SIGFPE) | SIGBIT(SIGSYS))
#define STOP_MASK                                                              \
	(SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

uint64_t rlimit_sigpending_default(uint64_t ram_bytes)
{
	/* fork_init: max_threads = RAM / (8 * THREAD_SIZE), at least 20;
	 * RLIMIT_SIGPENDING = max_threads / 2. */
	uint64_t threads = ram_bytes / (8 * 16384);
	return (threads < 20 ? 20 : threads) / 2;
}

uint64_t sigpending_set(const struct memu *m)
{
	return m->proc->pending.signal | m->proc->signal->shared_pending.signal;
}

bool signal_pending(const struct memu *m)
{
	return sigpending_set(m) & ~m->proc->sigmask;
}

static void flush_one(struct memu *m, struct sigpending *p, int sig)
{
	struct sigqueue *q = p->head[sig];
	while (q) {
		struct sigqueue *next = q->next;
		free(q);
		m->proc->signal->sigqueued--;
		q = next;
	}
	p->head[sig] = p->tail[sig] = NULL;
	p->signal &= ~SIGBIT(sig);
}

void flush_sigqueue_mask(struct memu *m, uint64_t mask)
{
	for (int sig = 1; sig <= 64; sig++) {
		if (!(mask & SIGBIT(sig)))
			continue;
		flush_one(m, &m->proc->pending, sig);
		flush_one(m, &m->proc->signal->shared_pending, sig);
	}
}

/* Linux prepare_signal: a stop signal discards a pending SIGCONT and
 * SIGCONT the stop signals; a signal the guest ignores (and does not
 * block: the handler may change by the time it is unblocked) is
 * dropped. */
static bool prepare_signal(struct memu *m, int sig)
{
	job_control_prepare(m, sig);
	if (STOP_MASK & SIGBIT(sig))
		flush_sigqueue_mask(m, SIGBIT(SIGCONT));
	else if (sig == SIGCONT)
		flush_sigqueue_mask(m, STOP_MASK);
	if ((m->proc->sigmask | m->proc->real_blocked) & SIGBIT(sig))
		return true;
	return !sig_handler_ignored(m, sig);
}

int send_signal(struct memu *m, int sig, const struct guest_siginfo *info,
		bool thread)
{
	if (!prepare_signal(m, sig))
		return 0;
	struct sigpending *p =
		thread ? &m->proc->pending : &m->proc->signal->shared_pending;
	/* legacy_queue: one instance of a standard signal. */
	if (sig < GUEST_SIGRTMIN && (p->signal & SIGBIT(sig)))
		return 0;
	/* __sigqueue_alloc: a standard signal from kill (si_code >= 0) is
	 * queued whatever the limit; memu holds at most SIGQUEUE_MAX. */
	bool override = sig < GUEST_SIGRTMIN && info->code >= 0;
	struct sigqueue *q = NULL;
	if (sig != SIGKILL && /* never queued: nobody reads its siginfo */
	    (override || m->proc->signal->sigqueued + 1 <=
				 m->proc->signal->rlim_sigpending[0]) &&
	    m->proc->signal->sigqueued < SIGQUEUE_MAX)
		q = malloc(sizeof(*q));
	if (q) {
		q->next = NULL;
		memset(&q->info, 0, sizeof(q->info));
		memcpy(&q->info, info, KERNEL_SIGINFO_SIZE);
		q->info.signo = sig;
		if (p->tail[sig])
			p->tail[sig]->next = q;
		else
			p->head[sig] = q;
		p->tail[sig] = q;
		m->proc->signal->sigqueued++;
	} else if (sig >= GUEST_SIGRTMIN && info->code != SI_USER) {
		return -EAGAIN; /* a real-time signal from other than kill */
	}
	/* else sent without its siginfo */
	p->signal |= SIGBIT(sig);
	return 0;
}

/* Linux next_signal: the synchronous signals first, then the lowest. */
static int next_signal(const struct sigpending *p, uint64_t blocked)
{
	uint64_t x = p->signal & ~blocked;
	if (!x)
		return 0;
	if (x & SYNCHRONOUS_MASK)
		x &= SYNCHRONOUS_MASK;
	return __builtin_ctzll(x) + 1;
}

/* Linux collect_signal: the oldest instance; the signal stays pending
 * while another is queued.  One sent without a siginfo reads as SI_USER
 * from pid 0. */
static void collect_signal(struct memu *m, int sig, struct sigpending *p,
			   struct guest_siginfo *info)
{
	struct sigqueue *q = p->head[sig];
	if (!q || !q->next)
		p->signal &= ~SIGBIT(sig);
	if (!q) {
		memset(info, 0, sizeof(*info));
		info->signo = sig;
		info->code = SI_USER;
		return;
	}
	p->head[sig] = q->next;
	if (!q->next)
		p->tail[sig] = NULL;
	*info = q->info;
	free(q);
	m->proc->signal->sigqueued--;
}

int dequeue_signal(struct memu *m, uint64_t blocked, struct guest_siginfo *info)
{
	struct sigpending *sets[2] = {&m->proc->pending,
				      &m->proc->signal->shared_pending};
	for (int i = 0; i < 2; i++) {
		int sig = next_signal(sets[i], blocked);
		if (sig) {
			collect_signal(m, sig, sets[i], info);
			return sig;
		}
	}
	return 0;
}

void sigqueue_release(struct memu *m)
{
	flush_sigqueue_mask(m, ~0ULL);
}

void sigqueue_release_thread(struct memu *m)
{
	for (int sig = 1; sig <= 64; sig++)
		flush_one(m, &m->proc->pending, sig);
}

/* ---- what a signalfd reads (devices/signalfd.c): the pending sets of
 * the task that reads it, through its struct proc_task */

static struct process *task_process(struct proc_task *t)
{
	/* The process that holds t (Linux container_of). */
	return (struct process *)((char *)t - offsetof(struct process, task));
}

static uint64_t task_pending_signals(struct proc_task *t)
{
	const struct process *p = task_process(t);
	return p->pending.signal | p->signal->shared_pending.signal;
}

_Static_assert(sizeof(struct guest_siginfo) == 128, "siginfo_t");

/* signalfd_dequeue's dequeue_signal: blocked is every signal but mask. */
static int task_dequeue_signal(struct proc_task *t, uint64_t mask, void *info)
{
	struct memu *m = t->owner;
	struct process *cur = m->proc;
	m->proc = task_process(t); /* the pending sets are m->proc's */
	struct guest_siginfo si;
	int sig = dequeue_signal(m, ~mask, &si);
	m->proc = cur;
	if (sig)
		memcpy(info, &si, sizeof(si));
	return sig;
}

void sigqueue_task_init(struct proc_task *t)
{
	t->pending_signals = task_pending_signals;
	t->dequeue_signal = task_dequeue_signal;
}
