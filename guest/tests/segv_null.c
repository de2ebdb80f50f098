/* Writes through a NULL pointer: memu must kill it with SIGSEGV at 0x0,
 * reporting that no VMA covers the address. */
#include <stdio.h>

/* volatile, so the compiler cannot see the NULL and emit a trap instead
 * of the store. */
static int *volatile target;

int main(void)
{
	printf("segv_null: writing to %p\n", (void *)target);
	fflush(stdout);
	*target = 42;
	printf("segv_null: still alive\n");
	return 0;
}
