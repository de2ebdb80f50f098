/* Pipes (Linux fs/pipe.c, docs/files.md "Pipes"): a ring of 16 page
 * buffers shared by a read end and a write end, filled and drained as
 * Linux's pipe_write and pipe_read do.  A write first appends its part
 * short of a whole page to the last buffer, if that buffer is not yet
 * read out and has the room; the rest goes a page to a buffer, each a
 * slot of the ring.  So a pipe holds 16 pages' worth at most, less when
 * writes leave buffers part full (Linux's answer byte for byte), and a
 * write of at most a page is never split.  A read of an empty pipe with
 * a writer, or a write to a full one with a reader, would wait: the
 * ends return -EAGAIN and the system call decides (O_NONBLOCK gives
 * EAGAIN; else the process waits, emu/sys_io.c).  A write with no
 * reader is EPIPE, and the caller sends SIGPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../mmu/uaccess.h"
#include "fs.h"
#include "waitqueue.h"

#define PIPE_SLOTS 16 /* Linux's default: 16 pages, 64 KiB */
#define PIPE_PAGE  4096

/* Linux struct pipe_buffer: bytes [offset, offset + len) of its page. */
struct pipe_buffer {
	uint32_t offset, len;
};

struct pipe {
	uint8_t *pages; /* slot k's page at pages + k * PIPE_PAGE */
	struct pipe_buffer bufs[PIPE_SLOTS];
	unsigned head, tail; /* free-running: slots in use head - tail */
	int readers, writers;
	/* what epoll's items wait on: the read ends', the write ends' */
	struct wait_queue_head rd_wait, wr_wait;
	uint64_t ino;
	uint64_t time; /* creation, ns since the epoch */
};

/* One pipe, two files (more when opened again through /proc/PID/fd):
 * each holds a reference, as a reader, a writer or both. */
struct pipe_end {
	struct pipe *p;
	bool read, write;
};

static bool pipe_empty(const struct pipe *p)
{
	return p->head == p->tail;
}

static bool pipe_full(const struct pipe *p)
{
	return p->head - p->tail >= PIPE_SLOTS;
}

static uint8_t *slot_page(struct pipe *p, unsigned slot)
{
	return p->pages + (size_t)(slot % PIPE_SLOTS) * PIPE_PAGE;
}

static int64_t pipe_read(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos)
{
	(void)pos;
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	if (!count)
		return 0; /* a null read succeeds */
	if (pipe_empty(p))
		return p->writers ? -EAGAIN : 0;
	/* pipe_read wakes the writers when the pipe was full */
	if (pipe_full(p))
		wake_up_poll(&p->wr_wait, POLLOUT | POLLWRNORM);
	uint64_t done = 0;
	while (done < count && !pipe_empty(p)) {
		struct pipe_buffer *b = &p->bufs[p->tail % PIPE_SLOTS];
		uint64_t n = b->len;
		if (n > count - done)
			n = count - done;
		if (n && copy_to_user(f->ctx->mm, ubuf + done,
				      slot_page(p, p->tail) + b->offset, n))
			return done ? (int64_t)done : -EFAULT;
		b->offset += (uint32_t)n;
		b->len -= (uint32_t)n;
		done += n;
		if (!b->len)
			p->tail++; /* read out: the slot is free */
	}
	/* Only buffers a faulting write left empty: nothing to read yet,
	 * as Linux's loop finds. */
	return done ? (int64_t)done : p->writers ? -EAGAIN : 0;
}

static int64_t pipe_fill(struct file *f, struct pipe *p, uint64_t ubuf,
			 uint64_t count);

static int64_t pipe_write(struct file *f, uint64_t ubuf, uint64_t count,
			  uint64_t *pos)
{
	(void)pos;
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	if (!count)
		return 0; /* a null write succeeds, reader or not */
	if (!p->readers)
		return -EPIPE;
	int64_t r = pipe_fill(f, p, ubuf, count);
	/* "Epoll nonsensically wants a wakeup whether the pipe was already
	 * empty or not" (pipe_write): every write wakes the readers, one
	 * that wrote nothing too. */
	wake_up_poll(&p->rd_wait, POLLIN | POLLRDNORM);
	return r;
}

/* What pipe_write puts in the ring. */
static int64_t pipe_fill(struct file *f, struct pipe *p, uint64_t ubuf,
			 uint64_t count)
{
	uint64_t done = 0;
	/* The part short of a page merges into the last buffer. */
	uint64_t chars = count & (PIPE_PAGE - 1);
	if (chars && !pipe_empty(p)) {
		unsigned last = p->head - 1;
		struct pipe_buffer *b = &p->bufs[last % PIPE_SLOTS];
		uint64_t off = (uint64_t)b->offset + b->len;
		if (off + chars <= PIPE_PAGE) {
			if (copy_from_user(f->ctx->mm, slot_page(p, last) + off,
					   ubuf, chars))
				return -EFAULT;
			b->len += (uint32_t)chars;
			done = chars;
		}
	}
	/* The rest a page to a new buffer, while a slot is free. */
	while (done < count && !pipe_full(p)) {
		unsigned slot = p->head++;
		struct pipe_buffer *b = &p->bufs[slot % PIPE_SLOTS];
		b->offset = b->len = 0;
		uint64_t n =
			count - done < PIPE_PAGE ? count - done : PIPE_PAGE;
		/* A fault leaves the slot taken, and empty, as Linux's. */
		if (copy_from_user(f->ctx->mm, slot_page(p, slot), ubuf + done,
				   n))
			return done ? (int64_t)done : -EFAULT;
		b->len = (uint32_t)n;
		done += n;
	}
	return done ? (int64_t)done : -EAGAIN;
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
	if (!p->readers != !p->writers) {
		wake_up_poll(&p->rd_wait, 0);
		wake_up_poll(&p->wr_wait, 0);
	}
	if (!p->readers && !p->writers) {
		free(p->pages);
		free(p);
	}
}

static void pipe_stat(struct file *f, struct stat *st)
{
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	pseudo_file_stat(st, FS_PIPEFS_DEV, p->ino, S_IFIFO | 0600, p->time);
}

/* pipe_poll: readable with a buffer in it, hung up with no writer
 * left; writable while a slot is free, an error with no reader left. */
static unsigned pipe_poll(struct file *f)
{
	struct pipe_end *e = f->private_data;
	struct pipe *p = e->p;
	unsigned mask = 0;
	if (f->fmode & FMODE_READ) {
		if (!pipe_empty(p))
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers)
			mask |= POLLHUP;
	}
	if (f->fmode & FMODE_WRITE) {
		if (!pipe_full(p))
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

static int pipe_poll_queues(struct file *f, struct wait_queue_head *q[2])
{
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	int n = 0;
	if (f->fmode & FMODE_READ)
		q[n++] = &p->rd_wait;
	if (f->fmode & FMODE_WRITE)
		q[n++] = &p->wr_wait;
	return n;
}

static int pipe_reopen(struct file *f, int flags, struct file **out);

static const struct file_operations pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.release = pipe_release,
	.stat = pipe_stat,
	.reopen = pipe_reopen,
	.poll = pipe_poll,
	.poll_queues = pipe_poll_queues,
};

const struct chardev pipe_dev = {
	.mode = 0600,
	.fops = &pipe_fops,
};

bool pipe_would_block(struct file *f, bool write)
{
	struct pipe *p = ((struct pipe_end *)f->private_data)->p;
	return write ? p->readers && pipe_full(p) : p->writers && pipe_empty(p);
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
	if (!p || !(p->pages = malloc((size_t)PIPE_SLOTS * PIPE_PAGE))) {
		free(p);
		return -ENOMEM;
	}
	p->ino = ctx->fs->next_ino[FS_PIPEFS_DEV]++;
	p->time = fs_now(ctx->fs);
	int keep = flags & (O_NONBLOCK | O_DIRECT);
	int err = open_end(ctx, p, O_RDONLY | keep, rd);
	if (err) {
		free(p->pages);
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
