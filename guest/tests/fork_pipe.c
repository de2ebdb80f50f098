/* A pipe between parent and child (docs/processes.md): the parent's
 * reads wait for the child's writes, and the child's writes, bigger than
 * the pipe, wait when it is full and still return whole; 1 MiB through a
 * 64 KiB pipe, checked. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOTAL (1 << 20)

int main(void)
{
	int fds[2], status;
	if (pipe(fds))
		return 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		/* Writes bigger than the pipe: each one whole. */
		static unsigned char buf[100000];
		unsigned long sent = 0;
		while (sent < TOTAL) {
			unsigned n = TOTAL - sent < sizeof(buf) ? TOTAL - sent
								: sizeof(buf);
			for (unsigned i = 0; i < n; i++)
				buf[i] = (unsigned char)((sent + i) * 7);
			if (write(fds[1], buf, n) != (long)n)
				_exit(2);
			sent += n;
		}
		_exit(0);
	}
	close(fds[1]);
	unsigned long got = 0, bad = 0;
	unsigned char buf[5000];
	long r;
	while ((r = read(fds[0], buf, sizeof(buf))) > 0) {
		for (long i = 0; i < r; i++)
			bad += buf[i] != (unsigned char)((got + i) * 7);
		got += r;
	}
	waitpid(pid, &status, 0);
	printf("read %lu bytes, %lu wrong, end %ld, child %d\n", got, bad, r,
	       WEXITSTATUS(status));
	return 0;
}
