/* Syscall edges where Linux's order of checks decides the answer: each
 * case prints "name result" (the value for a success, else the errno's
 * name).  tests/robustness_test.c runs this natively and under memu and
 * compares the whole output.  Raw syscalls: libc checks nothing first. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "raw_syscall.h"

#define KERNEL_PTR 0xffffffff81000000L
#define CHECK(name, expr)                                                      \
	do {                                                                   \
		long r_ = (expr);                                              \
		if (r_ < 0 && r_ > -4096)                                      \
			printf("%s %s\n", name, name_of(r_));                  \
		else                                                           \
			printf("%s %ld\n", name, r_);                          \
	} while (0)

static char buf[64];
static char statbuf[256]; /* struct stat is 144 bytes */

int main(void)
{
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		return 1;
	/* The buffer is checked (access_ok) before the count is clamped. */
	CHECK("write_count_minus1",
	      sc(SYS_write, null, (long)buf, -1, 0, 0, 0));
	CHECK("write_count_2_63",
	      sc(SYS_write, null, (long)buf, 1L << 63, 0, 0, 0));
	CHECK("write_count_max_rw",
	      sc(SYS_write, null, (long)buf, 0x7ffff000, 0, 0, 0));
	struct iovec two_big[2] = {{buf, 0x7ffff000}, {buf, 0x7ffff000}};
	CHECK("writev_total_clamped",
	      sc(SYS_writev, null, (long)two_big, 2, 0, 0, 0));
	struct iovec kernel[2] = {{buf, 8}, {(void *)KERNEL_PTR, 8}};
	CHECK("writev_kernel_iovec",
	      sc(SYS_writev, null, (long)kernel, 2, 0, 0, 0));
	CHECK("sigaltstack_kernel_new",
	      sc(SYS_sigaltstack, KERNEL_PTR, 0, 0, 0, 0, 0));
	CHECK("sigaltstack_kernel_old",
	      sc(SYS_sigaltstack, 0, KERNEL_PTR, 0, 0, 0, 0));
	CHECK("futex_wait_unaligned",
	      sc(SYS_futex, (long)buf + 1, 0 /* FUTEX_WAIT */, 0, 0, 0, 0));
	CHECK("dup2_high_bits", sc(SYS_dup2, null, (1L << 32) | 5, 0, 0, 0, 0));
	CHECK("newfstatat_empty_path", sc(SYS_newfstatat, AT_FDCWD, (long)"",
					  (long)statbuf, AT_EMPTY_PATH, 0, 0));
	return 0;
}
