/* timerfd files (timerfd.c). */
#ifndef MEMU_DEVICES_TIMERFD_H
#define MEMU_DEVICES_TIMERFD_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

#define TFD_TIMER_ABSTIME_	 1
#define TFD_TIMER_CANCEL_ON_SET_ 2

extern const struct chardev timerfd_dev;

/* A timer's setting, ns: the time to the next expiry (0: disarmed) and
 * the period (0: once). */
struct timerfd_spec {
	uint64_t value, interval;
};

/* A new timer on clockid (checked by the caller), disarmed; flags
 * O_NONBLOCK: 0 or -errno. */
int timerfd_new(struct device_context *ctx, int clockid, int flags,
		struct file **out);
/* timerfd_settime: arm with value (absolute on the timer's clock with
 * TFD_TIMER_ABSTIME_, else relative; 0 disarms) and interval; the old
 * setting in *old. */
void timerfd_set(struct file *f, int flags, const struct timerfd_spec *set,
		 struct timerfd_spec *old);
/* timerfd_gettime */
void timerfd_get(struct file *f, struct timerfd_spec *now);

#endif
