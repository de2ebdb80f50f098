#define _GNU_SOURCE
/* clone3 as Linux checks and runs it (docs/processes.md, "fork, vfork
 * and clone"): the size rules of struct clone_args, each invalid
 * combination's errno, a fork through it, and CLONE_CLEAR_SIGHAND.
 * glibc's pthread_create and posix_spawn use it too (threads_test). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

#define CLONE_CLEAR_SIGHAND_ 0x100000000ULL
#define CLONE_INTO_CGROUP_   0x200000000ULL

struct args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
	uint64_t beyond[2]; /* a later kernel's fields: must be 0 */
};

static long clone3(struct args *a, size_t size)
{
	return syscall(SYS_clone3, a, size);
}

static void show(const char *what, struct args *a, size_t size)
{
	long r = clone3(a, size);
	if (r == 0)
		_exit(0); /* a child that should not be: it just ends */
	if (r > 0) {
		int status;
		waitpid((pid_t)r, &status, 0);
		printf("%s: a child, exit %d\n", what, WEXITSTATUS(status));
		return;
	}
	printf("%s: %s\n", what, strerror(errno));
}

static void on_usr1(int sig)
{
	(void)sig;
	_exit(3);
}

/* The child raises SIGUSR2 (ignored) and SIGUSR1 (a handler that exits
 * 3, or the default: death). */
static void clear_sighand(uint64_t flags, const char *what)
{
	struct args a = {0};
	a.flags = flags;
	a.exit_signal = SIGCHLD;
	fflush(stdout);
	long r = clone3(&a, 88);
	if (r == 0) {
		/* not raise: musl's sends to the tid it cached, the
		 * parent's, in a child its fork did not make */
		kill(getpid(), SIGUSR2);
		kill(getpid(), SIGUSR1);
		_exit(0);
	}
	int status;
	waitpid((pid_t)r, &status, 0);
	if (WIFSIGNALED(status))
		printf("%s: killed by signal %d\n", what, WTERMSIG(status));
	else
		printf("%s: exit %d\n", what, WEXITSTATUS(status));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct args a = {0};
	a.exit_signal = SIGCHLD;
	show("size 63", &a, 63);
	show("size 4097", &a, 4097);
	show("size 104, zeros past 88", &a, 104);
	a.beyond[1] = 1;
	show("size 104, not zeros past 88", &a, 104);
	a.beyond[1] = 0;
	show("size 64", &a, 64);
	show("a bad address", (struct args *)16, 88);
	a.exit_signal = 65;
	show("exit_signal 65", &a, 88);
	a.exit_signal = 0x111;
	show("exit_signal 0x111", &a, 88);
	a.exit_signal = 0;
	a.flags = SIGCHLD;
	show("a signal in flags", &a, 88);
	a.flags = 0x00400000; /* CLONE_DETACHED */
	show("CLONE_DETACHED", &a, 88);
	a.flags = CLONE_SIGHAND | CLONE_VM | CLONE_CLEAR_SIGHAND_;
	show("CLONE_SIGHAND|CLONE_CLEAR_SIGHAND", &a, 88);
	a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
	a.exit_signal = SIGCHLD;
	show("CLONE_THREAD with an exit_signal", &a, 88);
	a.flags = CLONE_PARENT;
	show("CLONE_PARENT with an exit_signal", &a, 88);
	a.flags = 1ULL << 63;
	show("flag bit 63", &a, 88);
	a.flags = 0;
	a.stack_size = 4096;
	show("a stack size, no stack", &a, 88);
	a.stack_size = 0;
	a.stack = 0x10000;
	show("a stack, no size", &a, 88);
	a.stack = 0;
	a.set_tid_size = 1;
	show("set_tid_size 1, no set_tid", &a, 88);
	a.set_tid_size = 33;
	a.set_tid = 0x10000;
	show("set_tid_size 33", &a, 88);
	a.set_tid = 0;
	a.set_tid_size = 0;
	a.flags = CLONE_INTO_CGROUP_;
	show("CLONE_INTO_CGROUP, size 64", &a, 64);
	a.cgroup = 0x80000000ULL;
	show("CLONE_INTO_CGROUP, cgroup 2^31", &a, 88);
	a.cgroup = (uint64_t)open("/dev/null", O_RDONLY);
	show("CLONE_INTO_CGROUP, /dev/null", &a, 88);
	a.flags = 0;
	a.cgroup = 0;
	pid_t ptid = 0;
	a.flags = CLONE_PARENT_SETTID;
	a.parent_tid = (uint64_t)(uintptr_t)&ptid;
	fflush(stdout);
	long r = clone3(&a, 88);
	if (r == 0)
		_exit(7);
	int status;
	pid_t w = waitpid((pid_t)r, &status, 0);
	printf("fork: waited the pid it returned %d, parent_tid is it %d, "
	       "exit %d\n",
	       w == r, ptid == r, WEXITSTATUS(status));
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, SIG_IGN);
	clear_sighand(0, "handlers kept");
	clear_sighand(CLONE_CLEAR_SIGHAND_, "CLONE_CLEAR_SIGHAND");
	return 0;
}
