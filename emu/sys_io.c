/* File syscalls.  Today a guest has its three standard streams (passed
 * through to the host fds the configuration names); there is no file
 * system yet, so every path is absent. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define MAX_RW_COUNT  0x7ffff000ULL /* Linux INT_MAX & PAGE_MASK */
#define BOUNCE	      65536
#define IOV_MAX_GUEST 1024
#define TIOCGWINSZ_NR 0x5413

static int host_fd(struct memu *m, uint64_t fd)
{
	if (fd >= PROC_FDS)
		return -1;
	return m->proc.fds[fd];
}

static int64_t write_out(struct memu *m, int hfd, uint64_t buf, uint64_t n)
{
	static uint8_t bounce[BOUNCE];
	uint64_t done = 0;
	if (n > MAX_RW_COUNT)
		n = MAX_RW_COUNT;
	while (done < n) {
		size_t k = n - done < BOUNCE ? n - done : BOUNCE;
		if (copy_from_user(m->proc.mm, bounce, buf + done, k))
			return done ? (int64_t)done : -EFAULT;
		ssize_t w = write(hfd, bounce, k);
		if (w < 0)
			return done ? (int64_t)done : -errno;
		done += (uint64_t)w;
		if ((size_t)w < k)
			break;
	}
	return (int64_t)done;
}

static int64_t read_in(struct memu *m, int hfd, uint64_t buf, uint64_t n)
{
	static uint8_t bounce[BOUNCE];
	if (n > MAX_RW_COUNT)
		n = MAX_RW_COUNT;
	size_t k = n < BOUNCE ? n : BOUNCE;
	if (!access_ok(buf, k))
		return -EFAULT;
	ssize_t r = read(hfd, bounce, k);
	if (r < 0)
		return -errno;
	if (copy_to_user(m->proc.mm, buf, bounce, (size_t)r))
		return -EFAULT;
	return r;
}

int64_t sys_write(struct memu *m, const uint64_t *a)
{
	int hfd = host_fd(m, a[0]);
	if (hfd < 0)
		return -EBADF;
	return write_out(m, hfd, a[1], a[2]);
}

int64_t sys_read(struct memu *m, const uint64_t *a)
{
	int hfd = host_fd(m, a[0]);
	if (hfd < 0)
		return -EBADF;
	return read_in(m, hfd, a[1], a[2]);
}

static int64_t vector_io(struct memu *m, const uint64_t *a, bool write)
{
	int hfd = host_fd(m, a[0]);
	if (hfd < 0)
		return -EBADF;
	uint64_t iovcnt = a[2];
	if (iovcnt > IOV_MAX_GUEST)
		return -EINVAL;
	struct iovec_guest {
		uint64_t base, len;
	} iov[IOV_MAX_GUEST];
	if (copy_from_user(m->proc.mm, iov, a[1], iovcnt * sizeof(iov[0])))
		return -EFAULT;
	uint64_t total = 0;
	for (uint64_t i = 0; i < iovcnt; i++) {
		if ((int64_t)iov[i].len < 0 ||
		    iov[i].len > MAX_RW_COUNT - total)
			return -EINVAL;
		total += iov[i].len;
	}
	int64_t done = 0;
	for (uint64_t i = 0; i < iovcnt; i++) {
		if (!iov[i].len)
			continue;
		int64_t r = write ? write_out(m, hfd, iov[i].base, iov[i].len)
				  : read_in(m, hfd, iov[i].base, iov[i].len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((uint64_t)r < iov[i].len)
			break;
	}
	return done;
}

int64_t sys_writev(struct memu *m, const uint64_t *a)
{
	return vector_io(m, a, true);
}

int64_t sys_readv(struct memu *m, const uint64_t *a)
{
	return vector_io(m, a, false);
}

int64_t sys_pread64(struct memu *m, const uint64_t *a)
{
	/* The standard streams are not seekable. */
	return host_fd(m, a[0]) < 0 ? -EBADF : -ESPIPE;
}

int64_t sys_pwrite64(struct memu *m, const uint64_t *a)
{
	return host_fd(m, a[0]) < 0 ? -EBADF : -ESPIPE;
}

int64_t sys_lseek(struct memu *m, const uint64_t *a)
{
	return host_fd(m, a[0]) < 0 ? -EBADF : -ESPIPE;
}

static int64_t lookup_path(struct memu *m, uint64_t upath)
{
	char path[4096];
	long n = strncpy_from_user(m->proc.mm, path, upath, sizeof(path));
	if (n < 0)
		return n;
	return -ENOENT; /* no file system yet */
}

int64_t sys_open(struct memu *m, const uint64_t *a)
{
	return lookup_path(m, a[0]);
}

int64_t sys_openat(struct memu *m, const uint64_t *a)
{
	return lookup_path(m, a[1]);
}

int64_t sys_access(struct memu *m, const uint64_t *a)
{
	return lookup_path(m, a[0]);
}

int64_t sys_faccessat(struct memu *m, const uint64_t *a)
{
	return lookup_path(m, a[1]);
}

int64_t sys_readlink(struct memu *m, const uint64_t *a)
{
	return lookup_path(m, a[0]);
}

int64_t sys_readlinkat(struct memu *m, const uint64_t *a)
{
	return lookup_path(m, a[1]);
}

int64_t sys_close(struct memu *m, const uint64_t *a)
{
	if (host_fd(m, a[0]) < 0)
		return -EBADF;
	m->proc.fds[a[0]] = -1; /* the host fd stays open: it is not ours */
	return 0;
}

static void tty_stat(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 24;
	st->st_ino = 3;
	st->st_mode = S_IFCHR | 0620;
	st->st_nlink = 1;
	st->st_rdev = makedev(136, 0);
	st->st_blksize = 1024;
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec =
		(time_t)VCLOCK_EPOCH;
}

int64_t sys_fstat(struct memu *m, const uint64_t *a)
{
	if (host_fd(m, a[0]) < 0)
		return -EBADF;
	struct stat st; /* the host is x86-64 Linux: same struct stat */
	tty_stat(&st);
	return copy_to_user(m->proc.mm, a[1], &st, sizeof(st)) ? -EFAULT : 0;
}

int64_t sys_newfstatat(struct memu *m, const uint64_t *a)
{
	char path[4096];
	long n = strncpy_from_user(m->proc.mm, path, a[1], sizeof(path));
	if (n < 0)
		return n;
	if (n == 0 && (a[3] & AT_EMPTY_PATH)) {
		uint64_t f[2] = {a[0], a[2]};
		return sys_fstat(m, f);
	}
	return -ENOENT;
}

int64_t sys_ioctl(struct memu *m, const uint64_t *a)
{
	if (host_fd(m, a[0]) < 0)
		return -EBADF;
	/* The standard streams are not terminals here: musl sees ENOTTY
	 * for TIOCGWINSZ and buffers stdout fully, the same on every host. */
	return -ENOTTY;
}

int64_t sys_fcntl(struct memu *m, const uint64_t *a)
{
	if (host_fd(m, a[0]) < 0)
		return -EBADF;
	switch (a[1]) {
	case F_GETFD:
	case F_SETFD:
	case F_SETFL:
		return 0;
	case F_GETFL:
		return a[0] == 0 ? O_RDONLY : O_WRONLY;
	default:
		return -EINVAL;
	}
}
