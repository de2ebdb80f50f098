/* A guest for tests/gdb_test.c, built with -g: a second thread runs a
 * function only it runs, with a local of its own, while the first
 * waits in pthread_join; then a child process runs a function only it
 * runs, while the parent waits in waitpid. */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

volatile long seen;

__attribute__((noinline)) long only_in_thread(long v)
{
	seen = v;
	return v + 1;
}

__attribute__((noinline)) long only_in_child(long v)
{
	seen = v;
	return v;
}

__attribute__((noinline)) static void *worker(void *arg)
{
	volatile long mine = (long)arg * 7;
	long r = only_in_thread(mine);
	return (void *)(r + mine - 42);
}

int main(void)
{
	pthread_t t;
	void *ret;
	if (pthread_create(&t, NULL, worker, (void *)6) ||
	    pthread_join(t, &ret))
		return 1;
	printf("thread returned %ld\n", (long)ret);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit((int)only_in_child(5));
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	printf("child exited %d\n", WEXITSTATUS(status));
	return 0;
}
