/* What fork does with MADV_DONTFORK and MADV_WIPEONFORK memory, and with
 * MADV_DOFORK and MADV_KEEPONFORK undoing them (docs/processes.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile char *a, *b, *c;

static void child_view(const char *when)
{
	unsigned char vec;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int mapped = mincore((void *)a, 4096, &vec) == 0;
		printf("%s: child: dontfork page %s", when,
		       mapped ? "mapped" : strerror(errno));
		printf(", wipeonfork page %d, plain page %d\n", b[0], c[0]);
		if (mapped)
			printf("  and holds %d\n", a[0]);
		fflush(stdout);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("%s: parent: %d %d %d, child exit %d\n", when, a[0], b[0], c[0],
	       WEXITSTATUS(status));
}

int main(void)
{
	char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	a = m;
	b = m + 4096;
	c = m + 8192;
	a[0] = b[0] = c[0] = 7;
	printf("dontfork %d wipeonfork %d\n",
	       madvise((void *)a, 4096, MADV_DONTFORK),
	       madvise((void *)b, 4096, MADV_WIPEONFORK));
	child_view("marked");
	printf("dofork %d keeponfork %d\n",
	       madvise((void *)a, 4096, MADV_DOFORK),
	       madvise((void *)b, 4096, MADV_KEEPONFORK));
	child_view("unmarked");
	char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int r = madvise(s, 4096, MADV_WIPEONFORK);
	printf("wipeonfork on shared: %d %s\n", r, strerror(errno));
	return 0;
}
