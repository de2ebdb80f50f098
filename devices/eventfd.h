/* eventfd files (eventfd.c). */
#ifndef MEMU_DEVICES_EVENTFD_H
#define MEMU_DEVICES_EVENTFD_H

#include "device.h"

#define EFD_SEMAPHORE_ 1

extern const struct chardev eventfd_dev;

/* A new eventfd counting from count; flags EFD_SEMAPHORE_ and
 * O_NONBLOCK (the caller checked them): 0 or -errno. */
int eventfd_new(struct device_context *ctx, unsigned count, int flags,
		struct file **out);

#endif
