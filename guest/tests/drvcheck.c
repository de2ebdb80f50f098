/* A driver module from the guest's side (tests/module_test.c):
 *   drvcheck NAME LAST
 * opens /dev/NAME, reads 64 bytes, maps page 0 and reads it twice, then
 * maps page LAST and touches it (where a bad module's fault may end the
 * guest with SIGBUS); each step prints one line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void touch(int fd, long page)
{
	volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
				fd, page * 4096);
	if (p == MAP_FAILED) {
		printf("mmap %ld: %s\n", page, strerror(errno));
		return;
	}
	printf("mmap %ld: ok\n", page);
	fflush(stdout);
	char line[32];
	memcpy(line, (const char *)p, sizeof(line));
	line[strcspn(line, "\n")] = '\0';
	printf("page %ld: %s\n", page, line);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	char path[64];
	snprintf(path, sizeof(path), "/dev/%s", argv[1]);
	int fd = open(path, O_RDWR);
	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	char buf[65] = {0};
	ssize_t n = read(fd, buf, 64);
	if (n < 0)
		printf("read: %s\n", strerror(errno));
	else
		printf("read: %zd: %.*s", n, (int)strcspn(buf, "\n") + 1, buf);
	touch(fd, 0);
	touch(fd, 0);
	touch(fd, atol(argv[2]));
	return 0;
}
