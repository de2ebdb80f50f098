/* epoll files (eventpoll.c). */
#ifndef MEMU_DEVICES_EVENTPOLL_H
#define MEMU_DEVICES_EVENTPOLL_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

extern const struct chardev eventpoll_dev;

/* x86-64's struct epoll_event: packed, 12 bytes. */
struct epoll_uevent {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

/* A new epoll with nothing in it (the caller checked the flags): 0 or
 * -errno. */
int eventpoll_new(struct device_context *ctx, struct file **out);
bool is_file_epoll(const struct file *f);
/* EPOLL_CTL_ADD, MOD, DEL of (tf, fd) in the epoll epf, after
 * do_epoll_ctl's checks of the descriptors and flags: ELOOP, EEXIST,
 * ENOENT, EINVAL (MOD of an EPOLLEXCLUSIVE item, a bad op), ENOMEM. */
int ep_ctl(struct file *epf, int op, struct file *tf, int fd,
	   const struct epoll_uevent *ev);
/* ep_send_events: up to maxevents ready events to the guest's array at
 * uevents; how many, 0 for none, -EFAULT when the first will not go. */
int ep_send_events(struct file *epf, uint64_t uevents, int maxevents);
/* eventpoll_release: f's last reference is going: out of every epoll. */
void eventpoll_release(struct file *f);

#endif
