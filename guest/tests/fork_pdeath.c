/* PR_SET_PDEATHSIG and orphans (docs/processes.md): a grandchild asks
 * for SIGUSR1 when its parent dies; the parent exits; the grandchild,
 * reparented, takes the signal and reports to the first process. */
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	got = sig;
}

int main(void)
{
	int ready[2], report[2];
	if (pipe(ready) || pipe(report))
		return 1;
	sigset_t usr1, none;
	sigemptyset(&usr1);
	sigemptyset(&none);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	signal(SIGUSR1, on_usr1);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		pid_t me = getpid();
		if (fork() == 0) {
			int sig = 0;
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			prctl(PR_GET_PDEATHSIG, &sig);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			while (!got)
				sigsuspend(&none);
			char line[96];
			int n = snprintf(
				line, sizeof(line),
				"pdeathsig %d, got %d, reparented %d\n", sig,
				(int)got, getppid() != me);
			if (write(report[1], line, (size_t)n) != n)
				_exit(1);
			_exit(0);
		}
		char c;
		if (read(ready[0], &c, 1) != 1)
			_exit(1);
		_exit(0); /* the grandchild's parent dies */
	}
	close(report[1]);
	int status;
	waitpid(child, &status, 0);
	char buf[96];
	long n = read(report[0], buf, sizeof(buf));
	if (n > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	printf("prctl(PR_SET_PDEATHSIG, 65): %d\n",
	       prctl(PR_SET_PDEATHSIG, 65));
	return 0;
}
