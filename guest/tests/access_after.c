/* Accesses that must fault after the mapping changes, even though the
 * CPU has a cached translation (the TLB must be flushed):
 *
 *   access_after munmap     touch, munmap, read again   -> SIGSEGV
 *   access_after readonly   touch, mprotect(PROT_READ), write -> SIGSEGV
 *   access_after protnone   touch, mprotect(PROT_NONE), read  -> SIGSEGV
 *   access_after restore    touch, PROT_NONE, back to RW: data kept
 *
 * Before the fatal access it probes with the address it will touch.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "memu_guest.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	volatile char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	volatile char *target = p + 4096;
	for (int i = 0; i < 3; i++)
		p[i * 4096] = 'x';
	(void)target[0]; /* the translation is now cached */
	if (!strcmp(argv[1], "munmap")) {
		munmap((void *)p, 3 * 4096);
		memu_probe((long)target);
		return target[0];
	}
	if (!strcmp(argv[1], "readonly")) {
		mprotect((void *)p, 3 * 4096, PROT_READ);
		memu_probe((long)target);
		if (target[0] != 'x')
			return 3;
		target[0] = 'y';
		return 4;
	}
	if (!strcmp(argv[1], "protnone")) {
		mprotect((void *)target, 4096, PROT_NONE);
		memu_probe((long)target);
		return target[0];
	}
	if (!strcmp(argv[1], "restore")) {
		mprotect((void *)target, 4096, PROT_NONE);
		mprotect((void *)target, 4096, PROT_READ | PROT_WRITE);
		target[0] = target[0] + 1;
		printf("%c\n", target[0]);
		return 0;
	}
	return 2;
}
