/* The program exec_lab.c runs with execve and posix_spawn: it prints
 * what it got across the exec (docs/processes.md, "execve"): its
 * arguments and environment, AT_EXECFN, which descriptors stayed open,
 * the signal dispositions, mask and alternate stack, CAP_IPC_LOCK (back
 * after an execve as root), its comm and exe, and exits with status 7. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	/* "pid N": N is the caller's pid, which must be ours */
	bool pid = argc > 2 && !strcmp(argv[1], "pid");
	printf("argc %d:", argc);
	for (int i = 0; i < argc; i++)
		printf(" [%s]", pid && i == 2 ? "N" : argv[i]);
	printf("\nenv:");
	for (char **e = environ; *e; e++)
		printf(" [%s]", *e);
	printf("\nexecfn %s\n", (const char *)getauxval(AT_EXECFN));
	/* fds 5 (inherited) and 6 (close-on-exec), when the caller set
	 * them up */
	int f5 = fcntl(5, F_GETFD), e5 = f5 < 0 ? errno : 0;
	int f6 = fcntl(6, F_GETFD), e6 = f6 < 0 ? errno : 0;
	printf("fd 5: %d errno %d; fd 6: %d errno %d\n", f5, e5, f6, e6);
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	printf("SIGUSR1 %s,", sa.sa_handler == SIG_DFL	 ? "default"
			      : sa.sa_handler == SIG_IGN ? "ignored"
							 : "caught");
	sigaction(SIGUSR2, NULL, &sa);
	printf(" SIGUSR2 %s,", sa.sa_handler == SIG_DFL	  ? "default"
			       : sa.sa_handler == SIG_IGN ? "ignored"
							  : "caught");
	sigset_t mask;
	sigprocmask(SIG_BLOCK, NULL, &mask);
	printf(" SIGINT blocked %d,", sigismember(&mask, SIGINT));
	stack_t ss;
	sigaltstack(NULL, &ss);
	printf(" altstack disabled %d\n", (ss.ss_flags & SS_DISABLE) != 0);
	/* capget: CAP_IPC_LOCK (14) effective and permitted, as root */
	uint32_t header[2] = {0x20080522, 0}, caps[6] = {0};
	syscall(SYS_capget, header, caps);
	printf("ipc_lock effective %u permitted %u\n", (caps[0] >> 14) & 1,
	       (caps[1] >> 14) & 1);
	char comm[64] = "", exe[4096] = "";
	int fd = open("/proc/self/comm", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n : 0] = 0;
		close(fd);
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	printf("comm %s", comm);
	printf("exe %s\n", exe);
	if (pid)
		printf("same pid %d\n", atoi(argv[2]) == getpid());
	fflush(stdout);
	return 7;
}
