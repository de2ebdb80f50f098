/* socketpair(AF_UNIX): two connected sockets, each reading what the other
 * writes (Linux net/unix/af_unix.c, docs/files.md "Socket pairs").  Each
 * direction is a queue of the records written, with Linux's default
 * send buffer as its room, each record charged Linux's truesize for its
 * buffer, so a peer that never reads holds a bounded amount of host
 * memory: SOCK_STREAM reads run across records, SOCK_SEQPACKET reads
 * take one record and drop what does not fit.
 * Like a pipe (pipe.c), a read of an empty queue whose peer is open and
 * a write that does not fit return -EAGAIN and the system call decides
 * (emu/sys_io.c); a write whose peer is closed is EPIPE, a read of an
 * empty queue whose peer is closed returns 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "../mmu/uaccess.h"
#include "fs.h"
#include "waitqueue.h"

#define SNDBUF 212992 /* net.core.wmem_default */

#define SEQPACKET_HR 32	 /* unix_dgram_sendmsg: len > sk_sndbuf - 32 */
#define SHINFO	     320 /* skb_shared_info, cache-aligned */
#define SKB_SIZE     256 /* struct sk_buff, cache-aligned */
/* unix_stream_sendmsg: a stream write goes out in records of this */
#define STREAM_CHUNK ((SNDBUF >> 1) - 64)

struct record {
	struct record *next;
	uint64_t len, off; /* off: bytes a stream read has taken */
	uint8_t data[];
};

/* What one end has been sent, not yet read; charged: the records'
 * truesize, against SNDBUF. */
struct queue {
	struct record *head, **tail;
	uint64_t charged;
};

struct unix_pair {
	struct queue q[2]; /* q[i]: what end i reads */
	bool open[2];
	/* Linux's sk_err: ECONNRESET for end i, whose peer closed with
	 * bytes it had not read; taken by the next call that looks */
	bool reset[2];
	bool seqpacket;
	struct wait_queue_head wq[2]; /* end i's waiters (epoll's items) */
	uint64_t ino[2];
	uint64_t time;
};

struct unix_end {
	struct unix_pair *p;
	int i; /* 0 or 1 */
};

static struct unix_pair *pair_of(struct file *f, int *i)
{
	struct unix_end *e = f->private_data;
	*i = e->i;
	return e->p;
}

/* An skb's truesize for len bytes: the head (the data, cache-aligned,
 * and skb_shared_info) as kmalloc rounds it, and the sk_buff. */
static uint64_t truesize(uint64_t len)
{
	uint64_t head = ((len + 63) & ~63ULL) + SHINFO, size = 512;
	while (size < head)
		size *= 2; /* at least 320 bytes: kmalloc's powers of two */
	return size + SKB_SIZE;
}

/* Free the first record end i has queued (sent by the other end), and
 * wake the writer if it can write again (sock_wfree, unix_write_space:
 * its charge then counts 2, the base and the one sock_wfree keeps). */
static void drop_record(struct unix_pair *p, int i)
{
	struct queue *q = &p->q[i];
	struct record *r = q->head;
	q->head = r->next;
	if (!q->head)
		q->tail = &q->head;
	q->charged -= truesize(r->len);
	free(r);
	if ((q->charged + 2) << 2 <= SNDBUF)
		wake_up_poll(&p->wq[!i], POLLOUT | POLLWRNORM | POLLWRBAND);
}

static int64_t unix_read(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos)
{
	(void)pos;
	int i;
	struct unix_pair *p = pair_of(f, &i);
	struct queue *q = &p->q[i];
	/* a seqpacket read takes the error first (skb_recv_datagram), a
	 * stream read once the queue is empty */
	if (p->reset[i] && (p->seqpacket || !q->head)) {
		p->reset[i] = false;
		return -ECONNRESET;
	}
	if (!q->head)
		return p->open[!i] ? -EAGAIN : 0;
	if (p->seqpacket) {
		struct record *r = q->head;
		uint64_t n = r->len < count ? r->len : count;
		if (copy_to_user(f->ctx->mm, ubuf, r->data, n))
			return -EFAULT;
		drop_record(p, i);
		return (int64_t)n;
	}
	uint64_t done = 0;
	while (done < count && q->head) {
		struct record *r = q->head;
		uint64_t n = r->len - r->off;
		if (n > count - done)
			n = count - done;
		if (copy_to_user(f->ctx->mm, ubuf + done, r->data + r->off, n))
			return done ? (int64_t)done : -EFAULT;
		r->off += n;
		done += n;
		if (r->off == r->len)
			drop_record(p, i);
	}
	return (int64_t)done;
}

static int64_t unix_write(struct file *f, uint64_t ubuf, uint64_t count,
			  uint64_t *pos)
{
	(void)pos;
	int i;
	struct unix_pair *p = pair_of(f, &i);
	struct queue *q = &p->q[!i];
	if (p->seqpacket && p->reset[i]) { /* unix_seqpacket_sendmsg */
		p->reset[i] = false;
		return -ECONNRESET;
	}
	if (p->seqpacket && count > SNDBUF - SEQPACKET_HR)
		return -EMSGSIZE;
	if (!p->open[!i])
		return -EPIPE;
	if (!p->seqpacket && !count)
		return 0;
	/* A record goes out while less than the buffer is charged, and may
	 * pass it (Linux sock_alloc_send_pskb); a stream write goes out in
	 * records of up to STREAM_CHUNK bytes, as many as go. */
	uint64_t done = 0;
	do {
		if (q->charged >= SNDBUF)
			return done ? (int64_t)done : -EAGAIN;
		uint64_t n = count - done;
		if (!p->seqpacket && n > STREAM_CHUNK)
			n = STREAM_CHUNK;
		struct record *r = malloc(sizeof(*r) + n);
		if (!r)
			return done ? (int64_t)done : -ENOMEM;
		if (copy_from_user(f->ctx->mm, r->data, ubuf + done, n)) {
			free(r);
			return done ? (int64_t)done : -EFAULT;
		}
		r->next = NULL;
		r->len = n;
		r->off = 0;
		*q->tail = r;
		q->tail = &r->next;
		q->charged += truesize(n);
		done += n;
		/* sock_def_readable */
		wake_up_poll(&p->wq[!i],
			     POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND);
	} while (done < count);
	return (int64_t)done;
}

static void unix_release(struct file *f)
{
	int i;
	struct unix_pair *p = pair_of(f, &i);
	free(f->private_data);
	p->open[i] = false;
	if (p->q[i].head)
		p->reset[!i] = true; /* unix_release_sock */
	if (p->open[!i])
		wake_up_poll(&p->wq[!i], 0); /* sk_state_change */
	while (p->q[i].head)
		drop_record(p, i);
	if (!p->open[!i])
		free(p);
}

static void unix_stat(struct file *f, struct stat *st)
{
	int i;
	struct unix_pair *p = pair_of(f, &i);
	pseudo_file_stat(st, FS_SOCKFS_DEV, p->ino[i], S_IFSOCK | 0777,
			 p->time);
}

/* unix_show_fdinfo: the descriptors queued with SCM_RIGHTS, which
 * memu's sockets never carry. */
static int unix_show_fdinfo(struct file *f, char *buf, size_t size)
{
	(void)f;
	return snprintf(buf, size, "scm_fds: 0\n");
}

/* unix_poll (SOCK_STREAM) and unix_dgram_poll (SOCK_SEQPACKET): readable
 * with a record queued; with the peer gone, shut down both ways (read
 * hangup, hangup, readable: a read returns 0), and an error while its
 * ECONNRESET waits; writable while a quarter of the send buffer or less
 * is charged (unix_writable: the charge counts from 1). */
static unsigned unix_poll(struct file *f)
{
	int i;
	struct unix_pair *p = pair_of(f, &i);
	unsigned mask = p->reset[i] ? POLLERR : 0;
	if (!p->open[!i])
		mask |= POLLHUP | POLLRDHUP | POLLIN | POLLRDNORM;
	if (p->q[i].head)
		mask |= POLLIN | POLLRDNORM;
	if ((p->q[!i].charged + 1) << 2 <= SNDBUF)
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return mask;
}

static int unix_poll_queues(struct file *f, struct wait_queue_head *q[2])
{
	int i;
	struct unix_pair *p = pair_of(f, &i);
	q[0] = &p->wq[i];
	return 1;
}

static const struct file_operations unix_fops = {
	.read = unix_read,
	.write = unix_write,
	.release = unix_release,
	.stat = unix_stat,
	.show_fdinfo = unix_show_fdinfo,
	.poll = unix_poll,
	.poll_queues = unix_poll_queues,
};

const struct chardev unix_pair_dev = {
	.mode = 0777,
	.fops = &unix_fops,
};

int unix_pair_new(struct device_context *ctx, int type, int flags,
		  struct file *ends[2])
{
	struct unix_pair *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->seqpacket = type == SOCK_SEQPACKET;
	p->time = fs_now(ctx->fs);
	for (int i = 0; i < 2; i++) {
		p->q[i].tail = &p->q[i].head;
		p->ino[i] = ctx->fs->next_ino[FS_SOCKFS_DEV]++;
	}
	for (int i = 0; i < 2; i++) {
		struct unix_end *e = malloc(sizeof(*e));
		int err = e ? file_open(&unix_pair_dev, ctx,
					O_RDWR | (flags & O_NONBLOCK), &ends[i])
			    : -ENOMEM;
		if (err) {
			free(e);
			if (i)
				file_put(ends[0]); /* frees the pair */
			else
				free(p);
			return err;
		}
		e->p = p;
		e->i = i;
		ends[i]->private_data = e;
		p->open[i] = true;
	}
	return 0;
}
