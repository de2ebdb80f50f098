/* For guests that check errnos case by case: a raw syscall that returns
 * -errno (libc checks nothing first), and the errno's name. */
#ifndef MEMU_GUEST_RAW_SYSCALL_H
#define MEMU_GUEST_RAW_SYSCALL_H

#include <errno.h>
#include <string.h>
#include <unistd.h>

static inline long sc(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);
	return r == -1 ? -errno : r;
}

/* "ok" for a success, else the errno's symbolic name. */
static inline const char *name_of(long r)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{EINVAL, "EINVAL"}, {EBADF, "EBADF"},
		{ENOMEM, "ENOMEM"}, {EEXIST, "EEXIST"},
		{EFAULT, "EFAULT"}, {EACCES, "EACCES"},
		{EPERM, "EPERM"},   {EOVERFLOW, "EOVERFLOW"},
		{ENODEV, "ENODEV"}, {EOPNOTSUPP, "EOPNOTSUPP"},
		{ESPIPE, "ESPIPE"}, {EAGAIN, "EAGAIN"},
		{EBUSY, "EBUSY"},   {ENOSPC, "ENOSPC"},
		{ENOENT, "ENOENT"}, {ENXIO, "ENXIO"},
		{ENOTTY, "ENOTTY"}, {ESRCH, "ESRCH"},
		{EINTR, "EINTR"},   {ETIMEDOUT, "ETIMEDOUT"},
		{E2BIG, "E2BIG"},
	};
	if (r >= 0 || r < -4095)
		return "ok";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == -r)
			return names[i].name;
	return strerror((int)-r);
}

#endif
