/* Time and randomness, all virtual (emu/clock.h): same run, same bytes. */
#include <errno.h>
#include <time.h>

#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#define NSEC	      1000000000ULL
#define GRND_FLAGS    0x7 /* NONBLOCK | RANDOM | INSECURE */
#define GETRANDOM_MAX 33554431ULL

static int clock_ns(struct memu *m, uint64_t clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case 11: /* CLOCK_TAI */
		*ns = VCLOCK_EPOCH * NSEC + m->clock.ns;
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = m->clock.ns;
		return 0;
	default:
		return -EINVAL;
	}
}

static int put_timespec(struct memu *m, uint64_t uaddr, uint64_t ns)
{
	int64_t ts[2] = {(int64_t)(ns / NSEC), (int64_t)(ns % NSEC)};
	return copy_to_user(m->proc->mm, uaddr, ts, sizeof(ts)) ? -EFAULT : 0;
}

int64_t sys_clock_gettime(struct memu *m, const uint64_t *a)
{
	uint64_t ns;
	int err = clock_ns(m, a[0], &ns);
	return err ? err : put_timespec(m, a[1], ns);
}

int64_t sys_clock_getres(struct memu *m, const uint64_t *a)
{
	uint64_t ns;
	int err = clock_ns(m, a[0], &ns);
	if (err)
		return err;
	return a[1] ? put_timespec(m, a[1], 1) : 0;
}

int64_t sys_gettimeofday(struct memu *m, const uint64_t *a)
{
	uint64_t ns = VCLOCK_EPOCH * NSEC + m->clock.ns;
	int64_t tv[2] = {(int64_t)(ns / NSEC), (int64_t)(ns % NSEC / 1000)};
	if (a[0] && copy_to_user(m->proc->mm, a[0], tv, sizeof(tv)))
		return -EFAULT;
	int32_t tz[2] = {0, 0};
	if (a[1] && copy_to_user(m->proc->mm, a[1], tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

int64_t sys_time(struct memu *m, const uint64_t *a)
{
	int64_t t = (int64_t)(VCLOCK_EPOCH + m->clock.ns / NSEC);
	if (a[0] && copy_to_user(m->proc->mm, a[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}

/* sec s + us microseconds + ns nanoseconds, saturating: a duration of
 * centuries is "forever", never a wrapped-around clock. */
static uint64_t span_ns(int64_t s, int64_t us, int64_t ns)
{
	uint64_t sec = (uint64_t)s;
	if (sec > (UINT64_MAX / 2) / NSEC)
		return UINT64_MAX / 2;
	return sec * NSEC + (uint64_t)us * 1000 + (uint64_t)ns;
}

/* now + d, saturating. */
static uint64_t later(uint64_t now, uint64_t d)
{
	return d > UINT64_MAX - now ? UINT64_MAX : now + d;
}

uint64_t vclock_after(const struct vclock *c, uint64_t d)
{
	return later(c->ns, d);
}

int get_timespec(struct memu *m, uint64_t uaddr, uint64_t *ns)
{
	int64_t ts[2];
	if (copy_from_user(m->proc->mm, ts, uaddr, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)NSEC)
		return -EINVAL;
	*ns = span_ns(ts[0], ts[1] / 1000, ts[1] % 1000);
	return 0;
}

/* Linux do_nanosleep: sleep on the virtual clock (instantly) to `end`.
 * A signal the guest takes ends it early: the time left goes to the
 * restart block's rmtp (if any, and if there is time left), and the
 * call is to be restarted with restart_syscall (docs/signals.md). */
static int64_t do_nanosleep(struct memu *m, uint64_t end)
{
	if (!wait_interruptible(m, true, end))
		return 0;
	if (m->proc->state == TASK_BLOCKED)
		return -ERESTART_RESTARTBLOCK; /* to sleep on (sched.c) */
	uint64_t rmtp = m->proc->restart.rmtp;
	if (rmtp) {
		if (end <= m->clock.ns)
			return 0;
		if (put_timespec(m, rmtp, end - m->clock.ns))
			return -EFAULT;
	}
	return -ERESTART_RESTARTBLOCK;
}

/* Linux hrtimer_nanosleep: an interrupted relative sleep leaves the rest
 * to restart_syscall; an absolute one restarts whole, unless a handler
 * ran (EINTR). */
static int64_t hrtimer_nanosleep(struct memu *m, uint64_t end, bool abs)
{
	int64_t ret = do_nanosleep(m, end);
	if (ret != -ERESTART_RESTARTBLOCK)
		return ret;
	if (abs)
		return -ERESTARTNOHAND;
	m->proc->restart.fn = RESTART_NANOSLEEP;
	m->proc->restart.expires = end;
	return ret;
}

int64_t nanosleep_restart(struct memu *m)
{
	return do_nanosleep(m, m->proc->restart.expires);
}

int64_t sys_nanosleep(struct memu *m, const uint64_t *a)
{
	uint64_t ns;
	int err = get_timespec(m, a[0], &ns);
	if (err)
		return err;
	m->proc->restart.fn = RESTART_NONE;
	m->proc->restart.rmtp = a[1];
	return hrtimer_nanosleep(m, later(m->clock.ns, ns), false);
}

int64_t sys_clock_nanosleep(struct memu *m, const uint64_t *a)
{
	uint64_t now, ns;
	int err = clock_ns(m, a[0], &now);
	if (!err)
		err = get_timespec(m, a[2], &ns);
	if (err)
		return err;
	bool abs = a[1] & TIMER_ABSTIME;
	if (abs)
		ns = ns > now ? ns - now : 0;
	/* An absolute sleep leaves no remainder to report. */
	m->proc->restart.fn = RESTART_NONE;
	m->proc->restart.rmtp = abs ? 0 : a[3];
	return hrtimer_nanosleep(m, later(m->clock.ns, ns), abs);
}

int64_t sys_getrandom(struct memu *m, const uint64_t *a)
{
	if (a[2] & ~(uint64_t)GRND_FLAGS)
		return -EINVAL;
	uint64_t n = a[1] < GETRANDOM_MAX ? a[1] : GETRANDOM_MAX;
	uint8_t buf[256];
	uint64_t done = 0;
	while (done < n) {
		size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
		rng_bytes(&m->rng, buf, k);
		if (copy_to_user(m->proc->mm, a[0] + done, buf, k))
			return done ? (int64_t)done : -EFAULT;
		done += k;
	}
	return (int64_t)done;
}

/* The next runnable task's turn (sched.c), if there is another. */
int64_t sys_sched_yield(struct memu *m, const uint64_t *a)
{
	(void)a;
	if (sched_multi(m)) {
		m->resched = true;
		uc_emu_stop(m->uc);
	}
	return 0;
}

/* ---- ITIMER_REAL (alarm, setitimer) on the virtual clock */

#define USEC 1000ULL

struct guest_itimerval {
	int64_t interval_sec, interval_usec, value_sec, value_usec;
};

static uint64_t itimer_remaining(struct memu *m)
{
	uint64_t e = m->proc->signal->itimer.expires;
	/* An expired timer whose signal is not out yet reads 1 us (Linux). */
	return !e ? 0 : e > m->clock.ns ? e - m->clock.ns : USEC;
}

static void itimer_arm(struct memu *m, uint64_t value, uint64_t interval)
{
	m->proc->signal->itimer.expires = value ? later(m->clock.ns, value) : 0;
	m->proc->signal->itimer.interval = value ? interval : 0;
}

static struct guest_itimerval itimer_now(struct memu *m, int which)
{
	struct guest_itimerval v = {0, 0, 0, 0};
	if (which != 0)
		return v; /* the CPU-time timers never run down here */
	uint64_t rem = itimer_remaining(m),
		 iv = m->proc->signal->itimer.interval;
	v.interval_sec = (int64_t)(iv / NSEC);
	v.interval_usec = (int64_t)(iv % NSEC / USEC);
	v.value_sec = (int64_t)(rem / NSEC);
	v.value_usec = (int64_t)(rem % NSEC / USEC);
	return v;
}

int64_t sys_alarm(struct memu *m, const uint64_t *a)
{
	uint64_t rem = itimer_remaining(m);
	uint64_t sec = rem / NSEC, usec = rem % NSEC / USEC;
	/* alarm_setitimer: round to the nearest second, at least 1. */
	uint64_t old = sec + (usec >= 500000);
	if (!old && usec)
		old = 1;
	itimer_arm(m, (uint64_t)(uint32_t)a[0] * NSEC, 0);
	return (int64_t)old;
}

int64_t sys_getitimer(struct memu *m, const uint64_t *a)
{
	int which = (int)a[0];
	if (which < 0 || which > 2)
		return -EINVAL;
	struct guest_itimerval v = itimer_now(m, which);
	return copy_to_user(m->proc->mm, a[1], &v, sizeof(v)) ? -EFAULT : 0;
}

int64_t sys_setitimer(struct memu *m, const uint64_t *a)
{
	int which = (int)a[0];
	struct guest_itimerval v = {0, 0, 0, 0};
	if (a[1] && copy_from_user(m->proc->mm, &v, a[1], sizeof(v)))
		return -EFAULT;
	if (v.value_sec < 0 || v.value_usec < 0 || v.value_usec >= 1000000 ||
	    v.interval_sec < 0 || v.interval_usec < 0 ||
	    v.interval_usec >= 1000000)
		return -EINVAL;
	if (which < 0 || which > 2)
		return -EINVAL;
	struct guest_itimerval old = itimer_now(m, which);
	if (which == 0)
		itimer_arm(m, span_ns(v.value_sec, v.value_usec, 0),
			   span_ns(v.interval_sec, v.interval_usec, 0));
	if (a[2] && copy_to_user(m->proc->mm, a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
