/* A deadlock (docs/processes.md): the parent reads a pipe only the child
 * could write, the child one only the parent could write.  With "pause":
 * the parent and a child pause, and the last process to run exits. */
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "pause")) {
		if (fork() == 0)
			for (;;)
				pause();
		if (fork() == 0)
			_exit(0);
		for (;;)
			pause();
	}
	int a[2], b[2];
	char c;
	if (pipe(a) || pipe(b))
		return 1;
	if (fork() == 0)
		return read(a[0], &c, 1) == 1 ? 0 : 2;
	return read(b[0], &c, 1) == 1 ? 0 : 3;
}
