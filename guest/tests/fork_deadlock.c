/* A deadlock (docs/processes.md): the parent reads a pipe only the child
 * could write, the child one only the parent could write. */
#include <unistd.h>

int main(void)
{
	int a[2], b[2];
	char c;
	if (pipe(a) || pipe(b))
		return 1;
	if (fork() == 0)
		return read(a[0], &c, 1) == 1 ? 0 : 2;
	return read(b[0], &c, 1) == 1 ? 0 : 3;
}
