/* Wait queues (Linux include/linux/wait.h), for what waits on a file
 * without sleeping: epoll's items (eventpoll.c).  A file that can be
 * polled keeps a head per thing it waits for (a pipe's readers and
 * writers, a socket's, an eventfd's counter), says which through its
 * operations' poll_queues, and wakes them with the POLL* bits of what
 * happened (0: anything; docs/files.md, "epoll").  Tasks themselves
 * still wait as a blocked read does (emu/sched.c).
 */
#ifndef MEMU_DEVICES_WAITQUEUE_H
#define MEMU_DEVICES_WAITQUEUE_H

struct wait_queue_entry;

typedef void (*wait_queue_func)(struct wait_queue_entry *w, unsigned key);

struct wait_queue_entry {
	wait_queue_func func;
	void *private;
	struct wait_queue_entry *next, **pprev;
};

struct wait_queue_head {
	struct wait_queue_entry *first;
};

/* add_wait_queue: w goes first, so the newest waiter is woken first,
 * as Linux's list_add. */
void add_wait_queue(struct wait_queue_head *h, struct wait_queue_entry *w);
void remove_wait_queue(struct wait_queue_entry *w);
/* wake_up_poll: every waiter's func with key, newest first. */
void wake_up_poll(struct wait_queue_head *h, unsigned key);

#endif
