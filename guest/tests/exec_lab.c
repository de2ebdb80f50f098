/* execve, execveat and posix_spawn as on Linux (docs/processes.md,
 * "execve"): exec_lab DIR, where DIR holds exec_child and the files of
 * the errno cases (tests/exec_test.c makes it, on the host and in the
 * guest at the same path).  Prints each outcome; the last step execs
 * exec_child in place of pid 1 (or the host's process). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;

static char *at(const char *name)
{
	static char buf[4][4096];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void try(const char *what, const char *path, char *const *argv,
		char *const *envp)
{
	long r = syscall(SYS_execve, path, argv, envp);
	printf("%s: %ld errno %d\n", what, r, errno);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void status(const char *what, int st)
{
	printf("%s: exited %d status %d\n", what, WIFEXITED(st),
	       WEXITSTATUS(st));
	fflush(stdout); /* before the next child writes */
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	dir = argv[1];
	char *args[] = {"exec_child", NULL};
	char *env[] = {"A=1", NULL};
	if (argc > 2 && !strcmp(argv[2], "sparse")) {
		/* 1 GiB of hole: ENOEXEC on Linux (no ELF header), ENOMEM
		 * under memu, which reads an exec'd file whole */
		int fd = open(at("sparse"), O_CREAT | O_WRONLY, 0755);
		if (fd < 0 || ftruncate(fd, 1L << 30))
			return 3;
		close(fd);
		try("sparse 1 GiB", at("sparse"), args, env);
		unlink(at("sparse"));
		return 0;
	}
	try("missing", at("missing"), args, env);
	try("directory", at("dir"), args, env);
	try("no x bit", at("noexec"), args, env);
	try("not ELF", at("text"), args, env);
	try("empty file", at("empty"), args, env);
	try("file/x", at("text/x"), args, env);
	try("empty path", "", args, env);
	try("bad path", (char *)8, args, env);
	try("bad argv", at("exec_child"), (char *const *)8, env);
	char *bad[] = {"x", (char *)8, NULL};
	try("bad argv string", at("exec_child"), bad, env);
	try("bad envp", at("exec_child"), args, (char *const *)8);
	try("interpreter missing", at("dyn"), args, env);
	try("script interpreter missing", at("badscript"), args, env);
	try("script of a script of ...", at("loop"), args, env);
	char *big = malloc(131073);
	memset(big, 'x', 131072);
	big[131072] = 0;
	char *one_long[] = {"x", big, NULL};
	try("a string of 131072", at("exec_child"), one_long, env);
	big[131071] = 0;
	char *many[40];
	for (int i = 0; i < 39; i++)
		many[i] = big + 60000;
	many[39] = NULL;
	try("2.8 MB in all", at("exec_child"), many, env);
	try("trailing slash", at("exec_child/"), args, env);
	long r = syscall(SYS_execveat, AT_FDCWD, at("exec_child"), args, env,
			 0x8000);
	printf("execveat bad flags: %ld errno %d\n", r, errno);
	symlink(at("exec_child"), at("link"));
	r = syscall(SYS_execveat, AT_FDCWD, at("link"), args, env,
		    AT_SYMLINK_NOFOLLOW);
	printf("execveat nofollow link: %ld errno %d\n", r, errno);
	fflush(stdout);

	/* fork + exec + wait: fd 5 inherited, fd 6 close-on-exec, SIGUSR1
	 * caught (default after exec), SIGUSR2 ignored (stays), SIGINT
	 * blocked (stays). */
	int p[2];
	pipe(p);
	dup2(p[0], 5);
	dup3(p[1], 6, O_CLOEXEC);
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, SIG_IGN);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		char num[16];
		snprintf(num, sizeof(num), "%d", getpid());
		char *cargs[] = {"child name", "pid", num, "a b", "", NULL};
		char *cenv[] = {"FOO=bar", "EMPTY=", NULL};
		/* no capabilities left: execve as root gives them back */
		uint32_t header[2] = {0x20080522, 0}, data[6] = {0};
		syscall(SYS_capset, header, data);
		execve(at("exec_child"), cargs, cenv);
		_exit(100 + errno);
	}
	int st;
	waitpid(pid, &st, 0);
	status("fork+exec", st);

	/* execveat: an fd with AT_EMPTY_PATH, a name under a dirfd */
	pid = fork();
	if (pid == 0) {
		int fd = open(at("exec_child"), O_RDONLY | O_CLOEXEC);
		syscall(SYS_execveat, fd, "", args, env, AT_EMPTY_PATH);
		_exit(100 + errno);
	}
	waitpid(pid, &st, 0);
	status("execveat AT_EMPTY_PATH", st);
	pid = fork();
	if (pid == 0) {
		int fd = open(dir, O_RDONLY | O_DIRECTORY);
		char *none[] = {NULL};
		syscall(SYS_execveat, fd, "exec_child", none, none, 0);
		_exit(100 + errno);
	}
	waitpid(pid, &st, 0);
	status("execveat dirfd, no argv", st);

	/* fexecve of a memfd holding exec_child */
	pid = fork();
	if (pid == 0) {
		int in = open(at("exec_child"), O_RDONLY);
		int fd = memfd_create("prog", MFD_CLOEXEC);
		static char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			write(fd, buf, (size_t)n);
		syscall(SYS_execveat, fd, "", args, env, AT_EMPTY_PATH);
		_exit(100 + errno);
	}
	waitpid(pid, &st, 0);
	status("memfd", st);
	/* the same through /proc/self/fd/N: comm is "N" */
	pid = fork();
	if (pid == 0) {
		int in = open(at("exec_child"), O_RDONLY);
		int fd = memfd_create("prog", MFD_CLOEXEC);
		static char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			write(fd, buf, (size_t)n);
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		execve(path, args, env);
		_exit(100 + errno);
	}
	waitpid(pid, &st, 0);
	status("memfd by /proc/self/fd", st);

	/* a script: #!DIR/exec_child arg1 */
	pid = fork();
	if (pid == 0) {
		char *sargs[] = {"script0", "s1", NULL};
		execve(at("script"), sargs, env);
		_exit(100 + errno);
	}
	waitpid(pid, &st, 0);
	status("script", st);

	/* posix_spawn: clone(CLONE_VM|CLONE_VFORK) and exec */
	char *sp[] = {"spawned", NULL};
	int rc = posix_spawn(&pid, at("exec_child"), NULL, NULL, sp, env);
	waitpid(pid, &st, 0);
	printf("posix_spawn: %d\n", rc);
	status("posix_spawn", st);
#ifndef __GLIBC__
	/* musl reports the child's exec error through a pipe; glibc through
	 * the memory CLONE_VM shares, which memu copies (processes.md) */
	rc = posix_spawn(&pid, at("missing"), NULL, NULL, sp, env);
	printf("posix_spawn missing: %d\n", rc);
#endif
	fflush(stdout);

	/* pid 1 itself: the new image's output ends the run */
	char *last[] = {"last", NULL};
	execve(at("exec_child"), last, env);
	return 99;
}
