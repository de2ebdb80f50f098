#ifndef MEMU_DEVICES_MEMIOCTL_H
#define MEMU_DEVICES_MEMIOCTL_H

#include "device.h"

/* FreeBSD mem(4)'s ioctls, shared by /dev/mem and /dev/kmem. */
int64_t mem_ioctl(struct file *f, uint64_t cmd, uint64_t arg);

#endif
