/* A fork bomb on a leash (docs/processes.md): fork until fork fails,
 * every child waiting on a pipe; then let them go and reap them all. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fds[2];
	if (pipe(fds))
		return 1;
	int n = 0, err = 0;
	for (;;) {
		pid_t pid = fork();
		if (pid < 0) {
			err = errno;
			break;
		}
		if (pid == 0) {
			char c;
			close(fds[1]);
			_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
		}
		n++;
	}
	close(fds[1]);
	int reaped = 0, ok = 0, status;
	while (wait(&status) > 0) {
		reaped++;
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	printf("forked %d, then %s; reaped %d, %d exited 0\n", n, strerror(err),
	       reaped, ok);
	return 0;
}
