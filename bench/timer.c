/* bench_timer: run a command several times and print its wall time.
 *
 *   bench_timer REPEATS OUTFILE COMMAND [ARGS...]
 *
 * Runs COMMAND REPEATS times, one after the other, with stdout going to
 * OUTFILE (truncated each time, so it holds the last run's output) and
 * stdin from /dev/null; stderr is inherited.  Each run is timed with
 * CLOCK_MONOTONIC from just before fork to just after the child is
 * reaped.  Prints "MIN MEDIAN MAXRSS" on one line: the times in seconds,
 * and the largest peak resident set of any run in KiB (ru_maxrss from
 * wait4: the command's own process, e.g. memu or qemu-x86_64 with the
 * guest's memory in it).  Exits 1 if any run fails (non-zero status or a
 * signal), after saying so on stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* wait4 */
#endif
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double run_once(const char *out, char **argv, long *maxrss)
{
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("bench_timer: fork");
		exit(1);
	}
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = open("/dev/null", O_RDONLY);
		if (fd < 0 || in < 0) {
			perror("bench_timer: open");
			_exit(127);
		}
		dup2(fd, 1);
		dup2(in, 0);
		close(fd);
		close(in);
		execvp(argv[0], argv);
		perror("bench_timer: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("bench_timer: wait4");
		exit(1);
	}
	double t = now() - t0;
	if (ru.ru_maxrss > *maxrss)
		*maxrss = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_timer: %s failed (status 0x%x)\n",
			argv[0], status);
		exit(1);
	}
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_timer REPEATS OUTFILE COMMAND "
				"[ARGS...]\n");
		return 2;
	}
	int n = atoi(argv[1]);
	if (n < 1 || n > 1000) {
		fprintf(stderr, "bench_timer: bad REPEATS: %s\n", argv[1]);
		return 2;
	}
	double *t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;
	long maxrss = 0;
	for (int i = 0; i < n; i++)
		t[i] = run_once(argv[2], argv + 3, &maxrss);
	qsort(t, (size_t)n, sizeof(*t), cmp);
	double median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	printf("%.6f %.6f %ld\n", t[0], median, maxrss);
	free(t);
	return 0;
}
