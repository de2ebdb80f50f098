/* signalfd files (signalfd.c). */
#ifndef MEMU_DEVICES_SIGNALFD_H
#define MEMU_DEVICES_SIGNALFD_H

#include <stdint.h>

#include "device.h"

extern const struct chardev signalfd_dev;

/* A new signalfd reading the signals of mask (bit n - 1 for signal n;
 * SIGKILL and SIGSTOP already taken out by the caller); flags O_NONBLOCK:
 * 0 or -errno. */
int signalfd_new(struct device_context *ctx, uint64_t mask, int flags,
		 struct file **out);
/* signalfd4 on an existing one: its mask is now mask. */
void signalfd_set_mask(struct file *f, uint64_t mask);

#endif
