/* Pipes within the process (Linux fs/pipe.c): a 64 KiB ring shared by a
 * read end and a write end.  A read of an empty pipe with a writer, or a
 * write to a full one with a reader, would wait: the ends return
 * -EAGAIN and the system call decides (O_NONBLOCK gives EAGAIN; else the
 * process waits for a signal, emu/sys_io.c).  A write with no reader is
 * EPIPE, and the caller sends SIGPIPE.  Writes of at most PIPE_BUF bytes
 * are never split (docs/files.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../mmu/uaccess.h"
#include "fs.h"

#define PIPE_SIZE 65536 /* 16 pages: Linux's default */
#define PIPE_BUF_ 4096

struct pipe {
	uint8_t *buf;
	uint64_t head, len; /* ring: bytes at [head, head + len) */
	int readers, writers;
	uint64_t ino;
	uint64_t time; /* creation, ns since the epoch */
};

/* One pipe, two files (more when opened again through /proc/PID/fd):
 * each holds a reference, as a reader, a writer or both. */
struct pipe_end {
	struct pipe *p;
	bool read, write;
};

static int64_t pipe_read(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos)
{
	(void)pos;
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	if (!p->len)
		return p->writers ? -EAGAIN : 0;
	uint64_t done = 0;
	while (done < count && p->len) {
		uint64_t n = PIPE_SIZE - p->head;
		if (n > p->len)
			n = p->len;
		if (n > count - done)
			n = count - done;
		if (copy_to_user(f->ctx->mm, ubuf + done, p->buf + p->head, n))
			return done ? (int64_t)done : -EFAULT;
		p->head = (p->head + n) % PIPE_SIZE;
		p->len -= n;
		done += n;
	}
	return (int64_t)done;
}

static int64_t pipe_write(struct file *f, uint64_t ubuf, uint64_t count,
			  uint64_t *pos)
{
	(void)pos;
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	if (!p->readers)
		return -EPIPE;
	uint64_t room = PIPE_SIZE - p->len;
	if (!room || (count <= PIPE_BUF_ && room < count))
		return -EAGAIN;
	uint64_t done = 0;
	while (done < count && p->len < PIPE_SIZE) {
		uint64_t tail = (p->head + p->len) % PIPE_SIZE;
		uint64_t n = tail < p->head ? p->head - tail : PIPE_SIZE - tail;
		if (n > count - done)
			n = count - done;
		if (copy_from_user(f->ctx->mm, p->buf + tail, ubuf + done, n))
			return done ? (int64_t)done : -EFAULT;
		p->len += n;
		done += n;
	}
	return (int64_t)done;
}

static void pipe_release(struct file *f)
{
	struct pipe_end *e = f->private_data;
	struct pipe *p = e->p;
	if (e->write)
		p->writers--;
	if (e->read)
		p->readers--;
	free(e);
	if (!p->readers && !p->writers) {
		free(p->buf);
		free(p);
	}
}

static void pipe_stat(struct file *f, struct stat *st)
{
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	pseudo_file_stat(st, FS_PIPEFS_DEV, p->ino, S_IFIFO | 0600, p->time);
}

static int pipe_reopen(struct file *f, int flags, struct file **out);

static const struct file_operations pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.release = pipe_release,
	.stat = pipe_stat,
	.reopen = pipe_reopen,
};

const struct chardev pipe_dev = {
	.mode = 0600,
	.fops = &pipe_fops,
};

bool pipe_would_block(struct file *f, bool write)
{
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	return write ? p->readers && p->len == PIPE_SIZE
		     : p->writers && !p->len;
}

/* An end of p opened with flags: O_RDONLY, O_WRONLY or (through
 * /proc/PID/fd) O_RDWR, both at once (Linux's fifo_open). */
static int open_end(struct device_context *ctx, struct pipe *p, int flags,
		    struct file **out)
{
	struct pipe_end *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	int err = file_open(&pipe_dev, ctx, flags, out);
	if (err) {
		free(e);
		return err;
	}
	e->p = p;
	e->read = (*out)->fmode & FMODE_READ;
	e->write = (*out)->fmode & FMODE_WRITE;
	(*out)->private_data = e;
	if (e->write)
		p->writers++;
	if (e->read)
		p->readers++;
	return 0;
}

/* open(2) of /proc/PID/fd/N: an end of the same pipe by flags; neither
 * read nor write (O_ACCMODE) is EINVAL, as fifo_open's. */
static int pipe_reopen(struct file *f, int flags, struct file **out)
{
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	return open_end(f->ctx, p, flags, out);
}

int pipe_new(struct device_context *ctx, int flags, struct file **rd,
	     struct file **wr)
{
	struct pipe *p = calloc(1, sizeof(*p));
	if (!p || !(p->buf = malloc(PIPE_SIZE))) {
		free(p);
		return -ENOMEM;
	}
	p->ino = ctx->fs->next_ino[FS_PIPEFS_DEV]++;
	p->time = fs_now(ctx->fs);
	int keep = flags & (O_NONBLOCK | O_DIRECT);
	int err = open_end(ctx, p, O_RDONLY | keep, rd);
	if (err) {
		free(p->buf);
		free(p);
		return err;
	}
	err = open_end(ctx, p, O_WRONLY | keep, wr);
	if (err) {
		file_put(*rd); /* frees the pipe */
		return err;
	}
	return 0;
}
