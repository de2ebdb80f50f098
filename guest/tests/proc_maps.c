/* /proc/self/maps against Linux: mappings at fixed addresses (so both
 * runs have the same ones), the maps text read in odd-sized pieces, and
 * the lines of that region printed - with a shared mapping's inode, which
 * only says which shmem object it is, shown as INO.  tests/mm_test.c
 * compares the output natively and under memu. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BASE 0x200000000000UL
#define PAGE 4096UL

static void map(unsigned long off, unsigned long pages, int prot, int flags)
{
	void *want = (void *)(BASE + off * PAGE);
	if (mmap(want, pages * PAGE, prot, flags | MAP_FIXED_NOREPLACE, -1,
		 0) != want)
		exit(1);
}

int main(int argc, char **argv)
{
	(void)argv;
	map(0, 3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	map(4, 1, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	map(5, 2, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS);
	map(8, 2, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	map(10, 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	/* merges with the first: same flags, adjacent */
	map(3, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return 2;
	static char text[65536];
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, text + len, 7)) > 0)
		len += (size_t)n;
	text[len] = '\0';
	if (argc > 1) { /* "all": the whole text, as read */
		fputs(text, stdout);
		return 0;
	}
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strtoul(line, NULL, 16) < BASE ||
		    strtoul(line, NULL, 16) >= BASE + 64 * PAGE)
			continue;
		char *dev = strstr(line, " 00:01 ");
		if (dev) {
			/* the inode as INO, the name re-padded to column 73 */
			char *ino = dev + 7, *name = strchr(ino, '/');
			char head[128];
			snprintf(head, sizeof(head), "%.*sINO ",
				 (int)(ino - line), line);
			printf("%-72s %s\n", head, name ? name : "");
		} else {
			printf("%s\n", line);
		}
	}
	return 0;
}
