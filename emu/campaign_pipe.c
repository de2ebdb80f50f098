/* The pipes between a campaign's processes (docs/campaigns.md): a
 * golden run, a def/use run or an experiment sends its result to the
 * process that forked it, whole, across interrupted calls. */
#include <errno.h>
#include <unistd.h>

#include "campaign.h"

int pipe_write_full(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int pipe_read_full(int fd, void *p, size_t n)
{
	char *s = p;
	while (n) {
		ssize_t r = read(fd, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		s += r;
		n -= (size_t)r;
	}
	return 0;
}
