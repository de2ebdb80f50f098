/* Makes two system calls memu does not implement: number 999 (beyond
 * Linux's table) and io_setup (in the table, not implemented).  Both must
 * fail with ENOSYS; the guest prints what it got and exits 0. */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Prints "NAME: RET errno N (ENOSYS)" or "... (other)". */
static void report(const char *name, long ret)
{
	int err = errno;

	printf("%s: %ld errno %d (%s)\n", name, ret, err,
	       err == ENOSYS ? "ENOSYS" : "other");
}

int main(void)
{
	unsigned long ctx = 0;

	errno = 0;
	report("syscall 999", syscall(999, 0, 0, 0));
	errno = 0;
	report("io_setup", syscall(SYS_io_setup, 1, &ctx));
	return 0;
}
