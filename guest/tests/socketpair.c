/* socketpair(AF_UNIX): errnos in Linux 6.1's order, stream reads across
 * writes, seqpacket records (one a read, the rest dropped), EAGAIN,
 * EPIPE and end of file, and an exchange with a child.  One line a case;
 * tests/process_test.c compares the whole output with the same program
 * run natively. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raw_syscall.h"

static void show(const char *name, long r)
{
	if (r < 0)
		printf("%s %s\n", name, name_of(r));
	else
		printf("%s %ld\n", name, r);
}

static long pair(int family, int type, int protocol, int *sv)
{
	return sc(SYS_socketpair, family, type, protocol, (long)sv, 0, 0);
}

static void errnos(void)
{
	int sv[2] = {-1, -1};
	show("bad flags", pair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv));
	show("bad vector", pair(AF_UNIX, SOCK_STREAM, 0, (int *)8));
	show("bad family", pair(1000, SOCK_STREAM, 0, sv));
	show("bad type", pair(AF_UNIX, 12, 0, sv));
	show("bad protocol", pair(AF_UNIX, SOCK_STREAM, 5, sv));
	show("rdm", pair(AF_UNIX, SOCK_RDM, 0, sv));
	/* the failed calls closed what they made: the lowest free
	 * descriptor is the first socket's again */
	int lowest = dup(0);
	close(lowest);
	show("stream", pair(AF_UNIX, SOCK_STREAM, AF_UNIX, sv));
	printf("first is the lowest free %d, two %d\n", sv[0] == lowest,
	       sv[1] > sv[0]);
	struct stat st;
	fstat(sv[0], &st);
	printf("socket %d mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 07777);
	close(sv[0]);
	close(sv[1]);
	show("cloexec nonblock",
	     pair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv));
	printf("fd flags %d fl nonblock %d\n", fcntl(sv[0], F_GETFD),
	       !!(fcntl(sv[1], F_GETFL) & O_NONBLOCK));
	char c;
	show("empty nonblocking read",
	     sc(SYS_read, sv[0], (long)&c, 1, 0, 0, 0));
	close(sv[0]);
	close(sv[1]);
}

static void stream(void)
{
	int sv[2];
	char buf[16] = {0};
	pair(AF_UNIX, SOCK_STREAM, 0, sv);
	show("write abc", write(sv[0], "abc", 3));
	show("write defg", write(sv[0], "defg", 4));
	show("write nothing", write(sv[0], "", 0));
	show("read 5", read(sv[1], buf, 5));
	printf("got %s\n", buf);
	memset(buf, 0, sizeof(buf));
	show("read 16", read(sv[1], buf, 16));
	printf("got %s\n", buf);
	show("back the other way", write(sv[1], "xy", 2));
	show("read it", read(sv[0], buf, 16));
	close(sv[0]);
	show("read after the peer closed", read(sv[1], buf, 16));
	show("write after the peer closed",
	     sc(SYS_write, sv[1], (long)"z", 1, 0, 0, 0));
	close(sv[1]);
}

static char big[300000];

static void seqpacket(void)
{
	int sv[2];
	char buf[16] = {0};
	pair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	show("send abc", write(sv[0], "abc", 3));
	show("send defg", write(sv[0], "defg", 4));
	show("send empty", write(sv[0], "", 0));
	show("send hi", write(sv[0], "hi", 2));
	show("read 2 of abc", read(sv[1], buf, 2));
	printf("got %.2s\n", buf);
	show("read defg", read(sv[1], buf, 16));
	printf("got %.4s\n", buf);
	show("read the empty one", read(sv[1], buf, 16));
	show("read hi", read(sv[1], buf, 16));
	show("too big", sc(SYS_write, sv[0], (long)big, sizeof(big), 0, 0, 0));
	close(sv[1]);
	show("send after the peer closed",
	     sc(SYS_write, sv[0], (long)"z", 1, 0, 0, 0));
	close(sv[0]);
}

/* Nobody reads: non-blocking writes end in EAGAIN. */
static void fill(int type, const char *name, long size)
{
	int sv[2];
	pair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv);
	long r = 0, n = 0;
	while (n < 100000 &&
	       (r = sc(SYS_write, sv[0], (long)big, size, 0, 0, 0)) >= 0)
		n++;
	printf("%s fills up: %s after %ld\n", name, name_of(r), n);
	close(sv[0]);
	close(sv[1]);
}

static void with_a_child(void)
{
	int sv[2];
	pair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[1]);
		int v = 0;
		if (read(sv[0], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		v *= 2;
		write(sv[0], &v, sizeof(v));
		_exit(0);
	}
	close(sv[0]);
	int v = 21;
	write(sv[1], &v, sizeof(v));
	show("the child's answer", read(sv[1], &v, sizeof(v)));
	printf("value %d\n", v);
	int status;
	waitpid(pid, &status, 0);
	show("then end of file", read(sv[1], &v, sizeof(v)));
	printf("child exited %d\n", WEXITSTATUS(status));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	errnos();
	stream();
	seqpacket();
	fill(SOCK_SEQPACKET, "seqpacket of 1 byte", 1);
	fill(SOCK_SEQPACKET, "seqpacket of nothing", 0);
	fill(SOCK_STREAM, "stream of 1000 bytes", 1000);
	fill(SOCK_STREAM, "stream of 3000 bytes", 3000);
	fill(SOCK_SEQPACKET, "seqpacket of 5000 bytes", 5000);
	with_a_child();
	return 0;
}
