/* epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait and
 * epoll_pwait2 (Linux 6.1's fs/eventpoll.c; docs/files.md, "epoll") over
 * the epoll files of devices/eventpoll.c.  A wait with nothing ready
 * waits as poll does (sys_poll.c): with other tasks it blocks until a
 * file moves, its time is up or a signal comes, and runs again from the
 * start with its first deadline.  A signal ends it with EINTR, never
 * restarted, SA_RESTART or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/epoll.h>

#include "../devices/eventpoll.h"
#include "../mmu/uaccess.h"
#include "capability.h"
#include "machine.h"
#include "syscall.h"

#define CAP_BLOCK_SUSPEND 36
#define EP_MAX_EVENTS	  (INT_MAX / sizeof(struct epoll_uevent))
#define EPOLLEXCLUSIVE_OK_BITS                                                 \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET |    \
	 EPOLLEXCLUSIVE)

_Static_assert(sizeof(struct epoll_uevent) == 12, "x86-64 epoll_event");

int64_t sys_epoll_create1(struct memu *m, const uint64_t *a)
{
	int flags = (int)a[0];
	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	struct file *f;
	int err = eventpoll_new(&m->devices, &f);
	return err ? err : fd_install_flags(m, f, flags & O_CLOEXEC);
}

int64_t sys_epoll_create(struct memu *m, const uint64_t *a)
{
	if ((int)a[0] <= 0)
		return -EINVAL;
	const uint64_t none[1] = {0};
	return sys_epoll_create1(m, none);
}

/* do_epoll_ctl: the event first (not for EPOLL_CTL_DEL), then the
 * descriptors, the target's poll, the epoll, EPOLLEXCLUSIVE. */
int64_t sys_epoll_ctl(struct memu *m, const uint64_t *a)
{
	int op = (int)a[1], fd = (int)a[2];
	bool has_event = op != EPOLL_CTL_DEL; /* ep_op_has_event */
	struct epoll_uevent ev;
	if (has_event && copy_from_user(m->proc->mm, &ev, a[3], sizeof(ev)))
		return -EFAULT;
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	struct file *tf = fd_file(m, (uint64_t)(uint32_t)fd);
	if (!tf)
		return -EBADF;
	if (!tf->dev->fops->poll) /* file_can_poll */
		return -EPERM;
	if (has_event && (ev.events & EPOLLWAKEUP) &&
	    !capable(m->proc, CAP_BLOCK_SUSPEND))
		ev.events &= ~EPOLLWAKEUP; /* ep_take_care_of_epollwakeup */
	if (f == tf || !is_file_epoll(f))
		return -EINVAL;
	if (has_event && (ev.events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD ||
	     (op == EPOLL_CTL_ADD &&
	      (is_file_epoll(tf) || (ev.events & ~EPOLLEXCLUSIVE_OK_BITS)))))
		return -EINVAL;
	return ep_ctl(f, op, tf, fd, has_event ? &ev : NULL);
}

/* ep_poll: what is ready, or wait for it until deadline; zero: do not
 * wait at all. */
static int64_t ep_poll(struct memu *m, struct file *f, uint64_t events,
		       int maxevents, uint64_t deadline, bool zero)
{
	for (;;) {
		int res = ep_send_events(f, events, maxevents);
		if (res)
			return res;
		if (zero || m->clock.ns >= deadline)
			return 0;
		if (signal_pending(m))
			return -EINTR;
		const struct file_operations *ops = f->dev->fops;
		struct poll_wake wake = {ops->next_event(f),
					 ops->wake_signals(f)};
		int64_t w = poll_schedule_timeout(m, deadline, &wake);
		if (w == -ERESTARTNOHAND)
			return -EINTR;
		if (w < 0)
			return w;
	}
}

/* do_epoll_wait */
static int64_t do_epoll_wait(struct memu *m, const uint64_t *a,
			     uint64_t deadline, bool zero)
{
	int maxevents = (int)a[2];
	if (maxevents <= 0 || (uint64_t)maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	if (!access_ok(a[1], (size_t)maxevents * sizeof(struct epoll_uevent)))
		return -EFAULT;
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	if (!is_file_epoll(f))
		return -EINVAL;
	return ep_poll(m, f, a[1], maxevents, deadline, zero);
}

/* epoll_wait's and epoll_pwait's timeout in ms: negative waits for
 * ever (ep_timeout_to_timespec). */
static uint64_t ms_deadline(struct memu *m, int ms)
{
	return poll_deadline(m, ms >= 0, (uint64_t)(ms < 0 ? 0 : ms) * 1000000);
}

int64_t sys_epoll_wait(struct memu *m, const uint64_t *a)
{
	int ms = (int)a[3];
	return do_epoll_wait(m, a, ms_deadline(m, ms), ms == 0);
}

/* do_epoll_pwait: the wait with the signal mask at umask; the caller's
 * back after, unless a signal's handler is to run first. */
static int64_t do_epoll_pwait(struct memu *m, const uint64_t *a,
			      uint64_t deadline, bool zero)
{
	uint64_t old;
	int err = set_user_sigmask(m, a[4], a[5], &old);
	if (err)
		return err;
	int64_t ret = do_epoll_wait(m, a, deadline, zero);
	restore_saved_sigmask_unless(m, old, ret == -EINTR);
	return ret;
}

int64_t sys_epoll_pwait(struct memu *m, const uint64_t *a)
{
	int ms = (int)a[3];
	return do_epoll_pwait(m, a, ms_deadline(m, ms), ms == 0);
}

/* epoll_pwait2: a timespec, not written back (NULL: for ever). */
int64_t sys_epoll_pwait2(struct memu *m, const uint64_t *a)
{
	int64_t t[2] = {0, 1};
	if (a[3] && copy_from_user(m->proc->mm, t, a[3], sizeof(t)))
		return -EFAULT;
	uint64_t deadline;
	int err = timeout_deadline(m, a[3], false, &deadline);
	if (err)
		return err;
	return do_epoll_pwait(m, a, deadline, !t[0] && !t[1]);
}
