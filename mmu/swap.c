#include "swap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "phys.h"

int swap_init(struct swap_device *s, const char *path, uint64_t bytes,
	      char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->pages = bytes >> PAGE_SHIFT;
	if (s->pages < 2) {
		snprintf(err, errlen, "swap needs at least 8 KiB");
		return -1;
	}
	s->fd = path ? open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)
		     : memfd_create("memu-swap", MFD_CLOEXEC);
	if (s->fd < 0 || ftruncate(s->fd, (off_t)(s->pages << PAGE_SHIFT))) {
		snprintf(err, errlen, "cannot make the swap device %s: %s",
			 path ? path : "(memfd)", strerror(errno));
		swap_destroy(s);
		return -1;
	}
	s->map = calloc(s->pages, 1);
	if (!s->map) {
		snprintf(err, errlen, "out of host memory for the swap map");
		swap_destroy(s);
		return -1;
	}
	s->next = 1;
	return 0;
}

void swap_destroy(struct swap_device *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->map);
	s->fd = -1;
	s->map = NULL;
}

uint64_t swap_total(const struct swap_device *s)
{
	return s->pages - 1;
}

uint64_t swap_free_slots(const struct swap_device *s)
{
	return swap_total(s) - s->inuse;
}

bool swap_full_half(const struct swap_device *s)
{
	return s->inuse * 2 > swap_total(s);
}

uint64_t swap_alloc(struct swap_device *s)
{
	for (uint64_t slot = s->next; slot < s->pages; slot++) {
		if (s->map[slot])
			continue;
		s->map[slot] = 1;
		if (++s->inuse > s->peak)
			s->peak = s->inuse;
		s->next = slot + 1;
		return slot;
	}
	return 0;
}

void swap_dup(struct swap_device *s, uint64_t slot)
{
	if (slot && slot < s->pages && s->map[slot] && s->map[slot] < 0xff)
		s->map[slot]++;
}

unsigned swap_put(struct swap_device *s, uint64_t slot)
{
	if (!slot || slot >= s->pages || !s->map[slot])
		return 0;
	if (--s->map[slot])
		return s->map[slot];
	s->inuse--;
	if (slot < s->next)
		s->next = slot;
	return 0;
}

unsigned swap_count(const struct swap_device *s, uint64_t slot)
{
	return slot && slot < s->pages ? s->map[slot] : 0;
}

static int full_io(int fd, void *buf, uint64_t slot, bool write)
{
	off_t off = (off_t)(slot << PAGE_SHIFT);
	size_t done = 0;
	while (done < PAGE_SIZE) {
		ssize_t n = write ? pwrite(fd, (const char *)buf + done,
					   PAGE_SIZE - done, off + (off_t)done)
				  : pread(fd, (char *)buf + done,
					  PAGE_SIZE - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int swap_writepage(struct swap_device *s, uint64_t slot, const void *src)
{
	if (full_io(s->fd, (void *)src, slot, true))
		return -1;
	s->pswpout++;
	return 0;
}

int swap_readpage(struct swap_device *s, uint64_t slot, void *dst)
{
	if (full_io(s->fd, dst, slot, false))
		return -1;
	s->pswpin++;
	return 0;
}
