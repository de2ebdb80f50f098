/* checksum: read a file, checksum it, print the sum - the small program
 * fault-injection campaigns are tried on (docs/campaigns.md).
 *
 *   checksum [FILE [ROUNDS]]
 *
 * Reads FILE (standard input when FILE is "-" or absent) into a static
 * buffer, runs Adler-32 over it ROUNDS times (1 by default: about 8
 * instructions a byte a round, so ROUNDS sizes the run) and prints
 *
 *   checksum XXXXXXXX of N bytes
 *
 * It checks its reads: an error is one line on stderr and exit status 3,
 * the status a campaign's "detected" rule names.  Its globals are named
 * for campaigns that flip their bits: input holds the bytes read (the
 * rest of its first page is backed and never read), spare is written at
 * start-up and never read again, and rounds is set before the reads and
 * read after them (a global: the compiler cannot keep it in a register
 * across the calls), so a flip of a high bit in between makes the loop
 * run for ever.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INPUT_MAX 65536
#define ADLER_MOD 65521

unsigned char input[INPUT_MAX];
volatile unsigned char spare[4096];
long rounds;

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "-";
	rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
	/* Backed by a frame, and dead from here on. */
	for (size_t i = 0; i < sizeof(spare); i++)
		spare[i] = (unsigned char)i;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
	if (fd < 0) {
		fprintf(stderr, "checksum: %s: %s\n", path, strerror(errno));
		return 3;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, input + len, sizeof(input) - len);
		if (n < 0) {
			fprintf(stderr, "checksum: read %s: %s\n", path,
				strerror(errno));
			return 3;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(input))
			break;
	}
	uint32_t a = 1, b = 0;
	for (long r = 0; r < rounds; r++)
		for (size_t i = 0; i < len; i++) {
			a = (a + input[i]) % ADLER_MOD;
			b = (b + a) % ADLER_MOD;
		}
	printf("checksum %08x of %zu bytes\n", (unsigned)(b << 16 | a), len);
	return 0;
}
