/* The stub's transport: a TCP socket on a loopback address by default,
 * or a Unix socket; the remote protocol's framing ($data#cs), with acks
 * until gdb turns them off (QStartNoAckMode).  docs/gdb.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "gdbstub.h"

struct gdb_addr {
	bool is_unix;
	struct sockaddr_un un;
	struct sockaddr_in in;
};

static int parse(const char *spec, struct gdb_addr *a, char *why, size_t n)
{
	memset(a, 0, sizeof(*a));
	if (!strncmp(spec, "unix:", 5)) {
		const char *path = spec + 5;
		if (!*path || strlen(path) >= sizeof(a->un.sun_path)) {
			snprintf(why, n,
				 "unix:PATH needs a path of 1 to %zu "
				 "bytes",
				 sizeof(a->un.sun_path) - 1);
			return -1;
		}
		a->is_unix = true;
		a->un.sun_family = AF_UNIX;
		strcpy(a->un.sun_path, path);
		return 0;
	}
	char host[64] = "127.0.0.1";
	const char *port = spec, *colon = strrchr(spec, ':');
	if (colon) {
		size_t hl = (size_t)(colon - spec);
		if (hl == 0 || hl >= sizeof(host)) {
			snprintf(why, n, "bad host");
			return -1;
		}
		memcpy(host, spec, hl);
		host[hl] = '\0';
		port = colon + 1;
		if (!strcmp(host, "localhost"))
			strcpy(host, "127.0.0.1");
	}
	char *end;
	errno = 0;
	unsigned long p = strtoul(port, &end, 10);
	if (!*port || *end || *port == '-' || *port == '+' || errno || p < 1 ||
	    p > 65535) {
		snprintf(why, n, "the port must be 1 to 65535");
		return -1;
	}
	a->in.sin_family = AF_INET;
	a->in.sin_port = htons((uint16_t)p);
	if (inet_pton(AF_INET, host, &a->in.sin_addr) != 1) {
		snprintf(why, n,
			 "the host must be an IPv4 address or "
			 "localhost");
		return -1;
	}
	return 0;
}

int gdb_parse_spec(const char *spec, char *why, size_t whylen)
{
	struct gdb_addr a;
	return parse(spec, &a, why, whylen);
}

int gdb_listen(struct gdb_conn *c, const char *spec, char *err, size_t n)
{
	struct gdb_addr a;
	char why[128];
	c->fd = c->listen_fd = -1;
	if (parse(spec, &a, why, sizeof(why))) {
		snprintf(err, n, "bad --gdb %s: %s", spec, why);
		return -1;
	}
	int fd = socket(a.is_unix ? AF_UNIX : AF_INET,
			SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, n, "--gdb %s: %s", spec, strerror(errno));
		return -1;
	}
	int one = 1;
	if (!a.is_unix)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int rc = a.is_unix ? bind(fd, (struct sockaddr *)&a.un, sizeof(a.un))
			   : bind(fd, (struct sockaddr *)&a.in, sizeof(a.in));
	if (rc || listen(fd, 1)) {
		snprintf(err, n, "--gdb %s: cannot listen: %s", spec,
			 strerror(errno));
		close(fd);
		return -1;
	}
	c->listen_fd = fd;
	if (a.is_unix)
		c->unix_path = strdup(a.un.sun_path);
	char where[160];
	if (a.is_unix)
		snprintf(where, sizeof(where), "unix:%s", a.un.sun_path);
	else {
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a.in.sin_addr, ip, sizeof(ip));
		snprintf(where, sizeof(where), "%s:%u", ip,
			 ntohs(a.in.sin_port));
	}
	fprintf(stderr, "memu: waiting for gdb on %s\n", where);
	return 0;
}

int gdb_accept(struct gdb_conn *c)
{
	int fd;
	do
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	c->fd = fd;
	return 0;
}

/* The next byte from gdb, -1 at the end. */
static int get_byte(struct gdb_conn *c)
{
	if (c->in_pos == c->in_len) {
		ssize_t r;
		do
			r = read(c->fd, c->in, sizeof(c->in));
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			return -1;
		c->in_len = (size_t)r;
		c->in_pos = 0;
	}
	return c->in[c->in_pos++];
}

static int write_all(struct gdb_conn *c, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int gdb_get_packet(struct gdb_conn *c, char *buf, size_t size, size_t *len)
{
	for (;;) {
		int ch;
		do /* acks, Ctrl-C while stopped, noise */
			ch = get_byte(c);
		while (ch >= 0 && ch != '$');
		if (ch < 0)
			return -1;
		size_t n = 0;
		unsigned sum = 0;
		bool overflow = false;
		while ((ch = get_byte(c)) >= 0 && ch != '#') {
			sum += (unsigned)ch;
			if (n + 1 < size)
				buf[n++] = (char)ch;
			else
				overflow = true;
		}
		int h = ch < 0 ? -1 : hexval(get_byte(c));
		int l = h < 0 ? -1 : hexval(get_byte(c));
		if (l < 0)
			return -1;
		buf[n] = '\0';
		bool good = !overflow && (unsigned)(h << 4 | l) == (sum & 0xff);
		if (!c->noack && write_all(c, good ? "+" : "-", 1))
			return -1;
		if (good || c->noack) {
			*len = n;
			return 0;
		}
	}
}

int gdb_put_packet(struct gdb_conn *c, const char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *p = malloc(len + 4);
	if (!p)
		return -1;
	unsigned sum = 0;
	p[0] = '$';
	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)data[i];
	memcpy(p + 1, data, len);
	p[len + 1] = '#';
	p[len + 2] = hex[(sum >> 4) & 0xf];
	p[len + 3] = hex[sum & 0xf];
	for (int tries = 0; tries < 8; tries++) {
		if (write_all(c, p, len + 4))
			break;
		if (c->noack) {
			free(p);
			return 0;
		}
		int ch;
		do
			ch = get_byte(c);
		while (ch >= 0 && ch != '+' && ch != '-');
		if (ch == '+') {
			free(p);
			return 0;
		}
		if (ch < 0)
			break;
	}
	free(p);
	return -1;
}

int gdb_put_str(struct gdb_conn *c, const char *s)
{
	return gdb_put_packet(c, s, strlen(s));
}

int gdb_poll_byte(struct gdb_conn *c)
{
	if (c->in_pos < c->in_len)
		return c->in[c->in_pos++];
	struct pollfd p = {c->fd, POLLIN, 0};
	if (poll(&p, 1, 0) != 1)
		return -1;
	return get_byte(c);
}

int gdb_wait_byte(struct gdb_conn *c)
{
	return get_byte(c);
}

void gdb_close(struct gdb_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	c->fd = c->listen_fd = -1;
	if (c->unix_path)
		unlink(c->unix_path);
	free(c->unix_path);
	c->unix_path = NULL;
}
