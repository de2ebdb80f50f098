/* Lab 2, copy-on-write after fork (docs/labs/cow.md): your program.
 *
 * Build it:  musl-gcc -static -I guest/include -o cow starter.c
 * Grade it:  build/labs/grade-cow ./cow
 */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memu_guest.h"

#define PAGES 8
#define PAGE  4096

int main(void)
{
	/* TODO 1: map PAGES private anonymous pages and write a byte to
	 * each. */

	/* TODO 2: fork.  In the child: write a byte to pages 0 to 3,
	 * memu_probe((long)p), then _exit(0).  In the parent, at once:
	 * memu_probe((long)p). */

	/* TODO 3: in the parent, wait for the child, write a byte to
	 * every page, then memu_probe((long)p) again and print
	 * "done\n". */
	return 0;
}
