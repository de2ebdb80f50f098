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
		futex_wake(m, p->mm, p->clear_child_tid, true, 1,
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
	futex_exit_release(m, p);
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
		/* Its robust and PI futexes, its join word, as its own
		 * exit would (Linux: each runs do_exit). */
		futex_exit_release(m, t);
		mm_release(m, t);
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

/* Linux de_thread, once the other threads are gone: an exec'ing thread
 * other than the leader becomes the leader - its pid (the tgid), parent,
 * group, session, start time and exit signal - and the old leader, a
 * zombie now, is released; the process's children are its. */
void de_thread(struct memu *m)
{
	struct process *p = m->proc, *leader = p->group_leader;
	if (leader == p)
		return;
	/* Its /proc entries go under the pid it takes (below). */
	proc_pid_unregister(m, p);
	int tid = p->task.pid;
	p->task.pid = leader->task.pid;
	p->task.ppid = leader->task.ppid;
	p->task.pgid = leader->task.pgid;
	p->task.sid = leader->task.sid;
	p->task.start_ns = leader->task.start_ns;
	p->parent = leader->parent;
	p->exit_signal = leader->exit_signal;
	leader->task.pid = tid;
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *t = m->tasks[i];
		if (t->parent == leader)
			t->parent = p;
		if (t->group_leader == leader)
			t->group_leader = p;
	}
	/* It takes the leader's place in the table (the round robin's
	 * order) too. */
	for (unsigned i = 0, at = 0; i < m->ntasks; i++) {
		if (m->tasks[i] == leader)
			at = i;
		if (m->tasks[i] == p) {
			m->tasks[i] = leader;
			m->tasks[at] = p;
			break;
		}
	}
	task_free(m, leader);
	proc_pid_register(m, p); /* out of memory: no /proc/PID */
}

/* A thread always shares its fs_struct (CLONE_FS is one of the flags a
 * thread needs, and nothing else shares it): what chdir and umask change
 * is every live thread's of the process. */
void fs_set_cwd(struct memu *m, struct dentry *d)
{
	for (unsigned i = 0; i < m->ntasks; i++) {
		struct process *t = m->tasks[i];
		if (!same_thread_group(t, m->proc) || !t->cwd)
			continue;
		dget(d);
		dput(t->cwd);
		t->cwd = d;
	}
}

void fs_set_umask(struct memu *m, unsigned umask)
{
	for (unsigned i = 0; i < m->ntasks; i++)
		if (same_thread_group(m->tasks[i], m->proc))
			m->tasks[i]->task.umask = umask;
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
