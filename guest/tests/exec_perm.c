/* Execute permission: code written into a PROT_READ|PROT_WRITE page
 * cannot run (SIGSEGV); after mprotect(PROT_READ|PROT_EXEC) it can.
 *   exec_perm rx   -> prints "ret 42", exit 0
 *   exec_perm rw   -> SIGSEGV at the page
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "memu_guest.h"

/* mov eax, 42; ret */
static const unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3};

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memcpy(p, code, sizeof(code));
	if (!strcmp(argv[1], "rx") && mprotect(p, 4096, PROT_READ | PROT_EXEC))
		return 3;
	memu_probe((long)p);
	int (*fn)(void) = (int (*)(void))p;
	printf("ret %d\n", fn());
	return 0;
}
