/* One line a step for guests whose output is compared with Linux's:
 * "label: result" for a call that succeeded, "label: strerror" for one
 * that failed (errno).  CHECK_FD prints "fd" for any descriptor, whose
 * number depends on what the parent left open. */
#ifndef MEMU_GUEST_CHECK_H
#define MEMU_GUEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CHECK(label, call)                                                     \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(call);                                        \
		if (r_ < 0)                                                    \
			printf("%s: %s\n", label, strerror(errno));            \
		else                                                           \
			printf("%s: %ld\n", label, r_);                        \
	} while (0)

#define CHECK_FD(label, call)                                                  \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(call);                                        \
		printf("%s: %s\n", label, r_ < 0 ? strerror(errno) : "fd");    \
	} while (0)

#endif
