/* Signals between processes (docs/processes.md): a child's kill wakes
 * its parent in sigsuspend, rt_sigtimedwait and a pipe read (EINTR, or
 * the read again with SA_RESTART); SIGCHLD's siginfo. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, chld_code, chld_status;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_code = si->si_code;
	chld_status = si->si_status;
}

static void handle(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
	int eintr = argc > 1 && !strcmp(argv[1], "eintr");
	pid_t parent = getpid();
	sigset_t set, none;
	sigemptyset(&set);
	sigemptyset(&none);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	handle(SIGUSR1, 0);
	int status;

	/* sigsuspend, woken by the child's SIGUSR1 */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(kill(parent, SIGUSR1) ? 1 : 0);
	int r = sigsuspend(&none);
	printf("sigsuspend: %d %s, handler ran %d\n", r, strerror(errno),
	       (int)usr1);
	waitpid(pid, &status, 0);

	/* rt_sigtimedwait takes the child's SIGUSR2, with its siginfo */
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(kill(parent, SIGUSR2) ? 1 : 0);
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	siginfo_t si;
	struct timespec ts = {5, 0};
	r = sigtimedwait(&usr2, &si, &ts);
	printf("sigtimedwait: %d code %d from the child %d\n", r, si.si_code,
	       si.si_pid == pid);
	waitpid(pid, &status, 0);

	/* a blocking pipe read interrupted: EINTR without SA_RESTART (only
	 * with "eintr": natively the child's signal may come before the
	 * read starts, and the read would wait for ever) */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	int fds[2];
	if (pipe(fds))
		return 1;
	char c;
	if (eintr) {
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			kill(parent, SIGUSR1);
			_exit(0);
		}
		r = (int)read(fds[0], &c, 1);
		printf("read, no SA_RESTART: %d %s\n", r, strerror(errno));
		waitpid(pid, &status, 0);
		return 0;
	}

	/* with SA_RESTART: the read goes on and gets the child's byte */
	handle(SIGUSR1, SA_RESTART);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		kill(parent, SIGUSR1);
		_exit(write(fds[1], "x", 1) == 1 ? 0 : 1);
	}
	r = (int)read(fds[0], &c, 1);
	printf("read, SA_RESTART: %d '%c'\n", r, r == 1 ? c : '?');
	waitpid(pid, &status, 0);

	/* SIGCHLD with SA_SIGINFO: CLD_EXITED and the status, then
	 * CLD_KILLED and the signal */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, NULL);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(9);
	waitpid(pid, &status, 0);
	printf("SIGCHLD: code %d status %d\n", (int)chld_code,
	       (int)chld_status);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	printf("SIGCHLD: code %d status %d\n", (int)chld_code,
	       (int)chld_status);
	return 0;
}
