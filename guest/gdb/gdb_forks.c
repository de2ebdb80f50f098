/* A guest for tests/gdb_test.c, built with -g: fork, vfork and exec as
 * gdb sees them (docs/gdb.md, "Fork, vfork, exec and exit").  PATH is
 * this program's path in the guest: a forked child runs a function only
 * it runs and exits 5; a vforked one execs PATH, which exits 7; then the
 * first process execs PATH itself, which exits 0. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

volatile long seen;

__attribute__((noinline)) long only_in_child(long v)
{
	seen = v;
	return v;
}

__attribute__((noinline)) int in_new_program(int v)
{
	seen = v;
	return v;
}

__attribute__((noinline)) static int reap(pid_t pid)
{
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	printf("child %d exited %d\n", (int)pid, WEXITSTATUS(status));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2) { /* PATH as exec'd: argv[2] says by whom */
		printf("%s: exec'd\n", argv[2]);
		fflush(stdout);
		return in_new_program(argv[2][0] == 'v' ? 7 : 0);
	}
	if (argc != 2)
		return 2;
	pid_t pid = fork();
	if (pid == 0)
		_exit((int)only_in_child(5));
	if (reap(pid))
		return 1;
	pid = vfork();
	if (pid == 0) {
		char *args[] = {argv[1], argv[1], "vforked", NULL};
		execv(argv[1], args);
		_exit(127);
	}
	if (reap(pid))
		return 1;
	char *args[] = {argv[1], argv[1], "pid1", NULL};
	execv(argv[1], args);
	return 1;
}
