/* Print /proc files: argv[1] is the read size, the other arguments are
 * paths; each file is printed after a "==== path" line, read to its end
 * in pieces of that size (an error as "==== path: open failed"), the
 * bytes that are not text as \xNN, and a newline if it has none.  Every buffer
 * is touched first, so reading changes nothing that is read.  tests/proc_test.c
 * checks memu's text. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 16];
static char out[1 << 18];

int main(int argc, char **argv)
{
	size_t chunk = argc > 1 ? (size_t)atoi(argv[1]) : sizeof(buf);
	size_t len = 0;
	if (!chunk || chunk > sizeof(buf))
		chunk = sizeof(buf);
	memset(buf, 1, sizeof(buf));
	memset(out, 1, sizeof(out));
	for (int i = 2; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		len += (size_t)snprintf(out + len, sizeof(out) - len,
					"==== %s%s\n", argv[i],
					fd < 0 ? ": open failed" : "");
		ssize_t n;
		/* bytes other than text as \xNN (cmdline, auxv) */
		while (fd >= 0 && (n = read(fd, buf, chunk)) > 0)
			for (ssize_t k = 0; k < n && len + 8 < sizeof(out);
			     k++) {
				unsigned char c = (unsigned char)buf[k];
				if (c == '\n' || c == '\t' ||
				    (c >= 32 && c < 127))
					out[len++] = (char)c;
				else
					len += (size_t)snprintf(out + len, 8,
								"\\x%02x", c);
			}
		if (fd >= 0)
			close(fd);
		if (len && out[len - 1] != '\n')
			out[len++] = '\n';
	}
	fwrite(out, 1, len, stdout);
	return 0;
}
