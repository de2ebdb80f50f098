/* clone3 (Linux kernel/fork.c: copy_clone_args_from_user, clone3_args_valid;
 * docs/processes.md, "fork, vfork and clone"): struct clone_args read as
 * Linux reads it, checked as Linux checks it, then the same copy as
 * clone's (do_fork), with the stack's top as the child's stack pointer.
 * glibc calls it first for pthread_create and posix_spawn, as it does
 * on Linux 6.1. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define CSIGNAL		    0x000000ffULL
#define CLONE_NEWTIME	    0x00000080ULL
#define CLONE_SIGHAND	    0x00000800ULL
#define CLONE_PIDFD	    0x00001000ULL
#define CLONE_PARENT	    0x00008000ULL
#define CLONE_THREAD	    0x00010000ULL
#define CLONE_DETACHED	    0x00400000ULL
#define CLONE_LEGACY_FLAGS  0xffffffffULL
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#define CLONE_INTO_CGROUP   0x200000000ULL

#define CLONE_ARGS_SIZE_VER0 64 /* the first version */
#define CLONE_ARGS_SIZE_VER2 88 /* with cgroup */
#define MAX_PID_NS_LEVEL     32
#define GUEST_NSIG	     64
#define GUEST_PAGE	     4096

/* Linux struct clone_args, version 2. */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
_Static_assert(sizeof(struct clone_args) == CLONE_ARGS_SIZE_VER2,
	       "clone_args, version 2");

/* copy_struct_from_user: a shorter struct is zero-filled, a longer one
 * must have zeros past what this kernel knows (E2BIG). */
static int copy_clone_args(struct memu *m, uint64_t uargs, uint64_t usize,
			   struct clone_args *args)
{
	if (usize > GUEST_PAGE)
		return -E2BIG;
	if (usize < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	memset(args, 0, sizeof(*args));
	size_t n = usize < sizeof(*args) ? usize : sizeof(*args);
	if (copy_from_user(m->proc->mm, args, uargs, n))
		return -EFAULT;
	for (uint64_t off = sizeof(*args); off < usize;) {
		uint8_t tail[256];
		size_t k =
			usize - off < sizeof(tail) ? usize - off : sizeof(tail);
		if (copy_from_user(m->proc->mm, tail, uargs + off, k))
			return -EFAULT;
		for (size_t i = 0; i < k; i++)
			if (tail[i])
				return -E2BIG;
		off += k;
	}
	if (args->set_tid_size > MAX_PID_NS_LEVEL ||
	    (!args->set_tid && args->set_tid_size) ||
	    (args->set_tid && !args->set_tid_size))
		return -EINVAL;
	if ((args->exit_signal & ~CSIGNAL) || args->exit_signal > GUEST_NSIG)
		return -EINVAL;
	if ((args->flags & CLONE_INTO_CGROUP) &&
	    (args->cgroup > INT32_MAX || usize < CLONE_ARGS_SIZE_VER2))
		return -EINVAL;
	return 0;
}

/* clone3_stack_valid: both or neither, and in user space; the stack
 * grows down from its top. */
static bool stack_valid(struct clone_args *a)
{
	if (!a->stack)
		return !a->stack_size;
	if (!a->stack_size || !access_ok(a->stack, a->stack_size))
		return false;
	a->stack += a->stack_size;
	return true;
}

/* clone3_args_valid */
static bool clone3_args_valid(struct clone_args *a)
{
	uint64_t f = a->flags;
	if (f & ~(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
		return false;
	if (f & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME)))
		return false;
	if ((f & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) ==
	    (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
		return false;
	if ((f & (CLONE_THREAD | CLONE_PARENT)) && a->exit_signal)
		return false;
	return stack_valid(a);
}

/* flush_signal_handlers(child, 0): every handler back to the default
 * but those set to ignore, and no flags or masks. */
static void clear_sighand(struct process *c)
{
	for (int sig = 1; sig <= GUEST_NSIG; sig++) {
		struct guest_sigaction *ka = &c->sighand->action[sig];
		if (ka->handler != GUEST_SIG_IGN)
			ka->handler = GUEST_SIG_DFL;
		ka->flags = 0;
		ka->restorer = 0;
		ka->mask = 0;
	}
}

int64_t sys_clone3(struct memu *m, const uint64_t *a)
{
	struct clone_args args;
	int err = copy_clone_args(m, a[0], a[1], &args);
	if (err)
		return err;
	if (!clone3_args_valid(&args))
		return -EINVAL;
	/* No cgroup file system: any descriptor is not a cgroup's
	 * (cgroup_get_from_file). */
	if (args.flags & CLONE_INTO_CGROUP)
		return -EBADF;
	/* Choosing the pid, a pidfd: not yet. */
	if (args.set_tid || (args.flags & CLONE_PIDFD))
		return -ENOSYS;
	uint64_t flags = (args.flags & CLONE_LEGACY_FLAGS) | args.exit_signal;
	int64_t pid = do_fork(m, flags, args.stack, args.parent_tid,
			      args.child_tid, args.tls);
	struct process *c = pid > 0 ? find_task(m, (int)pid) : NULL;
	if (c && (args.flags & CLONE_CLEAR_SIGHAND))
		clear_sighand(c); /* before it runs: one CPU */
	return pid;
}
