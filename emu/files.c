/* The guest's descriptor table.  Descriptors 0-2 start as the host
 * streams the configuration names (a pass-through "host stream" device);
 * open(2) of a device path adds a struct file from devices/. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "../mmu/uaccess.h"
#include "gdbstub.h"
#include "machine.h"

/* ---- host streams: stdin, stdout, stderr */

struct host_stream {
	int fd; /* -1: no input (end of file) */
};

/* The machine a host stream's file belongs to. */
static struct memu *stream_machine(struct file *f)
{
	return (struct memu *)(void *)((char *)f->ctx -
				       offsetof(struct memu, devices));
}

/* On the stack: machines in different threads never share it. */
#define BOUNCE 16384

static int64_t stream_write(struct file *f, uint64_t buf, uint64_t count,
			    uint64_t *ppos)
{
	(void)ppos;
	struct host_stream *s = f->private_data;
	uint8_t bounce[BOUNCE];
	uint64_t done = 0;
	while (done < count) {
		size_t k = count - done < BOUNCE ? count - done : BOUNCE;
		if (copy_from_user(f->ctx->mm, bounce, buf + done, k))
			return done ? (int64_t)done : -EFAULT;
		/* Once, however often gdb replays it (docs/gdb.md). */
		long w = gdb_host_write(stream_machine(f), s->fd, bounce, k);
		if (w < 0)
			return done ? (int64_t)done : w;
		done += (uint64_t)w;
		if ((size_t)w < k)
			break;
	}
	return (int64_t)done;
}

static int64_t stream_read(struct file *f, uint64_t buf, uint64_t count,
			   uint64_t *ppos)
{
	(void)ppos;
	struct host_stream *s = f->private_data;
	uint8_t bounce[BOUNCE];
	size_t k = count < BOUNCE ? count : BOUNCE;
	if (s->fd < 0)
		return 0;
	if (!access_ok(buf, k))
		return -EFAULT;
	long r = gdb_host_read(stream_machine(f), s->fd, bounce, k);
	if (r < 0)
		return r;
	if (copy_to_user(f->ctx->mm, buf, bounce, (size_t)r))
		return -EFAULT;
	return r;
}

static void stream_release(struct file *f)
{
	free(f->private_data); /* the host fd is not ours to close */
}

static int stream_reopen(struct file *f, int flags, struct file **out);

static const struct file_operations stream_fops = {
	.read = stream_read,
	.write = stream_write,
	.release = stream_release,
	.reopen = stream_reopen,
};

/* A terminal-like character device, 136:0 (pts/0), on every host alike;
 * its ioctls give ENOTTY, so stdio buffers the same way everywhere.  It
 * has no node in the guest's /dev: /proc/PID/fd shows its path, and
 * opening that opens the same host stream again. */
static const struct chardev host_stream_dev = {
	.path = "/dev/pts/0",
	.major = 136,
	.minor = 0,
	.mode = 0620,
	.fops = &stream_fops,
};

/* A file on the host stream host_fd, with open(2) flags. */
static int stream_file(struct device_context *ctx, int host_fd, int flags,
		       struct file **out)
{
	struct host_stream *s = malloc(sizeof(*s));
	int err = s ? file_open(&host_stream_dev, ctx, flags, out) : -ENOMEM;
	if (err) {
		free(s);
		return err;
	}
	s->fd = host_fd;
	(*out)->private_data = s;
	return 0;
}

/* Only as it was opened: the host's stream is not the guest's to write
 * if it was given for reading, nor the reverse (EACCES). */
static int stream_reopen(struct file *f, int flags, struct file **out)
{
	if ((flags & O_ACCMODE) != (f->flags & O_ACCMODE))
		return -EACCES;
	return stream_file(f->ctx, ((struct host_stream *)f->private_data)->fd,
			   flags, out);
}

static int open_stream(struct memu *m, int host_fd, int flags)
{
	struct file *f;
	int err = stream_file(&m->devices, host_fd, flags, &f);
	return err ? err : fd_install(m, f);
}

int files_init(struct memu *m)
{
	if (open_stream(m, m->cfg.stdin_fd, O_RDONLY) != 0 ||
	    open_stream(m, m->cfg.stdout_fd, O_WRONLY) != 1 ||
	    open_stream(m, m->cfg.stderr_fd, O_WRONLY) != 2)
		return -1;
	return 0;
}

/* ---- the table */

int fd_install(struct memu *m, struct file *f)
{
	for (int fd = 0; fd < PROC_FDS; fd++)
		if (!m->proc->files->fds[fd]) {
			m->proc->files->fds[fd] = f;
			return fd;
		}
	file_put(f); /* the caller's reference: nowhere to keep it */
	return -EMFILE;
}

struct file *fd_file(struct memu *m, uint64_t fd)
{
	/* Descriptors are (unsigned) ints: Linux ignores the high half. */
	uint32_t n = (uint32_t)fd;
	return n < PROC_FDS ? m->proc->files->fds[n] : NULL;
}

int fd_close(struct memu *m, uint64_t fd)
{
	struct file *f = fd_file(m, fd);
	if (!f)
		return -EBADF;
	m->proc->files->fds[(uint32_t)fd] = NULL;
	m->proc->files->cloexec[(uint32_t)fd] = false;
	bool pipe = f->dev == &pipe_dev || f->dev == &unix_pair_dev;
	file_put(f);
	if (pipe)
		wake_file_waiters(m); /* a pipe end or socket may have closed */
	return 0;
}

void files_close_all(struct memu *m)
{
	for (int fd = 0; fd < PROC_FDS; fd++)
		if (m->proc->files->fds[fd])
			fd_close(m, (uint64_t)fd);
}
