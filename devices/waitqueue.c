/* Wait queues (waitqueue.h; Linux kernel/sched/wait.c): a list of
 * callbacks, newest first. */
#include <stddef.h>

#include "waitqueue.h"

void add_wait_queue(struct wait_queue_head *h, struct wait_queue_entry *w)
{
	w->next = h->first;
	if (w->next)
		w->next->pprev = &w->next;
	h->first = w;
	w->pprev = &h->first;
}

void remove_wait_queue(struct wait_queue_entry *w)
{
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	w->next = NULL;
	w->pprev = NULL;
}

void wake_up_poll(struct wait_queue_head *h, unsigned key)
{
	for (struct wait_queue_entry *w = h->first, *next; w; w = next) {
		next = w->next;
		w->func(w, key);
	}
}
