/* Calls abort(): libc raises SIGABRT at itself (tkill), which has no
 * handler, so memu must end the guest with status 128 + SIGABRT. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("abort: calling abort()\n");
	fflush(stdout);
	abort();
}
