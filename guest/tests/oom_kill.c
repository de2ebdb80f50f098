/* The OOM killer's choice among processes (docs/reclaim.md, "The OOM
 * killer"), run under memu with a small --ram, and
 * /proc/self/oom_score_adj, run natively too.
 *
 *   oom_kill adj                 oom_score_adj: reads, writes, errnos,
 *                                inheritance (the same on Linux)
 *   oom_kill child PAGES         a small parent, a child writing PAGES
 *                                pages: the child dies, the parent waits
 *   oom_kill bigchild A B        a child writes B pages and waits; the
 *                                parent writes A: the child dies, the
 *                                parent's own writes go on
 *   oom_kill family ADJ A B      pid 1 forks P; P sets oom_score_adj ADJ,
 *                                forks C and writes A pages; C sets it
 *                                back to 0 and writes B pages; pid 1
 *                                reports both
 *   oom_kill score               oom_score and oom_score_adj of pid 1 and
 *                                of a child
 *   oom_kill threadchild A B     bigchild with a child of two threads,
 *                                both waiting
 *   oom_kill tie A P             two children write A pages each and
 *                                wait; the parent writes P: which dies
 *   oom_kill init A              a child with oom_score_adj -1000 holds
 *                                memory; pid 1 writes A pages
 *
 * Output goes through write(2) at once, so that what each process says
 * comes in the order it says it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(1, buf, (size_t)n) != n)
		_exit(99);
}

static char *touch(size_t pages)
{
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(98);
	for (size_t i = 0; i < pages; i++)
		p[i * PAGE] = (char)i;
	return p;
}

static void report(const char *who, int status)
{
	if (WIFSIGNALED(status))
		say("%s: killed by signal %d\n", who, WTERMSIG(status));
	else
		say("%s: exit %d\n", who, WEXITSTATUS(status));
}

/* Write text to oom_score_adj: "ok" or the errno. */
static void set_adj(const char *text)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	ssize_t n = write(fd, text, strlen(text));
	char shown[32];
	size_t k = 0;
	for (const char *s = text; *s && k < sizeof(shown) - 3; s++) {
		if (*s == '\n')
			shown[k++] = '\\', shown[k++] = 'n';
		else
			shown[k++] = *s;
	}
	shown[k] = 0;
	if (n < 0)
		say("write \"%s\": %s\n", shown, strerror(errno));
	else
		say("write \"%s\": %zd\n", shown, n);
	close(fd);
}

static long read_num(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -99999;
}

static void show_adj(void)
{
	char buf[32] = "";
	int fd = open("/proc/self/oom_score_adj", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	say("oom_score_adj: %zd bytes \"%.*s\"\n", n, n > 0 ? (int)n - 1 : 0,
	    buf);
}

static int adj(void)
{
	show_adj();
	set_adj("1000");
	show_adj();
	set_adj("1001");
	set_adj("-1001");
	set_adj("abc");
	set_adj("");
	set_adj("12x");
	set_adj("99999999999");
	set_adj("  7\n");
	show_adj();
	set_adj("0x10");
	show_adj();
	set_adj("010");
	show_adj();
	set_adj("+5\n");
	show_adj();
	set_adj("-0");
	show_adj();
	set_adj("1000000000000000000000");
	set_adj("300 trailing bytes cut");
	set_adj("300");
	int fd = open("/proc/self/oom_score_adj", O_RDONLY);
	char c[4] = "";
	ssize_t n = read(fd, c, 2);
	say("read 2: %zd \"%.2s\"", n, c);
	n = read(fd, c, 4);
	say(" then %zd \"%.*s\"\n", n, n > 0 ? (int)n - 1 : 0, c);
	close(fd);
	pid_t pid = fork();
	if (pid == 0) {
		say("child inherits: %ld\n",
		    read_num("/proc/self/oom_score_adj"));
		set_adj("600");
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	say("parent keeps: %ld\n", read_num("/proc/self/oom_score_adj"));
	set_adj("0");
	return 0;
}

static int child(size_t pages)
{
	pid_t pid = fork();
	if (pid == 0) {
		touch(pages);
		say("child: all %zu written\n", pages);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	report("child", status);
	say("parent: alive\n");
	return 0;
}

static void *waiter(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int bigchild(size_t a, size_t b, bool threaded)
{
	int fds[2];
	if (pipe(fds))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(fds[1]);
		pthread_t t;
		if (threaded && pthread_create(&t, NULL, waiter, NULL))
			_exit(97);
		touch(b);
		say("child: %zu written, waits\n", b);
		_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
	}
	close(fds[0]);
	/* The child's pages first: it runs when the parent waits. */
	int status;
	if (waitpid(pid, &status, WNOHANG) == 0)
		usleep(1000);
	touch(a);
	say("parent: all %zu written\n", a);
	close(fds[1]);
	waitpid(pid, &status, 0);
	report("child", status);
	return 0;
}

static int family(const char *adj_text, size_t a, size_t b)
{
	pid_t p = fork();
	if (p == 0) {
		set_adj(adj_text);
		pid_t c = fork();
		if (c == 0) {
			set_adj("0"); /* not P's */
			touch(b);
			say("C: %zu written\n", b);
			_exit(0);
		}
		/* P's pages are its own (forked before): C runs when P
		 * waits. */
		touch(a);
		say("P: %zu written\n", a);
		int status;
		waitpid(c, &status, 0);
		report("P's child", status);
		_exit(0);
	}
	int status;
	pid_t w;
	while ((w = wait(&status)) > 0)
		report(w == p ? "P" : "C", status);
	say("init: %s\n", strerror(errno));
	return 0;
}

static int score(void)
{
	say("pid 1 oom_score %ld\n", read_num("/proc/self/oom_score"));
	pid_t pid = fork();
	if (pid == 0) {
		touch(256);
		say("child oom_score %ld\n", read_num("/proc/self/oom_score"));
		set_adj("500");
		say("child oom_score %ld at 500\n",
		    read_num("/proc/self/oom_score"));
		set_adj("-1000");
		say("child oom_score %ld at -1000\n",
		    read_num("/proc/self/oom_score"));
		set_adj("-999");
		say("child oom_score %ld at -999\n",
		    read_num("/proc/self/oom_score"));
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	report("child", status);
	return 0;
}

static int tie(size_t a, size_t p)
{
	int fds[2];
	pid_t pid[2];
	if (pipe(fds))
		return 1;
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			char c;
			close(fds[1]);
			touch(a);
			_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
		}
		usleep(1000); /* it writes its pages now */
	}
	close(fds[0]);
	touch(p);
	say("parent: all %zu written\n", p);
	close(fds[1]);
	for (int i = 0; i < 2; i++) {
		int status;
		waitpid(pid[i], &status, 0);
		report(i ? "second child" : "first child", status);
	}
	return 0;
}

static int init(size_t a)
{
	int fds[2];
	if (pipe(fds))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(fds[1]);
		set_adj("-1000");
		touch(1024);
		_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
	}
	close(fds[0]);
	usleep(1000);
	touch(a);
	say("init: all %zu written\n", a);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "adj"))
		return adj();
	if (argc >= 3 && !strcmp(argv[1], "child"))
		return child(strtoul(argv[2], NULL, 0));
	if (argc >= 4 && !strcmp(argv[1], "bigchild"))
		return bigchild(strtoul(argv[2], NULL, 0),
				strtoul(argv[3], NULL, 0), false);
	if (argc >= 4 && !strcmp(argv[1], "threadchild"))
		return bigchild(strtoul(argv[2], NULL, 0),
				strtoul(argv[3], NULL, 0), true);
	if (argc >= 5 && !strcmp(argv[1], "family"))
		return family(argv[2], strtoul(argv[3], NULL, 0),
			      strtoul(argv[4], NULL, 0));
	if (argc >= 2 && !strcmp(argv[1], "score"))
		return score();
	if (argc >= 4 && !strcmp(argv[1], "tie"))
		return tie(strtoul(argv[2], NULL, 0),
			   strtoul(argv[3], NULL, 0));
	if (argc >= 3 && !strcmp(argv[1], "init"))
		return init(strtoul(argv[2], NULL, 0));
	fprintf(stderr, "usage: oom_kill adj|child|bigchild|family|score|"
			"init ...\n");
	return 2;
}
