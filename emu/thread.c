/* Threads (docs/processes.md, "Threads"): what the tasks of one process
 * share (Linux files_struct, sighand_struct, signal_struct, each
 * reference-counted; the mm is the same object), a thread's creation by
 * clone(CLONE_THREAD), its exit, exit_group's end of the others, and
 * the calls that tell threads apart. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

int task_shared_alloc(struct process *p)
{
	p->files = calloc(1, sizeof(*p->files));
	p->sighand = calloc(1, sizeof(*p->sighand));
	p->signal = calloc(1, sizeof(*p->signal));
	if (!p->files || !p->sighand || !p->signal)
		return -ENOMEM;
	p->files->refs = p->sighand->refs = p->signal->refs = 1;
	return 0;
}

void task_shared_put(struct process *p)
{
	if (p->files && !--p->files->refs)
		free(p->files);
	if (p->sighand && !--p->sighand->refs)
		free(p->sighand);
	if (p->signal && !--p->signal->refs)
		free(p->signal);
	p->files = NULL;
	p->sighand = NULL;
	p->signal = NULL;
}

void thread_share(struct process *c, struct process *p)
{
	task_shared_put(c);
	c->files = p->files;
	c->sighand = p->sighand;
	c->signal = p->signal;
	c->files->refs++;
	c->sighand->refs++;
	c->signal->refs++;
	c->mm = p->mm;
	c->group_leader = p->group_leader;
}

bool same_thread_group(const struct process *a, const struct process *b)
{
	return a->signal == b->signal;
}

unsigned thread_group_live(const struct memu *m, const struct process *p)
{
	unsigned n = 0;
	for (unsigned i = 0; i < m->ntasks; i++) {
		const struct process *t = m->tasks[i];
		n += t != p && same_thread_group(t, p) &&
		     t->state != TASK_ZOMBIE;
	}
	return n;
}

/* Linux mm_release: CLONE_CHILD_CLEARTID's word is cleared and one
 * waiter on it woken (pthread_join). */
void mm_release(struct memu *m, struct process *p)
{
	if (!p->clear_child_tid || !p->mm)
		return;
	uint32_t zero = 0;
	if (!copy_to_user(p->mm, p->clear_child_tid, &zero, sizeof(zero)))
		futex_wake(m, p->mm, p->clear_child_tid, 1,
			   FUTEX_BITSET_MATCH_ANY);
	p->clear_child_tid = 0;
}

/* One thread ends, its process goes on: a zombie off the CPU; a thread
 * other than the leader is released as it leaves it (Linux's
 * autoreaped threads), the leader stays a zombie until the last one
 * exits (delay_group_leader). */
static void exit_thread(struct memu *m, int code)
{
	struct process *p = m->proc;
	mm_release(m, p);
	sigqueue_release_thread(m);
	sched_account(m);
	if (p->cwd)
		dput(p->cwd);
	p->cwd = NULL;
	p->state = TASK_ZOMBIE;
	p->exit_code = code;
	if (p != p->group_leader)
		p->exit_signal = -1; /* freed once off the CPU */
	m->stop = true;
	m->stop_task = true;
	m->resched = true;
	uc_emu_stop(m->uc);
}

/* Linux zap_other_threads: every other thread of the caller's process
 * ends now (they are off the CPU: nothing of them runs again). */
void zap_other_threads(struct memu *m)
{
	struct process *cur = m->proc;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *t = m->tasks[i];
		if (t == cur || !same_thread_group(t, cur) ||
		    t->state == TASK_ZOMBIE)
			continue;
		m->proc = t; /* its own pending set: data only */
		sigqueue_release_thread(m);
		m->proc = cur;
		if (t->cwd)
			dput(t->cwd);
		t->cwd = NULL;
		t->state = TASK_ZOMBIE;
		if (t != t->group_leader) {
			task_free(m, t);
			i--;
		}
	}
}

int64_t sys_exit(struct memu *m, const uint64_t *a)
{
	if (!thread_group_live(m, m->proc)) /* the last thread */
		return sys_exit_group(m, a);
	exit_thread(m, ((int)a[0] & 0xff) << 8);
	return 0;
}

int64_t sys_getpid(struct memu *m, const uint64_t *a)
{
	(void)a;
	return m->proc->group_leader->task.pid; /* the tgid */
}

int64_t sys_gettid(struct memu *m, const uint64_t *a)
{
	(void)a;
	return m->proc->task.pid;
}

/* Linux complete_signal: a signal to the process wakes a thread that
 * does not block it, the target first, then the others in order. */
void complete_signal(struct memu *m, struct process *p, int sig)
{
	uint64_t bit = SIGBIT(sig);
	if (p->state != TASK_ZOMBIE && !(p->sigmask & bit)) {
		signal_wake(p);
		return;
	}
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *t = m->tasks[i];
		if (same_thread_group(t, p) && t->state != TASK_ZOMBIE &&
		    !(t->sigmask & bit)) {
			signal_wake(t);
			return;
		}
	}
}

/* The task a signal to process p is queued for: p, or a live thread of
 * its process when p is a zombie leader; NULL if none is left. */
struct process *signal_target(struct memu *m, struct process *p)
{
	if (p->state != TASK_ZOMBIE)
		return p;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *t = m->tasks[i];
		if (same_thread_group(t, p) && t->state != TASK_ZOMBIE)
			return t;
	}
	return NULL;
}

/* tkill, tgkill: to the thread's own pending set (SI_TKILL, the sender's
 * tgid). */
int64_t send_sig_thread(struct memu *m, struct process *t, int sig)
{
	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (t == m->proc)
		return send_sig_self(m, sig, SI_TKILL, true);
	if (sig == 0)
		return 0;
	struct guest_siginfo info;
	memset(&info, 0, sizeof(info));
	info.signo = sig;
	info.code = SI_TKILL;
	info.u.kill.pid = m->proc->group_leader->task.pid;
	struct process *cur = m->proc;
	m->proc = t; /* the pending sets are m->proc's: data only */
	int64_t r = send_signal(m, sig, &info, true);
	m->proc = cur;
	signal_wake(t);
	return r;
}

/* set_robust_list, get_robust_list: the list is kept, and given back;
 * memu does not walk it at exit (docs/processes.md). */
int64_t sys_set_robust_list(struct memu *m, const uint64_t *a)
{
	if (a[1] != 24)
		return -EINVAL;
	m->proc->robust_list = a[0];
	m->proc->robust_len = a[1];
	return 0;
}

int64_t sys_get_robust_list(struct memu *m, const uint64_t *a)
{
	int32_t pid = (int32_t)a[0];
	struct process *p = pid ? find_task(m, pid) : m->proc;
	if (!p || p->state == TASK_ZOMBIE)
		return -ESRCH;
	uint64_t len = 24;
	if (copy_to_user(m->proc->mm, a[2], &len, sizeof(len)))
		return -EFAULT;
	if (copy_to_user(m->proc->mm, a[1], &p->robust_list,
			 sizeof(p->robust_list)))
		return -EFAULT;
	return 0;
}
