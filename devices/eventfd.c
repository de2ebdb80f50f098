/* eventfd (Linux 6.1's fs/eventfd.c; docs/files.md, "eventfd"): a
 * 64-bit counter.  A read of 8 bytes or more takes the count and zeroes
 * it (with EFD_SEMAPHORE takes 1), and would wait at 0; a write adds an
 * 8-byte value, ULLONG_MAX itself EINVAL, and would wait while the sum
 * would pass ULLONG_MAX - 1.  "Would wait" is -EAGAIN, and the system
 * call decides, as for a pipe (emu/sys_io.c).  The file is on the
 * kernel's anonymous inode (mode 0600 and no file type, as Linux's
 * anon_inode); /proc/PID/fd shows "anon_inode:[eventfd]", and fdinfo
 * the count and an id, the lowest unused in the machine (Linux's ida).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../mmu/uaccess.h"
#include "eventfd.h"
#include "fs.h"
#include "waitqueue.h"

#define EVENTFD_IDS 65536 /* live eventfds in one machine */

struct eventfd_ctx {
	uint64_t count;
	int flags; /* EFD_SEMAPHORE_ */
	int id;
	struct wait_queue_head wqh; /* epoll's items */
};

/* The ids in use in this machine (device_data), a bit each. */
struct eventfd_ids {
	uint64_t used[EVENTFD_IDS / 64];
};

static struct eventfd_ids *ids_of(struct device_context *ctx)
{
	struct eventfd_ids *ids = device_data(ctx, &eventfd_dev);
	if (!ids) {
		ids = calloc(1, sizeof(*ids));
		if (ids && device_set_data(ctx, &eventfd_dev, ids)) {
			free(ids);
			ids = NULL;
		}
	}
	return ids;
}

static int id_alloc(struct device_context *ctx)
{
	struct eventfd_ids *ids = ids_of(ctx);
	for (int id = 0; ids && id < EVENTFD_IDS; id++)
		if (!(ids->used[id / 64] & (1ULL << (id % 64)))) {
			ids->used[id / 64] |= 1ULL << (id % 64);
			return id;
		}
	return -ENOMEM;
}

static void id_free(struct device_context *ctx, int id)
{
	struct eventfd_ids *ids = device_data(ctx, &eventfd_dev);
	ids->used[id / 64] &= ~(1ULL << (id % 64));
}

static int64_t eventfd_read(struct file *f, uint64_t ubuf, uint64_t count,
			    uint64_t *pos)
{
	(void)pos;
	struct eventfd_ctx *e = f->private_data;
	if (count < sizeof(uint64_t))
		return -EINVAL;
	if (!e->count)
		return -EAGAIN;
	uint64_t v = e->flags & EFD_SEMAPHORE_ ? 1 : e->count;
	if (copy_to_user(f->ctx->mm, ubuf, &v, sizeof(v)))
		return -EFAULT;
	e->count -= v;
	wake_up_poll(&e->wqh, POLLOUT);
	return sizeof(v);
}

static int64_t eventfd_write(struct file *f, uint64_t ubuf, uint64_t count,
			     uint64_t *pos)
{
	(void)pos;
	struct eventfd_ctx *e = f->private_data;
	uint64_t v;
	if (count < sizeof(v))
		return -EINVAL;
	if (copy_from_user(f->ctx->mm, &v, ubuf, sizeof(v)))
		return -EFAULT;
	if (v == UINT64_MAX)
		return -EINVAL;
	if (UINT64_MAX - e->count <= v)
		return -EAGAIN;
	e->count += v;
	wake_up_poll(&e->wqh, POLLIN);
	return sizeof(v);
}

static void eventfd_release(struct file *f)
{
	struct eventfd_ctx *e = f->private_data;
	id_free(f->ctx, e->id);
	free(e);
}

/* The anonymous inode every such file shares: inode 1 of its mount. */
static void eventfd_stat(struct file *f, struct stat *st)
{
	pseudo_file_stat(st, FS_ANON_DEV, 1, S_IRUSR | S_IWUSR,
			 f->ctx->fs->epoch_ns);
}

static int eventfd_show_fdinfo(struct file *f, char *buf, size_t size)
{
	struct eventfd_ctx *e = f->private_data;
	return snprintf(buf, size, "eventfd-count: %16llx\neventfd-id: %d\n",
			(unsigned long long)e->count, e->id);
}

/* eventfd_poll: readable with a count, writable while 1 more fits, an
 * error at the count no write can reach (ULLONG_MAX). */
static unsigned eventfd_poll(struct file *f)
{
	const struct eventfd_ctx *e = f->private_data;
	unsigned mask = 0;
	if (e->count > 0)
		mask |= POLLIN;
	if (e->count == UINT64_MAX)
		mask |= POLLERR;
	if (UINT64_MAX - 1 > e->count)
		mask |= POLLOUT;
	return mask;
}

static int eventfd_poll_queues(struct file *f, struct wait_queue_head *q[2])
{
	struct eventfd_ctx *e = f->private_data;
	q[0] = &e->wqh;
	return 1;
}

static const struct file_operations eventfd_fops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.release = eventfd_release,
	.stat = eventfd_stat,
	.show_fdinfo = eventfd_show_fdinfo,
	.poll = eventfd_poll,
	.poll_queues = eventfd_poll_queues,
};

const struct chardev eventfd_dev = {
	.path = "anon_inode:[eventfd]", /* what /proc/PID/fd shows */
	.mode = 0600,
	.fops = &eventfd_fops,
};

int eventfd_new(struct device_context *ctx, unsigned count, int flags,
		struct file **out)
{
	struct eventfd_ctx *e = calloc(1, sizeof(*e));
	int id = e ? id_alloc(ctx) : -ENOMEM;
	if (id < 0) {
		free(e);
		return id;
	}
	e->count = count;
	e->flags = flags & EFD_SEMAPHORE_;
	e->id = id;
	int err = file_open(&eventfd_dev, ctx, O_RDWR | (flags & O_NONBLOCK),
			    out);
	if (err) {
		id_free(ctx, id);
		free(e);
		return err;
	}
	(*out)->private_data = e;
	return 0;
}
