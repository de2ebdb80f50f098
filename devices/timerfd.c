/* timerfd (Linux 6.1's fs/timerfd.c; docs/files.md, "timerfd"): a timer
 * on the virtual clock read as a file.  Linux's timer fires once - a
 * tick - and a periodic one is moved past now (hrtimer_forward_now) only
 * when the file is read, its setting asked for or changed, which adds
 * the periods it missed; memu fires it when the file is looked at, with
 * the same counts.  A read of 8 bytes or more takes the ticks and zeroes
 * them, and would wait at 0 (-EAGAIN: the system call decides, as for a
 * pipe); poll sees POLLIN with a tick.  /proc/PID/fd shows
 * "anon_inode:[timerfd]", fdinfo the clock, ticks, flags and setting.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "../mmu/uaccess.h"
#include "fs.h"
#include "timerfd.h"
#include "waitqueue.h"

#define NSEC_PER_SEC 1000000000ULL

struct timerfd_ctx {
	int clockid;
	bool armed;	   /* the timer is queued, to fire at expires */
	bool expired;	   /* it fired, not yet read (Linux ctx->expired) */
	uint64_t expires;  /* on the timer's clock, ns */
	uint64_t interval; /* 0: once */
	uint64_t ticks;
	int settime_flags;
	struct wait_queue_head wqh; /* epoll's items */
};

/* The realtime clocks count from the epoch, the others from boot: the
 * machine's clock is the latter. */
static uint64_t clock_base(const struct file *f)
{
	const struct timerfd_ctx *t = f->private_data;
	bool realtime = t->clockid == CLOCK_REALTIME ||
			t->clockid == CLOCK_REALTIME_ALARM;
	return realtime ? f->ctx->fs->epoch_ns : 0;
}

/* Now on the timer's clock. */
static uint64_t now_of(const struct file *f)
{
	return clock_base(f) + *f->ctx->fs->clock_ns;
}

/* timerfd_tmrproc, run when the file is looked at: a timer whose time
 * has come fired, once. */
static struct timerfd_ctx *fired(struct file *f)
{
	struct timerfd_ctx *t = f->private_data;
	if (t->armed && now_of(f) >= t->expires) {
		t->armed = false;
		t->expired = true;
		t->ticks++;
		wake_up_poll(&t->wqh, POLLIN);
	}
	return t;
}

/* A periodic timer that fired: hrtimer_forward_now past now, queued
 * again; the periods it moved by. */
static uint64_t forward(struct timerfd_ctx *t, uint64_t now)
{
	uint64_t k = (now - t->expires) / t->interval + 1;
	t->expires += k * t->interval;
	t->armed = true;
	return k;
}

static uint64_t remaining(const struct timerfd_ctx *t, uint64_t now)
{
	return t->expires > now ? t->expires - now : 0;
}

static int64_t timerfd_read(struct file *f, uint64_t ubuf, uint64_t count,
			    uint64_t *pos)
{
	(void)pos;
	if (count < sizeof(uint64_t))
		return -EINVAL;
	struct timerfd_ctx *t = fired(f);
	if (!t->ticks)
		return -EAGAIN;
	uint64_t ticks = t->ticks;
	if (t->expired && t->interval)
		ticks += forward(t, now_of(f)) - 1;
	t->expired = false;
	t->ticks = 0;
	if (copy_to_user(f->ctx->mm, ubuf, &ticks, sizeof(ticks)))
		return -EFAULT;
	return sizeof(ticks);
}

static unsigned timerfd_poll(struct file *f)
{
	return fired(f)->ticks ? POLLIN : 0;
}

/* The expiry of an armed timer, due or not: a timer that is due fires
 * when polled, and epoll fires those of a set in this order
 * (eventpoll.c). */
static uint64_t timerfd_next_event(struct file *f)
{
	const struct timerfd_ctx *t = f->private_data;
	return t->armed ? t->expires - clock_base(f) : 0;
}

static int timerfd_poll_queues(struct file *f, struct wait_queue_head *q[2])
{
	struct timerfd_ctx *t = f->private_data;
	q[0] = &t->wqh;
	return 1;
}

/* noop_llseek: the position stays, and is the answer. */
static int64_t timerfd_llseek(struct file *f, int64_t offset, int whence)
{
	(void)offset;
	(void)whence;
	return (int64_t)f->pos;
}

static void timerfd_release(struct file *f)
{
	free(f->private_data);
}

/* The anonymous inode, as eventfd's. */
static void timerfd_stat(struct file *f, struct stat *st)
{
	pseudo_file_stat(st, FS_ANON_DEV, 1, S_IRUSR | S_IWUSR,
			 f->ctx->fs->epoch_ns);
}

static int timerfd_show_fdinfo(struct file *f, char *buf, size_t size)
{
	struct timerfd_ctx *t = fired(f);
	uint64_t left = remaining(t, now_of(f));
	return snprintf(buf, size,
			"clockid: %d\nticks: %llu\nsettime flags: 0%o\n"
			"it_value: (%llu, %llu)\nit_interval: (%llu, %llu)\n",
			t->clockid, (unsigned long long)t->ticks,
			(unsigned)t->settime_flags,
			(unsigned long long)(left / NSEC_PER_SEC),
			(unsigned long long)(left % NSEC_PER_SEC),
			(unsigned long long)(t->interval / NSEC_PER_SEC),
			(unsigned long long)(t->interval % NSEC_PER_SEC));
}

static const struct file_operations timerfd_fops = {
	.read = timerfd_read,
	.llseek = timerfd_llseek,
	.release = timerfd_release,
	.stat = timerfd_stat,
	.show_fdinfo = timerfd_show_fdinfo,
	.poll = timerfd_poll,
	.next_event = timerfd_next_event,
	.poll_queues = timerfd_poll_queues,
};

const struct chardev timerfd_dev = {
	.path = "anon_inode:[timerfd]", /* what /proc/PID/fd shows */
	.mode = 0600,
	.no_pread = true,
	.fops = &timerfd_fops,
};

int timerfd_new(struct device_context *ctx, int clockid, int flags,
		struct file **out)
{
	struct timerfd_ctx *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	int err = file_open(&timerfd_dev, ctx, O_RDWR | flags, out);
	if (err) {
		free(t);
		return err;
	}
	t->clockid = clockid;
	(*out)->private_data = t;
	return 0;
}

void timerfd_set(struct file *f, int flags, const struct timerfd_spec *set,
		 struct timerfd_spec *old)
{
	struct timerfd_ctx *t = fired(f);
	uint64_t now = now_of(f);
	/* the old setting, a periodic timer moved past now first (its
	 * ticks not counted: it is set again) */
	if (t->expired && t->interval)
		forward(t, now);
	old->value = remaining(t, now);
	old->interval = t->interval;
	/* timerfd_setup */
	t->expired = false;
	t->ticks = 0;
	t->interval = set->interval;
	t->settime_flags =
		flags & (TFD_TIMER_ABSTIME_ | TFD_TIMER_CANCEL_ON_SET_);
	t->armed = set->value != 0;
	if (!t->armed)
		t->expires = 0;
	else if (flags & TFD_TIMER_ABSTIME_)
		t->expires = set->value;
	else
		t->expires = set->value > UINT64_MAX - now ? UINT64_MAX
							   : now + set->value;
}

void timerfd_get(struct file *f, struct timerfd_spec *cur)
{
	struct timerfd_ctx *t = fired(f);
	uint64_t now = now_of(f);
	if (t->expired && t->interval) {
		t->expired = false;
		t->ticks += forward(t, now) - 1;
	}
	cur->value = remaining(t, now);
	cur->interval = t->interval;
}
