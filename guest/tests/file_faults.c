/* File-backed faults, one kind at a time, for tests/fs_test.c: a file
 * of three pages written with write(2); a shared mapping read (page 0)
 * and written (page 1); a private mapping read (page 0) and written
 * (page 2).  Probe 1 stops after each has happened once, with the
 * mappings' addresses in the output for the test to translate. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memu_guest.h"

#define PAGE 4096L

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int fd = open("/tmp/f", O_CREAT | O_RDWR, 0644);
	char buf[3 * PAGE];
	memset(buf, 'f', sizeof(buf));
	write(fd, buf, sizeof(buf));
	char *sh =
		mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *pv = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			0);
	printf("%p %p\n", (void *)sh, (void *)pv);
	volatile char c = sh[0]; /* file read */
	sh[PAGE] = 'S';		 /* file write */
	c = pv[0];		 /* file read */
	pv[2 * PAGE] = 'P';	 /* file COW */
	(void)c;
	memu_probe(1);
	char back[2];
	pread(fd, back, 1, PAGE);
	pread(fd, back + 1, 1, 2 * PAGE);
	printf("%c%c\n", back[0], back[1]);
	return 0;
}
