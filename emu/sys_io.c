/* File syscalls over the descriptor table (emu/files.c) and the devices'
 * file operations (devices/).  The file system is /dev alone: the
 * standard streams, and the character devices of devices/registry.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../devices/memfd.h"
#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define MAX_RW_COUNT	0x7ffff000ULL /* Linux INT_MAX & PAGE_MASK */
#define IOV_MAX_GUEST	1024
#define PATH_MAX_GUEST	4096
#define SEEK_MAX_WHENCE 4

/* fs/read_write.c rw_verify_area. */
static int rw_verify_area(struct file *f, uint64_t pos, uint64_t count)
{
	if ((int64_t)count < 0)
		return -EINVAL;
	bool unsigned_offset = f->dev->unsigned_offset;
	if ((int64_t)pos < 0) {
		if (!unsigned_offset)
			return -EINVAL;
		if (count >= -pos)
			return -EOVERFLOW;
	} else if ((int64_t)(pos + count) < 0 && !unsigned_offset) {
		return -EINVAL;
	}
	return 0;
}

/* One read or write through the file's operations, with the VFS's
 * checks (fs/read_write.c): open mode, the operation, the position. */
static int64_t do_rw(struct file *f, uint64_t buf, uint64_t count,
		     uint64_t *pos, bool write)
{
	if (!(f->fmode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	const struct file_operations *ops = f->dev->fops;
	if (write ? !ops->write : !ops->read)
		return -EINVAL;
	/* vfs_read/vfs_write check the buffer before the count. */
	if (!access_ok(buf, count))
		return -EFAULT;
	int err = rw_verify_area(f, *pos, count);
	if (err)
		return err;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	return write ? ops->write(f, buf, count, pos)
		     : ops->read(f, buf, count, pos);
}

static int64_t do_read(struct file *f, uint64_t buf, uint64_t count,
		       uint64_t *pos)
{
	return do_rw(f, buf, count, pos, false);
}

static int64_t do_write(struct file *f, uint64_t buf, uint64_t count,
			uint64_t *pos)
{
	return do_rw(f, buf, count, pos, true);
}

int64_t sys_read(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	return f ? do_read(f, a[1], a[2], &f->pos) : -EBADF;
}

int64_t sys_write(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	return f ? do_write(f, a[1], a[2], &f->pos) : -EBADF;
}

/* pread/pwrite: only on seekable files, at a non-negative position. */
static struct file *positional(struct memu *m, uint64_t fd, uint64_t pos,
			       int64_t *err)
{
	struct file *f = fd_file(m, fd);
	*err = !f		       ? -EBADF
	       : (int64_t)pos < 0      ? -EINVAL
	       : !f->dev->fops->llseek ? -ESPIPE
				       : 0;
	return *err ? NULL : f;
}

int64_t sys_pread64(struct memu *m, const uint64_t *a)
{
	int64_t err;
	uint64_t pos = a[3];
	struct file *f = positional(m, a[0], pos, &err);
	return f ? do_read(f, a[1], a[2], &pos) : err;
}

int64_t sys_pwrite64(struct memu *m, const uint64_t *a)
{
	int64_t err;
	uint64_t pos = a[3];
	struct file *f = positional(m, a[0], pos, &err);
	return f ? do_write(f, a[1], a[2], &pos) : err;
}

static int64_t vector_io(struct memu *m, const uint64_t *a, bool write)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	uint64_t iovcnt = a[2];
	if (iovcnt > IOV_MAX_GUEST)
		return -EINVAL;
	struct {
		uint64_t base, len;
	} iov[IOV_MAX_GUEST];
	if (copy_from_user(m->proc.mm, iov, a[1], iovcnt * sizeof(iov[0])))
		return -EFAULT;
	/* Linux's import_iovec: each segment's length is checked, its
	 * buffer is checked, and the total is clamped to MAX_RW_COUNT. */
	uint64_t total = 0;
	for (uint64_t i = 0; i < iovcnt; i++) {
		if ((int64_t)iov[i].len < 0)
			return -EINVAL;
		if (!access_ok(iov[i].base, iov[i].len))
			return -EFAULT;
		if (iov[i].len > MAX_RW_COUNT - total)
			iov[i].len = MAX_RW_COUNT - total;
		total += iov[i].len;
	}
	int64_t done = 0;
	for (uint64_t i = 0; i < iovcnt; i++) {
		if (!iov[i].len)
			continue;
		int64_t r =
			write ? do_write(f, iov[i].base, iov[i].len, &f->pos)
			      : do_read(f, iov[i].base, iov[i].len, &f->pos);
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

int64_t sys_lseek(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	if (a[2] > SEEK_MAX_WHENCE)
		return -EINVAL;
	if (!f->dev->fops->llseek)
		return -ESPIPE;
	return f->dev->fops->llseek(f, (int64_t)a[1], (int)a[2]);
}

/* ---- paths: the file system is /dev alone, and the cwd is / */

static long get_path(struct memu *m, uint64_t upath, char *path)
{
	long n = strncpy_from_user(m->proc.mm, path + 1, upath,
				   PATH_MAX_GUEST - 1);
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	if (path[1] == '/')
		memmove(path, path + 1, (size_t)n + 1);
	else
		path[0] = '/'; /* relative to the cwd, / */
	return 0;
}

static const struct chardev *lookup(struct memu *m, uint64_t upath,
				    int64_t *err)
{
	char path[PATH_MAX_GUEST + 1];
	*err = get_path(m, upath, path);
	if (*err)
		return NULL;
	const struct chardev *dev = chardev_lookup(path);
	if (!dev)
		*err = -ENOENT;
	return dev;
}

static int64_t do_open(struct memu *m, uint64_t upath, int flags)
{
	int64_t err;
	const struct chardev *dev = lookup(m, upath, &err);
	if (!dev)
		return err;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	struct file *f;
	m->devices.mm = m->proc.mm;
	err = file_open(dev, &m->devices, flags, &f);
	if (err)
		return err;
	return fd_install(m, f);
}

int64_t sys_open(struct memu *m, const uint64_t *a)
{
	return do_open(m, a[0], (int)a[1]);
}

int64_t sys_openat(struct memu *m, const uint64_t *a)
{
	return do_open(m, a[1], (int)a[2]);
}

int64_t sys_access(struct memu *m, const uint64_t *a)
{
	int64_t err;
	return lookup(m, a[0], &err) ? 0 : err;
}

int64_t sys_faccessat(struct memu *m, const uint64_t *a)
{
	int64_t err;
	return lookup(m, a[1], &err) ? 0 : err;
}

/* Only a file with a readlink operation is a symbolic link
 * (/proc/self/exe); Linux checks the size first. */
static int64_t readlink_path(struct memu *m, uint64_t upath, uint64_t ubuf,
			     int bufsiz)
{
	if (bufsiz <= 0)
		return -EINVAL;
	int64_t err;
	const struct chardev *dev = lookup(m, upath, &err);
	if (!dev)
		return err;
	if (!dev->readlink)
		return -EINVAL;
	char target[PATH_MAX_GUEST];
	int n = dev->readlink(&m->devices, target, sizeof(target));
	if (n < 0)
		return n;
	if (n > bufsiz)
		n = bufsiz;
	return copy_to_user(m->proc.mm, ubuf, target, (size_t)n) ? -EFAULT : n;
}

int64_t sys_readlink(struct memu *m, const uint64_t *a)
{
	return readlink_path(m, a[0], a[1], (int)a[2]);
}

int64_t sys_readlinkat(struct memu *m, const uint64_t *a)
{
	return readlink_path(m, a[1], a[2], (int)a[3]);
}

int64_t sys_close(struct memu *m, const uint64_t *a)
{
	return fd_close(m, a[0]);
}

static int64_t dup_to(struct memu *m, struct file *f, uint64_t min)
{
	for (uint64_t fd = min; fd < PROC_FDS; fd++)
		if (!m->proc.fds[fd]) {
			file_get(f);
			m->proc.fds[fd] = f;
			return (int64_t)fd;
		}
	return -EMFILE;
}

int64_t sys_dup(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	return f ? dup_to(m, f, 0) : -EBADF;
}

int64_t sys_dup3(struct memu *m, const uint64_t *a)
{
	uint32_t oldfd = (uint32_t)a[0], newfd = (uint32_t)a[1];
	struct file *f = fd_file(m, oldfd);
	if (!f)
		return -EBADF;
	if ((int)a[2] & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	if (newfd >= PROC_FDS)
		return -EBADF;
	if (m->proc.fds[newfd])
		fd_close(m, newfd);
	file_get(f);
	m->proc.fds[newfd] = f;
	return newfd;
}

int64_t sys_dup2(struct memu *m, const uint64_t *a)
{
	if ((uint32_t)a[0] == (uint32_t)a[1])
		return fd_file(m, a[0]) ? (int64_t)(uint32_t)a[0] : -EBADF;
	uint64_t args[3] = {a[0], a[1], 0};
	return sys_dup3(m, args);
}

static void fill_stat(const struct chardev *dev, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = dev->regular ? 22 /* proc */ : 5 /* devtmpfs */;
	st->st_ino = 1000 + dev->major * 256 + dev->minor;
	st->st_mode = (dev->readlink  ? S_IFLNK
		       : dev->regular ? S_IFREG
				      : S_IFCHR) |
		      dev->mode;
	st->st_nlink = 1;
	st->st_rdev = dev->regular ? 0 : makedev(dev->major, dev->minor);
	st->st_blksize = 4096;
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec =
		(time_t)VCLOCK_EPOCH;
}

/* The host is x86-64 Linux: its struct stat is the guest's. */
static int64_t put_stat(struct memu *m, const struct chardev *dev, uint64_t ust)
{
	struct stat st;
	fill_stat(dev, &st);
	return copy_to_user(m->proc.mm, ust, &st, sizeof(st)) ? -EFAULT : 0;
}

/* The working directory, "/": the one directory memu has so far. */
static int64_t put_root_stat(struct memu *m, uint64_t ust)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_dev = 1;
	st.st_ino = 2;
	st.st_mode = S_IFDIR | 0755;
	st.st_nlink = 2;
	st.st_blksize = 4096;
	st.st_atim.tv_sec = st.st_mtim.tv_sec = st.st_ctim.tv_sec =
		(time_t)VCLOCK_EPOCH;
	return copy_to_user(m->proc.mm, ust, &st, sizeof(st)) ? -EFAULT : 0;
}

int64_t sys_fstat(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	struct stat st;
	fill_stat(f->dev, &st);
	if (f->dev->fops->stat)
		f->dev->fops->stat(f, &st);
	return copy_to_user(m->proc.mm, a[1], &st, sizeof(st)) ? -EFAULT : 0;
}

/* ---- memfd_create, ftruncate and seals (devices/memfd.c) */

#define MFD_HUGETLB_FLAG 0x0004U
#define MFD_NAME_MAX_LEN 249

int64_t sys_memfd_create(struct memu *m, const uint64_t *a)
{
	unsigned flags = (unsigned)a[1];
	/* Linux 6.1's MFD_ALL_FLAGS; memu has no hugetlbfs. */
	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;
	char name[MFD_NAME_MAX_LEN + 2];
	long n = strncpy_from_user(m->proc.mm, name, a[0], sizeof(name) - 1);
	if (n == -EFAULT)
		return -EFAULT;
	if (n < 0 || n > MFD_NAME_MAX_LEN)
		return -EINVAL;
	name[n] = '\0';
	struct file *f;
	m->devices.mm = m->proc.mm;
	int err = memfd_new(&m->devices, name, flags, &f);
	if (err)
		return err;
	return fd_install(m, f);
}

int64_t sys_ftruncate(struct memu *m, const uint64_t *a)
{
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	m->devices.mm = m->proc.mm;
	return memfd_truncate(f, a[1]);
}

int64_t sys_newfstatat(struct memu *m, const uint64_t *a)
{
	char path[PATH_MAX_GUEST + 1];
	long n = strncpy_from_user(m->proc.mm, path, a[1], PATH_MAX_GUEST);
	if (n < 0)
		return n;
	if (n == 0 && (a[3] & AT_EMPTY_PATH)) {
		if ((int)a[0] == AT_FDCWD)
			return put_root_stat(m, a[2]);
		uint64_t f[2] = {a[0], a[2]};
		return sys_fstat(m, f);
	}
	int64_t err;
	const struct chardev *dev = lookup(m, a[1], &err);
	/* A link is followed, and its target (the program) is not in
	 * memu's file system. */
	if (dev && dev->readlink && !(a[3] & AT_SYMLINK_NOFOLLOW))
		return -ENOENT;
	return dev ? put_stat(m, dev, a[2]) : err;
}

int64_t sys_ioctl(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	/* No ioctl: ENOTTY, which is also what the standard streams give
	 * for TIOCGWINSZ, so stdio buffers the same on every host. */
	if (!f->dev->fops->ioctl)
		return -ENOTTY;
	m->devices.mm = m->proc.mm;
	return f->dev->fops->ioctl(f, a[1], a[2]);
}

int64_t sys_fcntl(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	switch (a[1]) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return a[2] >= PROC_FDS ? -EINVAL : dup_to(m, f, a[2]);
	case F_GETFD:
	case F_SETFD:
		return 0;
	case F_GETFL:
		return f->flags;
	case F_ADD_SEALS:
	case F_GET_SEALS:
		return memfd_fcntl_seals(f, a[1] == F_ADD_SEALS,
					 (unsigned)a[2]);
	case F_SETFL: {
		const int settable = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT;
		f->flags = (f->flags & ~settable) | ((int)a[2] & settable);
		return 0;
	}
	default:
		return -EINVAL;
	}
}
