/* The copy-on-write lab (docs/processes.md): parent and child write the
 * same private page after fork, and each sees its own value; a shared
 * anonymous page stays shared.  With "probe", it stops at memu_probe
 * points around the writes for tests/process_test.c (-ENOSYS on Linux):
 * the tag is the private page's address plus the stage, 1 to 4. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memu_guest.h"

int main(int argc, char **argv)
{
	int probe = argc > 1 && !strcmp(argv[1], "probe");
	volatile int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (priv == MAP_FAILED || shared == MAP_FAILED)
		return 1;
	priv[0] = 1;
	shared[0] = 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		if (probe)
			memu_probe((long)priv + 1);
		priv[0] = 2; /* a copy: the parent still maps the frame */
		if (probe)
			memu_probe((long)priv + 2);
		shared[0] = 2; /* the parent sees this one */
		printf("child: private %d shared %d\n", priv[0], shared[0]);
		return 0;
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 3;
	printf("parent after child: private %d shared %d exit %d\n", priv[0],
	       shared[0], WEXITSTATUS(status));
	if (probe)
		memu_probe((long)priv + 3);
	priv[0] = 3; /* the last mapper: the frame is reused */
	if (probe)
		memu_probe((long)priv + 4);
	printf("parent: private %d\n", priv[0]);
	return 0;
}
