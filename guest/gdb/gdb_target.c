/* A guest for tests/gdb_test.c, built with -g: a global the guest
 * writes, a function to break at, and a guard page it touches last
 * (its SIGSEGV handler prints what the kernel said and exits). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

volatile long counter = 7;

__attribute__((noinline)) long bump(long by)
{
	counter += by;
	return counter;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char line[96];
	int n = snprintf(line, sizeof(line), "signal %d code %d addr %p\n", sig,
			 si->si_code, si->si_addr);
	write(1, line, (size_t)n);
	_exit(3);
}

int main(int argc, char **argv)
{
	(void)argv;
	long total = 0;
	for (int i = 1; i <= 3; i++)
		total += bump(i);
	printf("counter %ld total %ld\n", (long)counter, total);
	fflush(stdout);
	if (argc < 2)
		return 0;
	/* guard: a page, then a PROT_NONE page after it */
	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p + 4096, 4096, PROT_NONE))
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	memset(p, 1, 4096);
	printf("guard %p\n", (void *)(p + 4096));
	fflush(stdout);
	p[4096 + 8] = 1;
	return 2;
}
