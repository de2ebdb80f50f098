/* Job control (docs/processes.md, "Job control"), the same natively and
 * under memu: stop signals stop every thread of a process, SIGCONT
 * resumes it, the parent hears of both (SIGCHLD's CLD_STOPPED and
 * CLD_CONTINUED, waitpid's WUNTRACED and WCONTINUED, waitid's WSTOPPED
 * and WCONTINUED), SA_NOCLDSTOP, a pending stop signal discarded by
 * SIGCONT, SIGTSTP ignored in an orphaned process group, SIGKILL to a
 * stopped process.
 *
 * The controller is a child of main, never pid 1: under memu pid 1 is
 * init, whose children do not keep a group from being orphaned.
 *
 *   job_control             the above
 *   job_control selfstop    (memu only) pid 1 stops itself: nobody can
 *                           continue it
 *   job_control stopchild   (memu only) a stopped child, a parent that
 *                           waits for its exit
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int to_t[2], from_t[2];
static volatile long *counter;

static void *spinner(void *arg)
{
	(void)arg;
	for (;;)
		++*counter;
	return NULL;
}

/* The target: its own group, a spinning thread, and commands: 'u'
 * unblock SIGTSTP, 's' stop itself; any byte is echoed back. */
static void target(void)
{
	setpgid(0, 0);
	close(to_t[1]);
	close(from_t[0]);
	sigset_t tstp;
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	pthread_t t;
	if (pthread_create(&t, NULL, spinner, NULL))
		_exit(1);
	char c;
	while (read(to_t[0], &c, 1) == 1) {
		if (c == 'b')
			sigprocmask(SIG_BLOCK, &tstp, NULL);
		if (c == 'u')
			sigprocmask(SIG_UNBLOCK, &tstp, NULL);
		if (c == 's')
			raise(SIGSTOP);
		if (write(from_t[1], &c, 1) != 1)
			_exit(1);
	}
	_exit(7);
}

static void ask(char c)
{
	char r = 0;
	if (write(to_t[1], &c, 1) != 1 || read(from_t[0], &r, 1) != 1)
		printf("no answer to %c\n", c);
	else
		printf("T answered %c\n", r);
}

/* The next SIGCHLD (blocked, taken with sigwaitinfo). */
static void sigchld(pid_t pid)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	siginfo_t si;
	if (sigwaitinfo(&set, &si) != SIGCHLD) {
		printf("sigwaitinfo: %s\n", strerror(errno));
		return;
	}
	printf("SIGCHLD: code %s status %d pid %s\n",
	       si.si_code == CLD_STOPPED     ? "CLD_STOPPED"
	       : si.si_code == CLD_CONTINUED ? "CLD_CONTINUED"
	       : si.si_code == CLD_KILLED    ? "CLD_KILLED"
	       : si.si_code == CLD_EXITED    ? "CLD_EXITED"
					     : "?",
	       si.si_status, si.si_pid == pid ? "ok" : "wrong");
}

static void show_status(const char *what, pid_t pid, int options)
{
	int status = 0;
	pid_t r = waitpid(pid, &status, options);
	if (r < 0)
		printf("%s: %s\n", what, strerror(errno));
	else if (r == 0)
		printf("%s: nothing\n", what);
	else if (WIFSTOPPED(status))
		printf("%s: stopped by %d\n", what, WSTOPSIG(status));
	else if (WIFCONTINUED(status))
		printf("%s: continued (0x%x)\n", what, status);
	else if (WIFSIGNALED(status))
		printf("%s: killed by %d\n", what, WTERMSIG(status));
	else
		printf("%s: exit %d\n", what, WEXITSTATUS(status));
}

static void show_waitid(const char *what, pid_t pid, int options)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, options)) {
		printf("%s: %s\n", what, strerror(errno));
		return;
	}
	printf("%s: signo %d code %d status %d pid %s\n", what, si.si_signo,
	       si.si_code, si.si_status,
	       si.si_pid == pid ? "ok"
	       : si.si_pid	? "wrong"
				: "0");
}

static long settle(void)
{
	long before = *counter;
	usleep(2000);
	return *counter - before;
}

static void moves(void)
{
	long before = *counter;
	for (long i = 0; i < 100000000 && *counter == before; i++)
		sched_yield();
	printf("counter moves: %d\n", *counter != before);
}

static int controller(void)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED || pipe(to_t) || pipe(from_t))
		return 1;
	fflush(stdout);
	pid_t t = fork();
	if (t == 0)
		target();
	ask('a'); /* it runs */
	moves();

	kill(t, SIGSTOP);
	sigchld(t);
	show_status("waitpid WUNTRACED", t, WUNTRACED);
	show_status("again, WNOHANG", t, WUNTRACED | WNOHANG);
	printf("counter still while stopped: %d\n", settle() == 0);
	kill(t, SIGCONT);
	sigchld(t);
	show_status("waitpid WCONTINUED", t, WCONTINUED);
	show_status("again, WNOHANG", t, WCONTINUED | WNOHANG);
	moves();
	ask('b');

	/* SIGTSTP (its group is not orphaned), seen through waitid. */
	ask('u');
	kill(t, SIGTSTP);
	sigchld(t);
	show_waitid("waitid WSTOPPED|WNOWAIT", t, WSTOPPED | WNOWAIT);
	show_waitid("waitid WSTOPPED", t, WSTOPPED);
	show_waitid("waitid WSTOPPED|WNOHANG", t, WSTOPPED | WNOHANG);
	show_status("waitpid WNOHANG (no WUNTRACED)", t, WNOHANG);
	kill(t, SIGCONT);
	sigchld(t);
	show_waitid("waitid WCONTINUED|WNOWAIT", t, WCONTINUED | WNOWAIT);
	show_waitid("waitid WCONTINUED", t, WCONTINUED);
	show_waitid("waitid WCONTINUED|WNOHANG", t,
		    WCONTINUED | WNOHANG | WEXITED);

	/* A blocked SIGTSTP waits; SIGCONT discards it. */
	ask('b');
	kill(t, SIGTSTP);
	kill(t, SIGCONT); /* not stopped: nothing to report */
	ask('u');	  /* it would stop here if SIGTSTP were pending */
	show_status("after SIGCONT discarded SIGTSTP", t,
		    WUNTRACED | WCONTINUED | WNOHANG);

	/* It stops itself; SA_NOCLDSTOP: no SIGCHLD, wait still sees it. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	if (write(to_t[1], "s", 1) != 1)
		return 1;
	show_status("raise(SIGSTOP)", t, WUNTRACED);
	sigset_t pending;
	sigpending(&pending);
	printf("SIGCHLD with SA_NOCLDSTOP: %d\n",
	       sigismember(&pending, SIGCHLD));
	kill(t, SIGCONT);
	show_status("waitpid WCONTINUED", t, WCONTINUED);
	char r = 0;
	printf("T answered %c after SIGCONT\n",
	       read(from_t[0], &r, 1) == 1 ? r : '?');
	sigpending(&pending);
	printf("SIGCHLD with SA_NOCLDSTOP: %d\n",
	       sigismember(&pending, SIGCHLD));
	sa.sa_flags = 0;
	sigaction(SIGCHLD, &sa, NULL);

	/* SIGTTIN and SIGTTOU stop it as SIGTSTP does. */
	const int tty[] = {SIGTTIN, SIGTTOU};
	for (int i = 0; i < 2; i++) {
		kill(t, tty[i]);
		sigchld(t);
		show_status("waitpid WUNTRACED", t, WUNTRACED);
		kill(t, SIGCONT);
		sigchld(t);
		show_status("waitpid WCONTINUED", t, WCONTINUED);
	}
	ask('c');

	/* The end of its input: it exits. */
	close(to_t[1]);
	show_status("waitpid", t, 0);
	sigchld(t); /* the stop's was not sent, the exit's is */

	/* A group orphaned (a new session): SIGTSTP does nothing, SIGSTOP
	 * stops it, SIGKILL ends it stopped. */
	if (pipe(to_t))
		return 1;
	fflush(stdout);
	pid_t o = fork();
	if (o == 0) {
		setsid();
		close(to_t[1]);
		char c;
		while (read(to_t[0], &c, 1) == 1)
			if (write(from_t[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	ask('o');
	kill(o, SIGTSTP);
	kill(o, SIGTTIN);
	kill(o, SIGTTOU);
	ask('p'); /* it took them first: it would not answer stopped */
	show_status("orphaned group, SIGTSTP, SIGTTIN, SIGTTOU", o,
		    WUNTRACED | WNOHANG);
	kill(o, SIGSTOP);
	sigchld(o);
	show_status("orphaned group, SIGSTOP", o, WUNTRACED);
	kill(o, SIGKILL);
	show_status("SIGKILL when stopped", o, 0);
	sigchld(o);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "selfstop")) {
		printf("stopping\n");
		fflush(stdout);
		raise(SIGSTOP);
		printf("never\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "stopchild")) {
		pid_t pid = fork();
		if (pid == 0) {
			raise(SIGSTOP);
			_exit(0);
		}
		show_status("waitpid", pid, 0);
		return 0;
	}
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		setvbuf(stdout, NULL, _IONBF, 0);
		_exit(controller());
	}
	int status;
	waitpid(c, &status, 0);
	printf("controller: exit %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
