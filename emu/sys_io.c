/* File syscalls on descriptors (emu/files.c) over the files' operations
 * (devices/): read, write and their vector and positional forms, lseek,
 * dup, fcntl, ioctl, memfd_create and pipes.  Calls on names are in
 * sys_fs.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "../devices/eventfd.h"
#include "../devices/fs.h"
#include "../devices/memfd.h"
#include "../devices/signalfd.h"
#include "../devices/timerfd.h"
#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define MAX_RW_COUNT	0x7ffff000ULL /* Linux INT_MAX & PAGE_MASK */
#define IOV_MAX_GUEST	1024
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
static int64_t do_rw(struct memu *m, struct file *f, uint64_t buf,
		     uint64_t count, uint64_t *pos, bool write)
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
	int64_t r = write ? ops->write(f, buf, count, pos)
			  : ops->read(f, buf, count, pos);
	if (f->dev != &pipe_dev && f->dev != &unix_pair_dev &&
	    f->dev != &eventfd_dev && f->dev != &timerfd_dev &&
	    f->dev != &signalfd_dev)
		return r;
	/* A pipe (a socket, an eventfd, a timer, a signalfd) that would
	 * wait: EAGAIN when non-blocking; else the process sleeps until a
	 * signal comes (one the file reads too), a timer's expiry, or with
	 * other processes until one of them reads, writes or closes
	 * (docs/processes.md). */
	if (r == -EAGAIN && !(f->flags & O_NONBLOCK)) {
		uint64_t at = ops->next_event ? ops->next_event(f) : 0;
		uint64_t set = ops->wake_signals ? ops->wake_signals(f) : 0;
		wait_interruptible_set(m, at != 0, at, set);
		/* With other processes it blocks until a pipe moves. */
		if (m->proc->state == TASK_BLOCKED)
			m->proc->wait_file = true;
		return -ERESTARTSYS; /* a handler with SA_RESTART: again */
	}
	if (r >= 0)
		wake_file_waiters(m);
	if (r == -EPIPE)
		send_sig_self(m, SIGPIPE, SI_USER, false);
	return r;
}

static int64_t do_read(struct memu *m, struct file *f, uint64_t buf,
		       uint64_t count, uint64_t *pos)
{
	return do_rw(m, f, buf, count, pos, false);
}

static int64_t do_write(struct memu *m, struct file *f, uint64_t buf,
			uint64_t count, uint64_t *pos)
{
	return do_rw(m, f, buf, count, pos, true);
}

int64_t sys_read(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	return f ? do_read(m, f, a[1], a[2], &f->pos) : -EBADF;
}

/* A blocking write to a pipe another process reads: Linux's pipe_write
 * writes it all, waiting for room as often as it takes; a signal ends
 * it with what was written (docs/processes.md).  The call runs again
 * after each wait, from where it was (rw_done). */
static int64_t pipe_write_all(struct memu *m, struct file *f, uint64_t buf,
			      uint64_t count)
{
	struct process *p = m->proc;
	uint64_t done = p->woken ? p->rw_done : 0;
	p->rw_done = 0;
	for (;;) {
		int64_t r = do_write(m, f, buf + done, count - done, &f->pos);
		if (r > 0 && (done += (uint64_t)r) < count)
			continue;
		if (r > 0)
			return (int64_t)done;
		if (r == -ERESTARTSYS && p->state == TASK_BLOCKED) {
			p->rw_done = done;
			return r;
		}
		return done ? (int64_t)done : r;
	}
}

int64_t sys_write(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	if ((f->dev == &pipe_dev || f->dev == &unix_pair_dev) &&
	    !(f->flags & O_NONBLOCK) && sched_multi(m))
		return pipe_write_all(m, f, a[1], a[2]);
	return do_write(m, f, a[1], a[2], &f->pos);
}

/* pread/pwrite: only on seekable files, at a non-negative position. */
static struct file *positional(struct memu *m, uint64_t fd, uint64_t pos,
			       int64_t *err)
{
	struct file *f = fd_file(m, fd);
	*err = !f					   ? -EBADF
	       : (int64_t)pos < 0			   ? -EINVAL
	       : !f->dev->fops->llseek || f->dev->no_pread ? -ESPIPE
							   : 0;
	return *err ? NULL : f;
}

int64_t sys_pread64(struct memu *m, const uint64_t *a)
{
	int64_t err;
	uint64_t pos = a[3];
	struct file *f = positional(m, a[0], pos, &err);
	return f ? do_read(m, f, a[1], a[2], &pos) : err;
}

int64_t sys_pwrite64(struct memu *m, const uint64_t *a)
{
	int64_t err;
	uint64_t pos = a[3];
	struct file *f = positional(m, a[0], pos, &err);
	return f ? do_write(m, f, a[1], a[2], &pos) : err;
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
	if (copy_from_user(m->proc->mm, iov, a[1], iovcnt * sizeof(iov[0])))
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
			write ? do_write(m, f, iov[i].base, iov[i].len, &f->pos)
			      : do_read(m, f, iov[i].base, iov[i].len, &f->pos);
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

int64_t sys_close(struct memu *m, const uint64_t *a)
{
	return fd_close(m, a[0]);
}

static int64_t dup_to(struct memu *m, struct file *f, uint64_t min)
{
	for (uint64_t fd = min; fd < PROC_FDS; fd++)
		if (!m->proc->files->fds[fd]) {
			file_get(f);
			m->proc->files->fds[fd] = f;
			m->proc->files->cloexec[fd] = false;
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
	if (m->proc->files->fds[newfd])
		fd_close(m, newfd);
	file_get(f);
	m->proc->files->fds[newfd] = f;
	m->proc->files->cloexec[newfd] = (a[2] & O_CLOEXEC) != 0;
	return newfd;
}

int64_t sys_dup2(struct memu *m, const uint64_t *a)
{
	if ((uint32_t)a[0] == (uint32_t)a[1])
		return fd_file(m, a[0]) ? (int64_t)(uint32_t)a[0] : -EBADF;
	uint64_t args[3] = {a[0], a[1], 0};
	return sys_dup3(m, args);
}

/* ---- eventfd (devices/eventfd.c) */

int64_t sys_eventfd2(struct memu *m, const uint64_t *a)
{
	int flags = (int)a[1];
	if (flags & ~(EFD_SEMAPHORE_ | O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	struct file *f;
	int err = eventfd_new(&m->devices, (unsigned)a[0], flags, &f);
	return err ? err : fd_install_flags(m, f, flags & O_CLOEXEC);
}

int64_t sys_eventfd(struct memu *m, const uint64_t *a)
{
	const uint64_t args[2] = {a[0], 0};
	return sys_eventfd2(m, args);
}

/* ---- signalfd (devices/signalfd.c) */

#define SFD_FLAGS (O_CLOEXEC | O_NONBLOCK)

/* signalfd4: the size of the kernel's sigset_t (EINVAL), the mask
 * (EFAULT), the flags (EINVAL); fd -1 makes a new signalfd, another
 * descriptor must be one whose mask this replaces (EBADF, EINVAL).
 * SIGKILL and SIGSTOP are never read. */
int64_t sys_signalfd4(struct memu *m, const uint64_t *a)
{
	int ufd = (int)a[0], flags = (int)a[3];
	uint64_t mask;
	if (a[2] != sizeof(mask))
		return -EINVAL;
	if (copy_from_user(m->proc->mm, &mask, a[1], sizeof(mask)))
		return -EFAULT;
	if (flags & ~SFD_FLAGS)
		return -EINVAL;
	mask &= ~GUEST_UNBLOCKABLE;
	if (ufd == -1) {
		struct file *f;
		int err =
			signalfd_new(&m->devices, mask, flags & O_NONBLOCK, &f);
		return err ? err : fd_install_flags(m, f, flags & O_CLOEXEC);
	}
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	if (f->dev != &signalfd_dev)
		return -EINVAL;
	signalfd_set_mask(f, mask);
	wake_file_waiters(m); /* a wait on it takes the new mask */
	return ufd;
}

int64_t sys_signalfd(struct memu *m, const uint64_t *a)
{
	const uint64_t args[4] = {a[0], a[1], a[2], 0};
	return sys_signalfd4(m, args);
}

/* ---- timerfd (devices/timerfd.c) */

#define TFD_CREATE_FLAGS (O_CLOEXEC | O_NONBLOCK)
#define NSEC_PER_SEC_	 1000000000LL

int64_t sys_timerfd_create(struct memu *m, const uint64_t *a)
{
	int clockid = (int)a[0], flags = (int)a[1];
	if ((flags & ~TFD_CREATE_FLAGS) ||
	    (clockid != CLOCK_MONOTONIC && clockid != CLOCK_REALTIME &&
	     clockid != CLOCK_REALTIME_ALARM && clockid != CLOCK_BOOTTIME &&
	     clockid != CLOCK_BOOTTIME_ALARM))
		return -EINVAL;
	/* the guest is root: CAP_WAKE_ALARM for the alarm clocks */
	struct file *f;
	int err = timerfd_new(&m->devices, clockid, flags & O_NONBLOCK, &f);
	return err ? err : fd_install_flags(m, f, flags & O_CLOEXEC);
}

/* struct itimerspec at uaddr: -EFAULT, -EINVAL (itimerspec64_valid). */
static int get_itimerspec(struct memu *m, uint64_t uaddr,
			  struct timerfd_spec *s)
{
	int64_t v[4];
	if (copy_from_user(m->proc->mm, v, uaddr, sizeof(v)))
		return -EFAULT;
	for (int i = 0; i < 4; i += 2)
		if (v[i] < 0 || v[i + 1] < 0 || v[i + 1] >= NSEC_PER_SEC_)
			return -EINVAL;
	s->interval = (uint64_t)v[0] * NSEC_PER_SEC_ + (uint64_t)v[1];
	s->value = (uint64_t)v[2] * NSEC_PER_SEC_ + (uint64_t)v[3];
	return 0;
}

static int put_itimerspec(struct memu *m, uint64_t uaddr,
			  const struct timerfd_spec *s)
{
	int64_t v[4] = {
		(int64_t)(s->interval / NSEC_PER_SEC_),
		(int64_t)(s->interval % NSEC_PER_SEC_),
		(int64_t)(s->value / NSEC_PER_SEC_),
		(int64_t)(s->value % NSEC_PER_SEC_),
	};
	return copy_to_user(m->proc->mm, uaddr, v, sizeof(v)) ? -EFAULT : 0;
}

/* timerfd_fget: a descriptor of a timer, or EBADF, EINVAL. */
static struct file *timerfd_of(struct memu *m, uint64_t fd, int *err)
{
	struct file *f = fd_file(m, fd);
	*err = !f ? -EBADF : f->dev != &timerfd_dev ? -EINVAL : 0;
	return *err ? NULL : f;
}

int64_t sys_timerfd_settime(struct memu *m, const uint64_t *a)
{
	int flags = (int)a[1];
	struct timerfd_spec set, old;
	int err = get_itimerspec(m, a[2], &set);
	if (err == -EFAULT)
		return err;
	if (err || (flags & ~(TFD_TIMER_ABSTIME_ | TFD_TIMER_CANCEL_ON_SET_)))
		return -EINVAL;
	struct file *f = timerfd_of(m, a[0], &err);
	if (!f)
		return err;
	timerfd_set(f, flags, &set, &old);
	wake_file_waiters(m); /* a wait may now end sooner */
	return a[3] ? put_itimerspec(m, a[3], &old) : 0;
}

int64_t sys_timerfd_gettime(struct memu *m, const uint64_t *a)
{
	int err;
	struct file *f = timerfd_of(m, a[0], &err);
	if (!f)
		return err;
	struct timerfd_spec cur;
	timerfd_get(f, &cur);
	return put_itimerspec(m, a[1], &cur);
}

/* ---- memfd_create (devices/memfd.c) */

#define MFD_HUGETLB_FLAG 0x0004U
#define MFD_NAME_MAX_LEN 249

int64_t sys_memfd_create(struct memu *m, const uint64_t *a)
{
	unsigned flags = (unsigned)a[1];
	/* Linux 6.1's MFD_ALL_FLAGS; memu has no hugetlbfs. */
	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;
	char name[MFD_NAME_MAX_LEN + 2];
	long n = strncpy_from_user(m->proc->mm, name, a[0], sizeof(name) - 1);
	if (n == -EFAULT)
		return -EFAULT;
	if (n < 0 || n > MFD_NAME_MAX_LEN)
		return -EINVAL;
	name[n] = '\0';
	struct file *f;
	m->devices.mm = m->proc->mm;
	int err = memfd_new(&m->devices, name, flags, &f);
	if (err)
		return err;
	return fd_install_flags(m, f, flags & MFD_CLOEXEC ? O_CLOEXEC : 0);
}

/* ---- pipes */

static int64_t do_pipe2(struct memu *m, uint64_t ufds, int flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	struct file *rd, *wr;
	m->devices.mm = m->proc->mm;
	int err = pipe_new(&m->devices, flags, &rd, &wr);
	if (err)
		return err;
	int64_t fds[2] = {fd_install_flags(m, rd, flags), -1};
	if (fds[0] < 0) {
		file_put(wr);
		return fds[0];
	}
	fds[1] = fd_install_flags(m, wr, flags);
	if (fds[1] < 0) {
		fd_close(m, (uint64_t)fds[0]);
		return fds[1];
	}
	int32_t out[2] = {(int32_t)fds[0], (int32_t)fds[1]};
	if (copy_to_user(m->proc->mm, ufds, out, sizeof(out))) {
		fd_close(m, (uint64_t)fds[0]);
		fd_close(m, (uint64_t)fds[1]);
		return -EFAULT;
	}
	return 0;
}

int64_t sys_pipe(struct memu *m, const uint64_t *a)
{
	return do_pipe2(m, a[0], 0);
}

int64_t sys_pipe2(struct memu *m, const uint64_t *a)
{
	return do_pipe2(m, a[0], (int)a[1]);
}

/* ---- socketpair (devices/unix_pair.c) */

#define SOCK_TYPE_MASK 0xf
#define SOCK_MAX       11 /* SOCK_PACKET + 1 */
#define NPROTO	       46 /* AF_MAX, Linux 6.1 */

/* Linux __sys_socketpair: the flags, the descriptors (written before the
 * sockets exist), then the family, type and protocol. */
int64_t sys_socketpair(struct memu *m, const uint64_t *a)
{
	int family = (int)a[0], type = (int)a[1], protocol = (int)a[2];
	int flags = type & ~SOCK_TYPE_MASK;
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	type &= SOCK_TYPE_MASK;
	struct file *ends[2];
	m->devices.mm = m->proc->mm;
	int err = unix_pair_new(&m->devices, type, flags, ends);
	if (err)
		return err;
	int64_t fds[2] = {fd_install_flags(m, ends[0], flags), -1};
	if (fds[0] < 0) {
		file_put(ends[1]);
		return fds[0];
	}
	fds[1] = fd_install_flags(m, ends[1], flags);
	if (fds[1] < 0) {
		fd_close(m, (uint64_t)fds[0]);
		return fds[1];
	}
	int32_t out[2] = {(int32_t)fds[0], (int32_t)fds[1]};
	if (copy_to_user(m->proc->mm, a[3], out, sizeof(out)))
		err = -EFAULT;
	else if (family < 0 || family >= NPROTO)
		err = -EAFNOSUPPORT;
	else if (type >= SOCK_MAX)
		err = -EINVAL;
	else if (family != AF_UNIX)
		err = -EAFNOSUPPORT; /* memu has no other family */
	else if (protocol && protocol != AF_UNIX)
		err = -EPROTONOSUPPORT;
	else if (type == SOCK_DGRAM || type == SOCK_RAW)
		err = -ENOSYS; /* not yet (docs/files.md) */
	else if (type != SOCK_STREAM && type != SOCK_SEQPACKET)
		err = -ESOCKTNOSUPPORT;
	if (err) {
		fd_close(m, (uint64_t)fds[0]);
		fd_close(m, (uint64_t)fds[1]);
		return err;
	}
	return 0;
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
	m->devices.mm = m->proc->mm;
	return f->dev->fops->ioctl(f, a[1], a[2]);
}

int64_t sys_fcntl(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	switch (a[1]) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		if (a[2] >= PROC_FDS)
			return -EINVAL;
		int64_t fd = dup_to(m, f, a[2]);
		if (fd >= 0)
			m->proc->files->cloexec[fd] = a[1] == F_DUPFD_CLOEXEC;
		return fd;
	}
	case F_GETFD:
		return m->proc->files->cloexec[(uint32_t)a[0]] ? FD_CLOEXEC : 0;
	case F_SETFD:
		m->proc->files->cloexec[(uint32_t)a[0]] = a[2] & FD_CLOEXEC;
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
