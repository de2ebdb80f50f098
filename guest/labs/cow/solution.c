/* Lab 2, copy-on-write after fork: the reference solution (kept out of
 * the handout; docs/labs/cow.md). */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memu_guest.h"

#define PAGES 8
#define PAGE  4096

int main(void)
{
	volatile char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (int i = 0; i < PAGES; i++)
		p[i * PAGE] = (char)i;
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		for (int i = 0; i < 4; i++)
			p[i * PAGE] = 'c';
		memu_probe((long)p);
		_exit(0);
	}
	memu_probe((long)p);
	if (waitpid(pid, NULL, 0) != pid)
		return 3;
	for (int i = 0; i < PAGES; i++)
		p[i * PAGE] = 'p';
	memu_probe((long)p);
	printf("done\n");
	return 0;
}
