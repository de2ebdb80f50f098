/* fork and the wait calls, as Linux reports them (docs/processes.md):
 * exit statuses, death by signal, WNOHANG, ECHILD, waitid, getppid,
 * process groups and SIGCHLD.  Prints no pid (they differ natively). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld;

static void on_chld(int sig)
{
	(void)sig;
	chld = 1;
}

int main(void)
{
	int status, fds[2];
	pid_t me = getpid();
	/* A group of its own, so that kill(0) natively reaches nobody
	 * else (under memu pid 1 leads its session and group already:
	 * EPERM, as on Linux). */
	setpgid(0, 0);
	signal(SIGCHLD, on_chld);
	int r = (int)wait(&status);
	printf("wait, no children: %d %s\n", r, strerror(errno));

	/* exit 3 */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(getppid() == me ? 3 : 4);
	printf("waitpid: %s\n", waitpid(pid, &status, 0) == pid ? "pid" : "?");
	printf("exited %d status %d signaled %d\n", WIFEXITED(status),
	       WEXITSTATUS(status), WIFSIGNALED(status));
	printf("SIGCHLD came: %d\n", (int)chld);

	/* WNOHANG before the child exits, then its status */
	if (pipe(fds))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char c;
		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 1 ? c : 99);
	}
	close(fds[0]);
	printf("WNOHANG: %d\n", (int)waitpid(pid, &status, WNOHANG));
	if (write(fds[1], "\x05", 1) != 1)
		return 1;
	waitpid(pid, &status, 0);
	printf("after write: exited %d status %d\n", WIFEXITED(status),
	       WEXITSTATUS(status));
	close(fds[1]);

	/* killed by SIGKILL while it waits */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("killed: signaled %d sig %d exited %d\n", WIFSIGNALED(status),
	       WTERMSIG(status), WIFEXITED(status));

	/* killed by SIGTERM while it runs, with its own handler for it
	 * reset by nothing: the default action */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		volatile unsigned long n = 0;
		for (;;)
			n++;
	}
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	printf("busy killed: sig %d\n", WTERMSIG(status));

	/* waitid: exit code and si_code */
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		exit(7);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	printf("waitid: %d\n", waitid(P_PID, pid, &si, WEXITED));
	printf("si_signo %d si_code %d si_status %d pid ok %d\n", si.si_signo,
	       si.si_code, si.si_status, si.si_pid == pid);

	/* process groups: the child leads its own */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int ok = setpgid(0, 0) == 0 && getpgid(0) == getpid();
		_exit(ok ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	printf("setpgid in child: %d\n", WEXITSTATUS(status));
	printf("getpgid(self) == getpgrp: %d\n", getpgid(0) == getpgrp());
	/* waitid, WNOHANG, a child still running: 0 and a zeroed siginfo,
	 * the padding after si_code untouched; with no child at all, ECHILD
	 * and the siginfo zeroed all the same */
	if (pipe(fds))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char c;
		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 0 ? 6 : 9);
	}
	close(fds[0]);
	memset(&si, 0x55, sizeof(si));
	r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
	unsigned char *raw = (unsigned char *)&si;
	printf("waitid WNOHANG: %d signo %d code %d pid %d pad %#x tail %#x\n",
	       r, si.si_signo, si.si_code, (int)si.si_pid, raw[12], raw[40]);
	close(fds[1]);
	/* a bad status pointer: EFAULT, and the child is reaped anyway */
	while ((r = (int)waitpid(pid, (int *)8, 0)) == 0)
		;
	printf("wait4 to a bad pointer: %d errno %d\n", r, errno);
	memset(&si, 0x55, sizeof(si));
	r = waitid(P_ALL, 0, &si, WEXITED);
	printf("waitid, none left: %d errno %d signo %d pid %d\n", r, errno,
	       si.si_signo, (int)si.si_pid);

	/* kill(0): the caller's process group, the caller included (it
	 * ignores the signal); the child takes it once it unblocks it */
	sigset_t usr1, none;
	sigemptyset(&usr1);
	sigemptyset(&none);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	signal(SIGUSR1, SIG_IGN);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, on_chld);
		chld = 0;
		while (!chld)
			sigsuspend(&none);
		_exit(42);
	}
	printf("kill(0, SIGUSR1): %d\n", kill(0, SIGUSR1));
	waitpid(pid, &status, 0);
	printf("the group's child: exited %d status %d\n", WIFEXITED(status),
	       WEXITSTATUS(status));

	r = kill(0x7fffffff, 0); /* above any pid_max */
	printf("kill(no such pid): %d %s\n", r, strerror(errno));
	r = (int)waitpid(-1, &status, WNOHANG);
	printf("waitpid(WNOHANG, none): %d %s\n", r, strerror(errno));
	r = (int)waitpid(-1, &status, 0x100);
	printf("waitpid(bad option): %d %s\n", r, strerror(errno));
	return 0;
}
