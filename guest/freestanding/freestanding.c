/* A -nostdlib program: its own _start, raw syscalls, no libc at all. */
#include "memu_guest.h"

static long sys3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static const char msg[] = "freestanding: hello\n";

void _start(void)
{
	sys3(1, 1, (long)msg, sizeof(msg) - 1); /* write */
	sys3(231, 7, 0, 0);			/* exit_group(7) */
	for (;;)
		;
}
