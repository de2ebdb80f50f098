/* poll, ppoll, select and pselect6 (Linux fs/select.c; docs/files.md,
 * "poll and select").  Each file says what it is ready for through its
 * operations' poll (a pipe, a socket, an eventfd), or is always ready to
 * read and write, as Linux's DEFAULT_POLLMASK makes a file with no poll.
 * Nothing is ready: the call waits as a blocked read does - with other
 * tasks, it blocks until a file moves (wake_file_waiters), its time is
 * up or a signal comes, and runs again from the start, keeping its first
 * deadline; alone, only a signal or a timer can end the wait.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL

/* Linux's DEFAULT_POLLMASK and select's sets. */
#define DEFAULT_MASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define IN_SET	     (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define OUT_SET	     (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define EX_SET	     (POLLPRI)

/* No deadline: the wait has no timeout. */
#define NO_DEADLINE POLL_NO_DEADLINE

struct guest_pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};
_Static_assert(sizeof(struct guest_pollfd) == 8, "x86-64 struct pollfd");

/* vfs_poll: what f is ready for; what makes it ready later goes into
 * *wake. */
static unsigned file_poll(struct file *f, struct poll_wake *wake)
{
	const struct file_operations *ops = f->dev->fops;
	uint64_t at = ops->next_event ? ops->next_event(f) : 0;
	if (at && (!wake->at || at < wake->at))
		wake->at = at;
	if (ops->wake_signals)
		wake->signals |= ops->wake_signals(f);
	return ops->poll ? ops->poll(f) : DEFAULT_MASK;
}

/* The time left to deadline, 0 once past. */
static uint64_t time_left(const struct memu *m, uint64_t deadline)
{
	return deadline > m->clock.ns ? deadline - m->clock.ns : 0;
}

/* The deadline of a call that blocked and runs again is its first
 * call's (retry_until); a fresh call's is now + ns. */
uint64_t poll_deadline(struct memu *m, bool timeout, uint64_t ns)
{
	struct process *p = m->proc;
	uint64_t d = p->woken && p->retry_until ? p->retry_until
						: vclock_after(&m->clock, ns);
	p->retry_until = 0;
	return timeout ? d : NO_DEADLINE;
}

/* Nothing was ready: wait until deadline (NO_DEADLINE: none), a polled
 * timer's expiry or a polled signalfd's signal (wake).  0: that time or
 * signal came, scan again; -ERESTARTNOHAND: a signal to take;
 * -ERESTARTSYS: the task blocked, and the call is rewound. */
int64_t poll_schedule_timeout(struct memu *m, uint64_t deadline,
			      const struct poll_wake *wake)
{
	uint64_t until = wake->at && wake->at < deadline ? wake->at : deadline;
	bool timeout = until != NO_DEADLINE;
	if (signal_pending(m))
		return -ERESTARTNOHAND;
	if (!sched_multi(m)) {
		/* woken by a signal only the wait let in: scan again */
		bool woken = wait_interruptible_set(m, timeout, until,
						    wake->signals);
		return woken && (m->stop || signal_pending(m)) ? -ERESTARTNOHAND
							       : 0;
	}
	block_current(m, memu_syscall_name(m->proc->syscall_nr),
		      timeout ? until : 0);
	/* as wait_interruptible_set lets them in: new ones only */
	m->proc->wake_mask |= wake->signals & ~sigpending_set(m);
	m->proc->wait_file = true;
	m->proc->retry_until = deadline != NO_DEADLINE ? deadline : 0;
	return -ERESTARTSYS;
}

/* The scan found nothing, and the call's time is not up: wait. */
static bool must_wait(const struct memu *m, int64_t count, uint64_t deadline)
{
	return !count && m->clock.ns < deadline;
}

/* ---- poll */

/* do_pollfd: one entry's revents. */
static int16_t pollfd_revents(struct memu *m, const struct guest_pollfd *p,
			      struct poll_wake *wake)
{
	if (p->fd < 0)
		return 0;
	struct file *f = fd_file(m, (uint64_t)(uint32_t)p->fd);
	if (!f)
		return POLLNVAL;
	unsigned filter = (uint16_t)p->events | POLLERR | POLLHUP;
	return (int16_t)(file_poll(f, wake) & filter);
}

/* do_sys_poll: the count ready, or -errno (-ERESTARTNOHAND: a signal;
 * -ERESTARTSYS: blocked). */
static int64_t do_sys_poll(struct memu *m, uint64_t ufds, uint64_t nfds,
			   uint64_t deadline)
{
	if (nfds > PROC_FDS) /* rlimit(RLIMIT_NOFILE) */
		return -EINVAL;
	struct guest_pollfd fds[PROC_FDS];
	if (nfds &&
	    copy_from_user(m->proc->mm, fds, ufds, nfds * sizeof(fds[0])))
		return -EFAULT;
	for (;;) {
		int64_t count = 0;
		struct poll_wake wake = {0, 0};
		for (uint64_t i = 0; i < nfds; i++) {
			fds[i].revents = pollfd_revents(m, &fds[i], &wake);
			count += fds[i].revents != 0;
		}
		int64_t w = must_wait(m, count, deadline)
				    ? poll_schedule_timeout(m, deadline, &wake)
				    : 1;
		if (w < 0)
			return w;
		if (!w)
			continue;
		/* every revents goes back, 0 or not */
		for (uint64_t i = 0; i < nfds; i++)
			if (copy_to_user(m->proc->mm,
					 ufds + i * sizeof(fds[0]) +
						 offsetof(struct guest_pollfd,
							  revents),
					 &fds[i].revents, sizeof(int16_t)))
				return -EFAULT;
		return count;
	}
}

/* poll's timeout in ms: negative waits for ever. */
static uint64_t ms_deadline(struct memu *m, int32_t ms)
{
	return poll_deadline(m, ms >= 0,
			     (uint64_t)(ms < 0 ? 0 : ms) * NSEC_PER_MSEC);
}

int64_t sys_poll(struct memu *m, const uint64_t *a)
{
	uint64_t deadline = ms_deadline(m, (int32_t)a[2]);
	int64_t ret = do_sys_poll(m, a[0], (uint32_t)a[1], deadline);
	if (ret != -ERESTARTNOHAND)
		return ret;
	/* A signal: restart_syscall carries on with the time left
	 * (do_restart_poll); a handler makes it EINTR. */
	struct restart_block *r = &m->proc->restart;
	r->fn = RESTART_POLL;
	r->uaddr = a[0];
	r->val = (uint32_t)a[1];
	r->timeout = deadline != NO_DEADLINE;
	r->expires = deadline;
	return -ERESTART_RESTARTBLOCK;
}

int64_t poll_restart(struct memu *m)
{
	struct restart_block *r = &m->proc->restart;
	struct process *p = m->proc;
	uint64_t deadline = r->timeout ? r->expires : NO_DEADLINE;
	if (p->woken && p->retry_until)
		deadline = p->retry_until;
	p->retry_until = 0;
	int64_t ret = do_sys_poll(m, r->uaddr, r->val, deadline);
	if (ret == -ERESTARTNOHAND) {
		r->expires = deadline;
		return -ERESTART_RESTARTBLOCK;
	}
	if (ret != -ERESTARTSYS)
		r->fn = RESTART_NONE;
	return ret;
}

/* ---- the calls with a timespec and a signal mask */

/* poll_select_set_timeout: the deadline of a timespec or timeval at
 * uaddr (0: none), or -errno. */
int timeout_deadline(struct memu *m, uint64_t uaddr, bool timeval,
		     uint64_t *deadline)
{
	if (!uaddr) {
		*deadline = poll_deadline(m, false, 0);
		return 0;
	}
	int64_t t[2];
	if (copy_from_user(m->proc->mm, t, uaddr, sizeof(t)))
		return -EFAULT;
	int64_t sec = t[0], nsec = t[1];
	if (timeval) { /* usec may be 1000000 or more: it carries */
		sec = t[0] + t[1] / 1000000;
		nsec = (t[1] % 1000000) * (int64_t)NSEC_PER_USEC;
	}
	if (sec < 0 || nsec < 0 || nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	uint64_t ns =
		(uint64_t)sec > (UINT64_MAX - (uint64_t)nsec) / NSEC_PER_SEC
			? UINT64_MAX
			: (uint64_t)sec * NSEC_PER_SEC + (uint64_t)nsec;
	*deadline = poll_deadline(m, true, ns);
	return 0;
}

/* poll_select_finish: the time left goes back to a timeout that was not
 * zero (not after a blocked call: it runs again). */
static int64_t select_finish(struct memu *m, uint64_t uaddr, bool timeval,
			     uint64_t deadline, bool zero, int64_t ret)
{
	if (!uaddr || zero || ret == -ERESTARTSYS)
		return ret;
	uint64_t left = time_left(m, deadline);
	int64_t t[2] = {(int64_t)(left / NSEC_PER_SEC),
			(int64_t)(left % NSEC_PER_SEC)};
	if (timeval)
		t[1] /= (int64_t)NSEC_PER_USEC;
	if (copy_to_user(m->proc->mm, uaddr, t, sizeof(t)) &&
	    ret == -ERESTARTNOHAND)
		return -EINTR; /* it cannot restart with the time left */
	return ret;
}

/* Whether the timeout at uaddr is zero (poll once, report nothing). */
static bool zero_timeout(struct memu *m, uint64_t uaddr)
{
	int64_t t[2];
	return uaddr && !copy_from_user(m->proc->mm, t, uaddr, sizeof(t)) &&
	       !t[0] && !t[1];
}

/* set_user_sigmask: the mask for the wait, the caller's kept in *old. */
int set_user_sigmask(struct memu *m, uint64_t umask, uint64_t size,
		     uint64_t *old)
{
	*old = m->proc->sigmask;
	if (!umask)
		return 0;
	if (size != sizeof(uint64_t))
		return -EINVAL;
	uint64_t set;
	if (copy_from_user(m->proc->mm, &set, umask, sizeof(set)))
		return -EFAULT;
	m->proc->sigmask = set & ~GUEST_UNBLOCKABLE;
	return 0;
}

/* restore_saved_sigmask_unless: a signal that interrupts the call runs
 * its handler with the wait's mask, and the frame restores the old. */
void restore_saved_sigmask_unless(struct memu *m, uint64_t old,
				  bool interrupted)
{
	if (interrupted && old != m->proc->sigmask) {
		m->proc->saved_mask = old;
		m->proc->restore_mask = true;
	} else {
		m->proc->sigmask = old;
	}
}

/* The calls' own work with a deadline: do_sys_poll or core_sys_select. */
typedef int64_t (*wait_call)(struct memu *m, const uint64_t *a,
			     uint64_t deadline);

/* ppoll's and pselect6's frame: the timeout at tsp, the signal mask for
 * the wait, the time left written back, the caller's mask put back. */
static int64_t with_mask(struct memu *m, const uint64_t *a, uint64_t tsp,
			 uint64_t umask, uint64_t size, wait_call call)
{
	uint64_t deadline, old;
	int err = timeout_deadline(m, tsp, false, &deadline);
	if (err)
		return err;
	bool zero = zero_timeout(m, tsp);
	err = set_user_sigmask(m, umask, size, &old);
	if (err)
		return err;
	int64_t ret = call(m, a, deadline);
	ret = select_finish(m, tsp, false, deadline, zero, ret);
	restore_saved_sigmask_unless(m, old, ret == -ERESTARTNOHAND);
	return ret;
}

static int64_t ppoll_call(struct memu *m, const uint64_t *a, uint64_t deadline)
{
	return do_sys_poll(m, a[0], (uint32_t)a[1], deadline);
}

int64_t sys_ppoll(struct memu *m, const uint64_t *a)
{
	return with_mask(m, a, a[2], a[3], a[4], ppoll_call);
}

/* ---- select */

#define FDS_WORDS ((PROC_FDS + 63) / 64)

struct fd_sets {
	uint64_t in[FDS_WORDS], out[FDS_WORDS], ex[FDS_WORDS];
};

static bool bit(const uint64_t *set, unsigned fd)
{
	return set[fd / 64] >> (fd % 64) & 1;
}

/* get_fd_set: n bits from uaddr (0: none) */
static int get_fd_set(struct memu *m, uint64_t uaddr, unsigned n, uint64_t *set)
{
	memset(set, 0, FDS_WORDS * sizeof(uint64_t));
	size_t bytes = (n + 63) / 64 * sizeof(uint64_t);
	return uaddr && bytes && copy_from_user(m->proc->mm, set, uaddr, bytes)
		       ? -EFAULT
		       : 0;
}

static int set_fd_set(struct memu *m, uint64_t uaddr, unsigned n,
		      const uint64_t *set)
{
	size_t bytes = (n + 63) / 64 * sizeof(uint64_t);
	return uaddr && bytes && copy_to_user(m->proc->mm, uaddr, set, bytes)
		       ? -EFAULT
		       : 0;
}

/* do_select's scan: the bits ready into res, their count; -EBADF for a
 * set bit of a closed descriptor (max_select_fd). */
static int64_t select_scan(struct memu *m, unsigned n, const struct fd_sets *s,
			   struct fd_sets *res, struct poll_wake *wake)
{
	memset(res, 0, sizeof(*res));
	for (unsigned fd = 0; fd < n; fd++)
		if ((bit(s->in, fd) || bit(s->out, fd) || bit(s->ex, fd)) &&
		    !fd_file(m, fd))
			return -EBADF;
	int64_t count = 0;
	for (unsigned fd = 0; fd < n; fd++) {
		bool in = bit(s->in, fd), out = bit(s->out, fd),
		     ex = bit(s->ex, fd);
		if (!in && !out && !ex)
			continue;
		unsigned mask = file_poll(fd_file(m, fd), wake);
		uint64_t b = 1ULL << (fd % 64);
		if (in && (mask & IN_SET))
			res->in[fd / 64] |= b, count++;
		if (out && (mask & OUT_SET))
			res->out[fd / 64] |= b, count++;
		if (ex && (mask & EX_SET))
			res->ex[fd / 64] |= b, count++;
	}
	return count;
}

/* core_sys_select */
static int64_t core_sys_select(struct memu *m, int64_t n, uint64_t inp,
			       uint64_t outp, uint64_t exp, uint64_t deadline)
{
	if (n < 0)
		return -EINVAL;
	unsigned nfds = n > PROC_FDS ? PROC_FDS : (unsigned)n; /* max_fds */
	struct fd_sets s, res;
	int err = get_fd_set(m, inp, nfds, s.in);
	if (!err)
		err = get_fd_set(m, outp, nfds, s.out);
	if (!err)
		err = get_fd_set(m, exp, nfds, s.ex);
	if (err)
		return err;
	for (;;) {
		struct poll_wake wake = {0, 0};
		int64_t count = select_scan(m, nfds, &s, &res, &wake);
		if (count < 0)
			return count;
		int64_t w = must_wait(m, count, deadline)
				    ? poll_schedule_timeout(m, deadline, &wake)
				    : 1;
		if (w < 0)
			return w;
		if (!w)
			continue;
		if (set_fd_set(m, inp, nfds, res.in) ||
		    set_fd_set(m, outp, nfds, res.out) ||
		    set_fd_set(m, exp, nfds, res.ex))
			return -EFAULT;
		return count;
	}
}

int64_t sys_select(struct memu *m, const uint64_t *a)
{
	uint64_t deadline;
	int err = timeout_deadline(m, a[4], true, &deadline);
	if (err)
		return err;
	bool zero = zero_timeout(m, a[4]);
	int64_t ret =
		core_sys_select(m, (int32_t)a[0], a[1], a[2], a[3], deadline);
	return select_finish(m, a[4], true, deadline, zero, ret);
}

static int64_t select_call(struct memu *m, const uint64_t *a, uint64_t deadline)
{
	return core_sys_select(m, (int32_t)a[0], a[1], a[2], a[3], deadline);
}

/* pselect6's sixth argument: { const sigset_t *ss; size_t ss_len; } */
int64_t sys_pselect6(struct memu *m, const uint64_t *a)
{
	uint64_t pack[2] = {0, 0};
	if (a[5] && copy_from_user(m->proc->mm, pack, a[5], sizeof(pack)))
		return -EFAULT;
	return with_mask(m, a, a[4], pack[0], pack[1], select_call);
}
