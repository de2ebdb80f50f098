/* epoll (Linux 6.1's fs/eventpoll.c; docs/files.md, "epoll"): a set of
 * (file, descriptor) items and the list of those that became ready.
 * Each item waits on its file's wait queues (waitqueue.h); a file that
 * moves wakes them with what happened (ep_poll_callback), and an item
 * that wants it goes to the tail of the ready list, once.  A wait
 * (ep_send_events) takes the list, polls each item again, reports those
 * still ready and puts back a level-triggered one at the tail; an
 * edge-triggered one waits for the next wake, a one-shot one for
 * EPOLL_CTL_MOD.  Timers fire when looked at (timerfd.c): every look at
 * a set first fires its items' timers that are due, earliest first, so
 * they join the list in the order they expired.  The epoll is a file
 * that can be polled too (readable with a ready item), so sets nest; a
 * file's last close takes it out of every set (eventpoll_release).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "../mmu/uaccess.h"
#include "eventpoll.h"
#include "fs.h"
#include "waitqueue.h"

#define EP_MAX_NESTS	4
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)

struct eventpoll;

/* One wait queue an item waits on (Linux's eppoll_entry). */
struct eppoll_entry {
	struct wait_queue_entry wait;
	struct wait_queue_head *whead;
};

struct epitem {
	TAILQ_ENTRY(epitem) rdllink; /* on the ready list (or a scan's) */
	bool linked;
	TAILQ_ENTRY(epitem) rbn; /* the set, by descriptor */
	struct epitem *fllink;	 /* the next watching the same file */
	struct file *file;
	int fd;
	struct eventpoll *ep;
	struct epoll_uevent event;
	struct eppoll_entry pwq[2];
	int nwait;
};

TAILQ_HEAD(epitem_list, epitem);

struct eventpoll {
	struct epitem_list rdllist;
	struct epitem_list items;
	struct wait_queue_head poll_wait; /* epolls watching this one */
	struct file *file;		  /* its own */
	bool visited;			  /* by ep_loop_check, */
	int depth;			  /* ... which found this deep */
};

bool is_file_epoll(const struct file *f)
{
	return f->dev == &eventpoll_dev;
}

static uint64_t now_of(const struct file *f)
{
	return *f->ctx->fs->clock_ns;
}

static uint64_t next_event(struct file *f)
{
	const struct file_operations *ops = f->dev->fops;
	return ops->next_event ? ops->next_event(f) : 0;
}

/* ep_item_poll: what of the item's events its file has now. */
static unsigned ep_item_poll(struct epitem *epi)
{
	return epi->file->dev->fops->poll(epi->file) & epi->event.events;
}

static void ep_link(struct eventpoll *ep, struct epitem *epi)
{
	TAILQ_INSERT_TAIL(&ep->rdllist, epi, rdllink);
	epi->linked = true;
}

static void ep_unlink(struct epitem_list *list, struct epitem *epi)
{
	TAILQ_REMOVE(list, epi, rdllink);
	epi->linked = false;
}

/* ep_poll_callback: the item's file woke it with key (what happened,
 * 0: anything).  A disabled one-shot item and one that does not want
 * key stay; else it joins the ready list, and the epolls watching this
 * one hear of it (ep_poll_safewake), linked before or not. */
static void ep_poll_callback(struct wait_queue_entry *w, unsigned key)
{
	struct epitem *epi = w->private;
	struct eventpoll *ep = epi->ep;
	if (!(epi->event.events & ~EP_PRIVATE_BITS))
		return;
	if (key && !(key & epi->event.events))
		return;
	if (!epi->linked)
		ep_link(ep, epi);
	wake_up_poll(&ep->poll_wait, EPOLLIN);
}

/* Fire the timers of the set that are due, earliest first (the set's
 * order for a tie): each wakes its items as it fires. */
static void ep_fire_timers(struct eventpoll *ep, uint64_t now)
{
	struct epitem *epi;
	int n = 0;
	TAILQ_FOREACH(epi, &ep->items, rbn)
	n++;
	for (; n > 0; n--) {
		struct epitem *due = NULL;
		uint64_t first = 0;
		TAILQ_FOREACH(epi, &ep->items, rbn)
		{
			uint64_t at = next_event(epi->file);
			if (at && at <= now && (!due || at < first)) {
				due = epi;
				first = at;
			}
		}
		if (!due)
			return;
		due->file->dev->fops->poll(due->file); /* fires it */
	}
}

/* A file made ready by a signal's coming (a signalfd: wake_signals) has
 * no wait queue, as memu's signals wake no file: each look at the set
 * polls such items, and one that is ready joins the ready list then, as
 * Linux's signalfd_notify would have put it there when the signal came
 * (files.md, "epoll"). */
static void ep_poll_signals(struct eventpoll *ep)
{
	struct epitem *epi;
	TAILQ_FOREACH(epi, &ep->items, rbn)
	{
		if (!epi->linked && epi->file->dev->fops->wake_signals &&
		    (epi->event.events & ~EP_PRIVATE_BITS) && ep_item_poll(epi))
			ep_link(ep, epi);
	}
}

/* The signals whose coming makes an item of the set ready. */
static uint64_t ep_wake_signals(struct file *f)
{
	struct eventpoll *ep = f->private_data;
	uint64_t set = 0;
	struct epitem *epi;
	TAILQ_FOREACH(epi, &ep->items, rbn)
	{
		const struct file_operations *ops = epi->file->dev->fops;
		if (ops->wake_signals)
			set |= ops->wake_signals(epi->file);
	}
	return set;
}

/* ep_eventpoll_poll: readable while an item on the ready list is ready;
 * those before it that are not leave the list. */
static unsigned ep_eventpoll_poll(struct file *f)
{
	struct eventpoll *ep = f->private_data;
	ep_fire_timers(ep, now_of(f));
	ep_poll_signals(ep);
	struct epitem *epi, *tmp;
	TAILQ_FOREACH_SAFE(epi, &ep->rdllist, rdllink, tmp)
	{
		if (ep_item_poll(epi))
			return EPOLLIN | EPOLLRDNORM;
		ep_unlink(&ep->rdllist, epi);
	}
	return 0;
}

/* The earliest a timer in the set fires. */
static uint64_t ep_next_event(struct file *f)
{
	struct eventpoll *ep = f->private_data;
	uint64_t first = 0;
	struct epitem *epi;
	TAILQ_FOREACH(epi, &ep->items, rbn)
	{
		uint64_t at = next_event(epi->file);
		if (at && (!first || at < first))
			first = at;
	}
	return first;
}

static int ep_poll_queues(struct file *f, struct wait_queue_head *q[2])
{
	struct eventpoll *ep = f->private_data;
	q[0] = &ep->poll_wait;
	return 1;
}

int ep_send_events(struct file *epf, uint64_t uevents, int maxevents)
{
	struct eventpoll *ep = epf->private_data;
	ep_fire_timers(ep, now_of(epf));
	ep_poll_signals(ep);
	struct epitem_list txlist = TAILQ_HEAD_INITIALIZER(txlist);
	TAILQ_CONCAT(&txlist, &ep->rdllist, rdllink); /* ep_start_scan */
	int res = 0;
	struct epitem *epi;
	while (res < maxevents && (epi = TAILQ_FIRST(&txlist))) {
		ep_unlink(&txlist, epi);
		unsigned revents = ep_item_poll(epi);
		if (!revents)
			continue;
		struct epoll_uevent ev = {revents, epi->event.data};
		if (copy_to_user(epf->ctx->mm,
				 uevents + (uint64_t)res * sizeof(ev), &ev,
				 sizeof(ev))) {
			TAILQ_INSERT_HEAD(&txlist, epi, rdllink);
			epi->linked = true;
			if (!res)
				res = -EFAULT;
			break;
		}
		res++;
		if (epi->event.events & EPOLLONESHOT)
			epi->event.events &= EP_PRIVATE_BITS;
		else if (!(epi->event.events & EPOLLET))
			ep_link(ep, epi);
	}
	/* ep_done_scan: what was not sent goes back first */
	TAILQ_CONCAT(&txlist, &ep->rdllist, rdllink);
	TAILQ_CONCAT(&ep->rdllist, &txlist, rdllink);
	return res;
}

/* ---- the set */

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	struct epitem *epi;
	TAILQ_FOREACH(epi, &ep->items, rbn)
	if (epi->file == f && epi->fd == fd)
		return epi;
	return NULL;
}

/* Wait on the file's queues: the newest waiter first, an exclusive one
 * last (add_wait_queue_exclusive). */
static void ep_register(struct epitem *epi)
{
	const struct file_operations *ops = epi->file->dev->fops;
	struct wait_queue_head *q[2];
	epi->nwait = ops->poll_queues ? ops->poll_queues(epi->file, q) : 0;
	for (int k = 0; k < epi->nwait; k++) {
		struct eppoll_entry *pwq = &epi->pwq[k];
		pwq->wait.func = ep_poll_callback;
		pwq->wait.private = epi;
		pwq->whead = q[k];
		if (!(epi->event.events & EPOLLEXCLUSIVE) || !q[k]->first) {
			add_wait_queue(q[k], &pwq->wait);
			continue;
		}
		struct wait_queue_entry *last = q[k]->first;
		while (last->next)
			last = last->next;
		pwq->wait.next = NULL;
		pwq->wait.pprev = &last->next;
		last->next = &pwq->wait;
	}
}

static int ep_insert(struct eventpoll *ep, const struct epoll_uevent *event,
		     struct file *tf, int fd)
{
	struct epitem *epi = calloc(1, sizeof(*epi));
	if (!epi)
		return -ENOMEM;
	epi->file = tf;
	epi->fd = fd;
	epi->ep = ep;
	epi->event = *event;
	epi->fllink = tf->f_ep; /* attach_epitem */
	tf->f_ep = epi;
	struct epitem *after = NULL, *it;
	TAILQ_FOREACH(it, &ep->items, rbn)
	if (it->fd <= fd)
		after = it;
	if (after)
		TAILQ_INSERT_AFTER(&ep->items, after, epi, rbn);
	else
		TAILQ_INSERT_HEAD(&ep->items, epi, rbn);
	ep_register(epi);
	if (ep_item_poll(epi) && !epi->linked) {
		ep_link(ep, epi);
		wake_up_poll(&ep->poll_wait, EPOLLIN);
	}
	return 0;
}

static void ep_modify(struct eventpoll *ep, struct epitem *epi,
		      const struct epoll_uevent *event)
{
	epi->event = *event;
	if (ep_item_poll(epi) && !epi->linked) {
		ep_link(ep, epi);
		wake_up_poll(&ep->poll_wait, EPOLLIN);
	}
}

static void ep_remove(struct eventpoll *ep, struct epitem *epi)
{
	for (int k = 0; k < epi->nwait; k++)
		remove_wait_queue(&epi->pwq[k].wait);
	struct epitem **pp = &epi->file->f_ep;
	while (*pp != epi)
		pp = &(*pp)->fllink;
	*pp = epi->fllink;
	TAILQ_REMOVE(&ep->items, epi, rbn);
	if (epi->linked)
		TAILQ_REMOVE(&ep->rdllist, epi, rdllink);
	free(epi);
}

void eventpoll_release(struct file *f)
{
	while (f->f_ep)
		ep_remove(f->f_ep->ep, f->f_ep);
}

/* ep_loop_check's walk: each epoll looked at once, its depth kept. */
struct ep_seen {
	struct eventpoll **ep;
	int n, cap;
	bool nomem;
};

static bool ep_seen(struct eventpoll *ep, struct ep_seen *seen)
{
	if (ep->visited)
		return true;
	if (seen->n == seen->cap) {
		int cap = seen->cap ? seen->cap * 2 : 8;
		struct eventpoll **more =
			realloc(seen->ep, (size_t)cap * sizeof(*more));
		if (!more) {
			seen->nomem = true;
			return true;
		}
		seen->ep = more;
		seen->cap = cap;
	}
	seen->ep[seen->n++] = ep;
	ep->visited = true;
	ep->depth = 0;
	return false;
}

/* ep_loop_check_proc: how deep epolls nest below ep, EP_MAX_NESTS + 1
 * when one of them is inserting (a loop) or they go too deep. */
static int ep_loop_check_proc(struct eventpoll *ep, struct eventpoll *inserting,
			      int depth, struct ep_seen *seen)
{
	if (ep_seen(ep, seen))
		return seen->nomem ? EP_MAX_NESTS + 1 : ep->depth;
	int result = 0;
	struct epitem *epi;
	TAILQ_FOREACH(epi, &ep->items, rbn)
	{
		if (!is_file_epoll(epi->file))
			continue;
		struct eventpoll *next = epi->file->private_data;
		int d = next == inserting || depth > EP_MAX_NESTS
				? EP_MAX_NESTS + 1
				: ep_loop_check_proc(next, inserting, depth + 1,
						     seen) +
					  1;
		result = d > result ? d : result;
		if (result > EP_MAX_NESTS)
			break;
	}
	ep->depth = result;
	return result;
}

/* ep_get_upwards_depth_proc: how deep ep is in the epolls holding it. */
static int ep_upwards_depth(struct file *epf, struct ep_seen *seen)
{
	struct eventpoll *ep = epf->private_data;
	if (ep_seen(ep, seen))
		return seen->nomem ? EP_MAX_NESTS + 1 : ep->depth;
	int result = 0;
	for (struct epitem *epi = epf->f_ep; epi; epi = epi->fllink) {
		int d = ep_upwards_depth(epi->ep->file, seen) + 1;
		result = d > result ? d : result;
	}
	ep->depth = result;
	return result;
}

static void ep_seen_done(struct ep_seen *seen)
{
	for (int i = 0; i < seen->n; i++)
		seen->ep[i]->visited = false;
	free(seen->ep);
	*seen = (struct ep_seen){NULL, 0, 0, false};
}

/* ep_loop_check: adding the epoll to into epf's makes a loop, or nests
 * epolls deeper than EP_MAX_NESTS, counting those below to and those
 * above epf: -ELOOP; -ENOMEM; 0. */
static int ep_loop_check(struct file *epf, struct eventpoll *to)
{
	struct ep_seen seen = {NULL, 0, 0, false};
	int depth = ep_loop_check_proc(to, epf->private_data, 0, &seen);
	bool nomem = seen.nomem;
	ep_seen_done(&seen);
	int up = depth > EP_MAX_NESTS ? 0 : ep_upwards_depth(epf, &seen);
	nomem |= seen.nomem;
	ep_seen_done(&seen);
	if (nomem)
		return -ENOMEM;
	return depth + 1 + up > EP_MAX_NESTS ? -ELOOP : 0;
}

int ep_ctl(struct file *epf, int op, struct file *tf, int fd,
	   const struct epoll_uevent *ev)
{
	struct eventpoll *ep = epf->private_data;
	if (op == EPOLL_CTL_ADD && is_file_epoll(tf)) {
		int err = ep_loop_check(epf, tf->private_data);
		if (err)
			return err;
	}
	ep_fire_timers(ep, now_of(epf));
	struct epitem *epi = ep_find(ep, tf, fd);
	struct epoll_uevent e = ev ? *ev : (struct epoll_uevent){0, 0};
	switch (op) {
	case EPOLL_CTL_ADD:
		if (epi)
			return -EEXIST;
		e.events |= EPOLLERR | EPOLLHUP;
		return ep_insert(ep, &e, tf, fd);
	case EPOLL_CTL_DEL:
		if (!epi)
			return -ENOENT;
		ep_remove(ep, epi);
		return 0;
	case EPOLL_CTL_MOD:
		if (!epi)
			return -ENOENT;
		if (epi->event.events & EPOLLEXCLUSIVE)
			return -EINVAL;
		e.events |= EPOLLERR | EPOLLHUP;
		ep_modify(ep, epi, &e);
		return 0;
	}
	return -EINVAL;
}

/* ---- the file */

static void ep_free(struct file *f)
{
	struct eventpoll *ep = f->private_data;
	while (!TAILQ_EMPTY(&ep->items))
		ep_remove(ep, TAILQ_FIRST(&ep->items));
	free(ep);
}

/* The anonymous inode, as eventfd's. */
static void ep_stat(struct file *f, struct stat *st)
{
	pseudo_file_stat(st, FS_ANON_DEV, 1, S_IRUSR | S_IWUSR,
			 f->ctx->fs->epoch_ns);
}

/* What fdinfo shows of a watched file: its mount's st_dev (the
 * kernel's dev_t, MKDEV(0, minor) for memu's mounts) and inode. */
static void target_ids(struct file *f, uint64_t *dev, uint64_t *ino)
{
	const struct inode *i = f->inode    ? f->inode
				: f->dentry ? f->dentry->inode
					    : NULL;
	struct stat st = {0};
	if (i) {
		st.st_dev = i->dev;
		st.st_ino = i->ino;
	} else if (f->dev->fops->stat) {
		f->dev->fops->stat(f, &st);
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
}

/* ep_show_fdinfo: a line per item, in the set's order (by descriptor:
 * Linux's is by the address of its struct file); the items that fit. */
static int ep_show_fdinfo(struct file *f, char *buf, size_t size)
{
	struct eventpoll *ep = f->private_data;
	size_t len = 0;
	buf[0] = '\0';
	struct epitem *epi;
	TAILQ_FOREACH(epi, &ep->items, rbn)
	{
		uint64_t dev, ino;
		target_ids(epi->file, &dev, &ino);
		int n = snprintf(buf + len, size - len,
				 "tfd: %8d events: %8x data: %16llx  pos:%lli "
				 "ino:%llx sdev:%llx\n",
				 epi->fd, epi->event.events,
				 (unsigned long long)epi->event.data,
				 (long long)epi->file->pos,
				 (unsigned long long)ino,
				 (unsigned long long)dev);
		if (n < 0 || (size_t)n >= size - len) {
			buf[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	return (int)len;
}

/* noop_llseek */
static int64_t ep_llseek(struct file *f, int64_t offset, int whence)
{
	(void)offset;
	(void)whence;
	return (int64_t)f->pos;
}

static const struct file_operations eventpoll_fops = {
	.release = ep_free,
	.llseek = ep_llseek,
	.stat = ep_stat,
	.show_fdinfo = ep_show_fdinfo,
	.poll = ep_eventpoll_poll,
	.next_event = ep_next_event,
	.poll_queues = ep_poll_queues,
	.wake_signals = ep_wake_signals,
};

const struct chardev eventpoll_dev = {
	.path = "anon_inode:[eventpoll]", /* what /proc/PID/fd shows */
	.mode = 0600,
	.fops = &eventpoll_fops,
};

int eventpoll_new(struct device_context *ctx, struct file **out)
{
	struct eventpoll *ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	TAILQ_INIT(&ep->rdllist);
	TAILQ_INIT(&ep->items);
	int err = file_open(&eventpoll_dev, ctx, O_RDWR, out);
	if (err) {
		free(ep);
		return err;
	}
	(*out)->private_data = ep;
	ep->file = *out;
	return 0;
}
