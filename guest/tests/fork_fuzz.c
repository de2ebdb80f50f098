/* Seeded random arguments to the process calls (docs/processes.md):
 * wait4 and waitid (always WNOHANG: the children wait on a pipe), kill
 * with signal 0, the process-group calls, PR_SET/GET_PDEATHSIG, and
 * clone with flags Linux refuses (CLONE_THREAD without CLONE_SIGHAND),
 * with pointers from everywhere.  memu must survive; the guest reaps its
 * children and prints how many calls succeeded. */
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static char buf[4096];

static long ptr(void)
{
	static const uint64_t odd[] = {0,
				       1,
				       0xfff,
				       0x400000,
				       0x7ffffffff000ULL,
				       0x800000000000ULL,
				       0xffffffff80000000ULL,
				       ~0ULL};
	if (rnd() % 2)
		return (long)odd[rnd() % (sizeof(odd) / sizeof(odd[0]))];
	return (long)(buf + rnd() % (sizeof(buf) - 256));
}

static long pid_arg(void)
{
	return (long)(rnd() % 16) - 8;
}

int main(void)
{
	int fds[2];
	if (pipe(fds))
		return 1;
	for (int i = 0; i < 3; i++) {
		fflush(stdout);
		if (fork() == 0) {
			char c;
			close(fds[1]);
			_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
		}
	}
	long ok = 0;
	for (int round = 0; round < 20000; round++) {
		long r;
		long opts = (long)(uint32_t)rnd();
		switch (rnd() % 9) {
		case 0:
			r = syscall(SYS_wait4, pid_arg(), ptr(), opts | WNOHANG,
				    ptr());
			break;
		case 1:
			r = syscall(SYS_waitid, (long)(rnd() % 5), pid_arg(),
				    ptr(), opts | WNOHANG, ptr());
			break;
		case 2:
			r = syscall(SYS_kill, pid_arg(), 0);
			break;
		case 3:
			r = syscall(SYS_getpgid, pid_arg());
			break;
		case 4:
			r = syscall(SYS_getsid, pid_arg());
			break;
		case 5:
			r = syscall(SYS_setpgid, pid_arg(), pid_arg());
			break;
		case 6:
			r = syscall(SYS_prctl, 2 /* PR_GET_PDEATHSIG */, ptr());
			break;
		case 7:
			r = syscall(SYS_prctl, 1 /* PR_SET_PDEATHSIG */,
				    (long)(rnd() % 80));
			break;
		default:
			r = syscall(SYS_clone,
				    (long)((rnd() & ~0x800UL) | 0x10000UL),
				    ptr(), ptr(), ptr(), ptr());
			break;
		}
		ok += r >= 0;
	}
	close(fds[1]);
	int status, reaped = 0;
	while (wait(&status) > 0)
		reaped++;
	printf("survived: %ld calls succeeded, reaped %d\n", ok, reaped);
	return 0;
}
