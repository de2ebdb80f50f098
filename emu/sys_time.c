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
	return copy_to_user(m->proc.mm, uaddr, ts, sizeof(ts)) ? -EFAULT : 0;
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
	if (a[0] && copy_to_user(m->proc.mm, a[0], tv, sizeof(tv)))
		return -EFAULT;
	int32_t tz[2] = {0, 0};
	if (a[1] && copy_to_user(m->proc.mm, a[1], tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

int64_t sys_time(struct memu *m, const uint64_t *a)
{
	int64_t t = (int64_t)(VCLOCK_EPOCH + m->clock.ns / NSEC);
	if (a[0] && copy_to_user(m->proc.mm, a[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static int get_timespec(struct memu *m, uint64_t uaddr, uint64_t *ns)
{
	int64_t ts[2];
	if (copy_from_user(m->proc.mm, ts, uaddr, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)NSEC)
		return -EINVAL;
	*ns = (uint64_t)ts[0] * NSEC + (uint64_t)ts[1];
	return 0;
}

int64_t sys_nanosleep(struct memu *m, const uint64_t *a)
{
	uint64_t ns;
	int err = get_timespec(m, a[0], &ns);
	if (err)
		return err;
	vclock_advance(&m->clock, ns); /* sleeping is instant, time is not */
	return 0;
}

int64_t sys_clock_nanosleep(struct memu *m, const uint64_t *a)
{
	uint64_t now, ns;
	int err = clock_ns(m, a[0], &now);
	if (!err)
		err = get_timespec(m, a[2], &ns);
	if (err)
		return err;
	if (a[1] & TIMER_ABSTIME)
		ns = ns > now ? ns - now : 0;
	vclock_advance(&m->clock, ns);
	return 0;
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
		if (copy_to_user(m->proc.mm, a[0] + done, buf, k))
			return done ? (int64_t)done : -EFAULT;
		done += k;
	}
	return (int64_t)done;
}

int64_t sys_sched_yield(struct memu *m, const uint64_t *a)
{
	(void)m;
	(void)a;
	return 0;
}
