/* The three teaching drivers: map a device's 16-page buffer and read the
 * label at the start of each page.
 *   teaching contig|scatter|lazy
 * Probes: right after mmap (tag: address), after reading every page. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "memu_guest.h"

#define PAGES 16

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	char path[64];
	snprintf(path, sizeof(path), "/dev/%s", argv[1]);
	int fd = open(path, O_RDWR);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	volatile char *p = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 3;
	}
	memu_probe((long)p);
	char label[PAGES][32];
	for (int i = 0; i < PAGES; i++) {
		memcpy(label[i], (const char *)p + i * 4096, sizeof(label[i]));
		label[i][strcspn(label[i], "\n")] = '\0';
	}
	memu_probe((long)p);
	printf("%s ... %s\n", label[0], label[PAGES - 1]);
	char past;
	printf("mmap past the buffer: %s\n",
	       mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, PAGES * 4096) ==
			       MAP_FAILED
		       ? "refused"
		       : "mapped");
	(void)past;
	return 0;
}
