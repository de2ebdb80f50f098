/* fork, vfork and clone (Linux kernel/fork.c: copy_process, kernel_clone):
 * a new process with a copy-on-write copy of the address space
 * (mmu/fork.c), the descriptors (one more reference each), the working
 * directory, the signal actions and mask, and a copy of the caller's
 * registers that returns 0 (docs/processes.md). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "gdbstub.h"
#include "machine.h"
#include "syscall.h"

#define CSIGNAL		     0x000000ffULL
#define CLONE_VM	     0x00000100ULL
#define CLONE_FS	     0x00000200ULL
#define CLONE_FILES	     0x00000400ULL
#define CLONE_SIGHAND	     0x00000800ULL
#define CLONE_PIDFD	     0x00001000ULL
#define CLONE_PTRACE	     0x00002000ULL
#define CLONE_VFORK	     0x00004000ULL
#define CLONE_PARENT	     0x00008000ULL
#define CLONE_THREAD	     0x00010000ULL
#define CLONE_NEWNS	     0x00020000ULL
#define CLONE_SYSVSEM	     0x00040000ULL
#define CLONE_SETTLS	     0x00080000ULL
#define CLONE_PARENT_SETTID  0x00100000ULL
#define CLONE_CHILD_CLEARTID 0x00200000ULL
#define CLONE_DETACHED	     0x00400000ULL
#define CLONE_UNTRACED	     0x00800000ULL
#define CLONE_CHILD_SETTID   0x01000000ULL
#define CLONE_NEWUSER	     0x10000000ULL
#define CLONE_NEWPID	     0x20000000ULL

/* What memu does: fork, vfork, and the clone flags glibc and musl pass
 * for them and for posix_spawn; and threads (below).  The rest (shared
 * tables without CLONE_THREAD, namespaces) is not done yet: ENOSYS. */
#define CLONE_SUPPORTED                                                        \
	(CSIGNAL | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID |          \
	 CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED |              \
	 CLONE_PTRACE | CLONE_CHILD_SETTID)

/* A thread: what musl's and glibc's pthread_create pass, every table
 * shared (docs/processes.md, "Threads"). */
#define CLONE_THREAD_NEEDS                                                     \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_THREAD_SUPPORTED                                                 \
	(CLONE_THREAD_NEEDS | CLONE_SYSVSEM | CLONE_SETTLS |                   \
	 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID |     \
	 CLONE_DETACHED | CLONE_UNTRACED | CLONE_PTRACE | CSIGNAL)

/* Linux fork_init: max_threads, from RAM (8 kernel stacks' worth of RAM
 * per thread), at least 20: fork fails with EAGAIN at that many tasks,
 * root or not. */
static unsigned max_threads(const struct memu *m)
{
	uint64_t t = m->cfg.ram_bytes / (8 * 16384);
	return t < 20 ? 20 : t > PID_MAX / 2 ? PID_MAX / 2 : (unsigned)t;
}

/* Linux copy_process's checks of the flags. */
static int clone_flags_valid(uint64_t f)
{
	if ((f & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
		return -EINVAL;
	if ((f & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return -EINVAL;
	if ((f & CLONE_THREAD) && (f & (CLONE_NEWUSER | CLONE_NEWPID)))
		return -EINVAL;
	if ((f & CLONE_PIDFD) && (f & CLONE_DETACHED))
		return -EINVAL;
	/* clone(2)'s pidfd is parent_tid: both cannot be written. */
	if ((f & CLONE_PIDFD) && (f & CLONE_PARENT_SETTID))
		return -EINVAL;
	return 0;
}

static int copy_files(struct process *c, const struct process *p)
{
	for (int fd = 0; fd < PROC_FDS; fd++) {
		c->files->fds[fd] = p->files->fds[fd];
		c->files->cloexec[fd] = p->files->cloexec[fd];
		if (c->files->fds[fd])
			file_get(c->files->fds[fd]);
	}
	return 0;
}

static void copy_identity(struct memu *m, struct process *c,
			  const struct process *p)
{
	int pid = c->task.pid;
	bool thread = same_thread_group(c, p);
	c->entry = p->entry;
	c->initial_rsp = p->initial_rsp;
	c->sigmask = p->sigmask;
	if (!thread) {
		c->signal->rlim_sigpending[0] = p->signal->rlim_sigpending[0];
		c->signal->rlim_sigpending[1] = p->signal->rlim_sigpending[1];
		c->signal->oom_score_adj = p->signal->oom_score_adj;
		c->signal->rlim_memlock[0] = p->signal->rlim_memlock[0];
		c->signal->rlim_memlock[1] = p->signal->rlim_memlock[1];
		memcpy(c->signal->rlim, p->signal->rlim,
		       sizeof(c->signal->rlim));
		memcpy(c->sighand->action, p->sighand->action,
		       sizeof(c->sighand->action));
		/* A thread starts with no alternate stack (Linux
		 * copy_process, CLONE_VM without CLONE_VFORK). */
		c->altstack = p->altstack;
	}
	c->cwd = p->cwd;
	dget(c->cwd);
	c->exe = p->exe ? strdup(p->exe) : NULL;
	const char *slash = c->exe ? strrchr(c->exe, '/') : NULL;
	c->comm = slash ? slash + 1 : c->exe;
	c->task = p->task;
	c->task.pid = pid;
	c->task.ppid = thread ? p->task.ppid : p->group_leader->task.pid;
	c->task.exe = c->exe;
	c->task.start_ns = m->clock.ns;
	c->vm = p->vm;
	c->cap = p->cap;
	c->mce_process = p->mce_process;
	c->mce_early = p->mce_early;
	c->gdb_detached = p->gdb_detached; /* docs/gdb.md */
	/* A process's parent is the caller's process (its leader); a
	 * thread's is its process's. */
	c->parent = thread ? p->parent : p->group_leader;
}

/* The child's registers: the caller's, returning 0 from the call. */
static void child_regs(struct memu *m, struct process *c, uint64_t flags,
		       uint64_t child_stack, uint64_t tls)
{
	uint64_t rip, rflags, zero = 0;
	uc_reg_read(m->uc, UC_X86_REG_RIP, &rip);
	uc_reg_read(m->uc, UC_X86_REG_EFLAGS, &rflags);
	uc_context_save(m->uc, c->ctx);
	rip += 2; /* past the syscall instruction, as Unicorn leaves it */
	uc_context_reg_write(c->ctx, UC_X86_REG_RIP, &rip);
	uc_context_reg_write(c->ctx, UC_X86_REG_RCX, &rip);
	uc_context_reg_write(c->ctx, UC_X86_REG_R11, &rflags);
	uc_context_reg_write(c->ctx, UC_X86_REG_RAX, &zero);
	if (child_stack)
		uc_context_reg_write(c->ctx, UC_X86_REG_RSP, &child_stack);
	if (flags & CLONE_SETTLS)
		uc_context_reg_write(c->ctx, UC_X86_REG_FS_BASE, &tls);
}

int64_t do_fork(struct memu *m, uint64_t flags, uint64_t child_stack,
		uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	int err = clone_flags_valid(flags);
	if (err)
		return err;
	bool thread = flags & CLONE_THREAD;
	if (thread && ((flags & CLONE_THREAD_NEEDS) != CLONE_THREAD_NEEDS ||
		       (flags & ~CLONE_THREAD_SUPPORTED)))
		return -ENOSYS; /* a thread sharing less: not yet */
	if (!thread && (flags & ~CLONE_SUPPORTED) &&
	    (flags & ~CLONE_SUPPORTED) != CLONE_VM)
		return -ENOSYS; /* shared tables, namespaces: not yet */
	if (!thread && (flags & CLONE_VM) && !(flags & CLONE_VFORK))
		return -ENOSYS; /* a shared address space without a thread */
	if (m->ntasks >= max_threads(m))
		return -EAGAIN;
	struct process *p = m->proc;
	struct process *c = task_alloc(m);
	if (!c)
		return -ENOMEM;
	if (thread)
		thread_share(c, p);
	else
		c->mm = mm_fork(p->mm, NULL);
	for (unsigned i = 0; !thread && c->mm && i < KERNEL_PAGES; i++)
		if (pt_enter_kernel(c->mm, KERNEL_BASE + i * PAGE_SIZE,
				    m->kernel_pfn + i)) {
			mm_destroy(c->mm);
			c->mm = NULL;
		}
	if (!c->mm) {
		task_free(m, c);
		return -ENOMEM;
	}
	copy_identity(m, c, p);
	if (proc_pid_register(m, c)) {
		task_free(m, c);
		return -ENOMEM;
	}
	if (!thread)
		copy_files(c, p);
	c->exit_signal = thread ? 0 : (int)(flags & CSIGNAL);
	child_regs(m, c, flags, child_stack, tls);
	if (!thread && m->gdb) /* docs/gdb.md */
		gdb_fork(m, p, c, flags & CLONE_VFORK);
	int pid = c->task.pid;
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = ctid;
	if (flags & CLONE_CHILD_SETTID) {
		/* The child's own write (Linux schedule_tail): its fault. */
		usage_account(m);
		copy_to_user(c->mm, ctid, &pid, sizeof(pid));
		usage_account_to(m, c);
	}
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(p->mm, ptid, &pid, sizeof(pid));
	m->forks++;
	if (!m->preempt_on) {
		/* Time slices from now on: the run loop sets them up with
		 * the CPU stopped (sched.c). */
		m->preempt_setup = true;
		uc_emu_stop(m->uc);
	}
	if (flags & CLONE_VFORK) {
		/* The parent waits until the child exits (it cannot exec
		 * yet); the call returns the child's pid then. */
		c->vfork_parent = p;
		block_current(m, "vfork", 0);
		p->vfork_wait = true;
	}
	return pid;
}

int64_t sys_fork(struct memu *m, const uint64_t *a)
{
	(void)a;
	return do_fork(m, SIGCHLD, 0, 0, 0, 0);
}

int64_t sys_vfork(struct memu *m, const uint64_t *a)
{
	(void)a;
	return do_fork(m, CLONE_VFORK | CLONE_VM | SIGCHLD, 0, 0, 0, 0);
}

/* x86-64 clone(flags, newsp, parent_tid, child_tid, tls). */
int64_t sys_clone(struct memu *m, const uint64_t *a)
{
	return do_fork(m, (uint32_t)a[0], a[1], a[2], a[3], a[4]);
}
