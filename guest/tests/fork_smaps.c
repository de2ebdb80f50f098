/* smaps after fork (docs/processes.md): a private page both processes
 * map is shared, its Pss halved; once the child has written it, the
 * child's copy is private. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *who, void *page)
{
	char want[32], line[256];
	snprintf(want, sizeof(want), "%lx-", (unsigned long)page);
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		printf("%s cannot open smaps\n", who);
	int in = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') > strchr(line, '-'))
			in = !strncmp(line, want, strlen(want));
		else if (in && (!strncmp(line, "Rss:", 4) ||
				!strncmp(line, "Pss:", 4) ||
				!strncmp(line, "Shared_Dirty:", 13) ||
				!strncmp(line, "Private_Dirty:", 14) ||
				!strncmp(line, "Anonymous:", 10)))
			printf("%s %s", who, line);
	}
	if (f)
		fclose(f);
}

int main(void)
{
	/* PROT_NONE pages either side: the page's VMA merges with none. */
	char *m = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (m == MAP_FAILED || mprotect(m + 4096, 4096, PROT_READ | PROT_WRITE))
		return 1;
	volatile char *p = m + 4096;
	p[0] = 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		show("child, shared:", (void *)p);
		p[0] = 2;
		show("child, written:", (void *)p);
		fflush(stdout);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	show("parent, alone:", (void *)p);
	return 0;
}
