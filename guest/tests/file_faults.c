/* File-backed faults, one kind at a time, for tests/fs_test.c: a file
 * of three pages written with write(2); a shared mapping written (page
 * 1) and read (page 0); a private mapping read (page 0) and written
 * (page 2).  A read fault maps the cached pages around it too (Linux's
 * fault-around), a write fault only its own.  Probe 1 stops after each has
 * happened once, with the mappings' addresses in the output for the test to
 * translate. */
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
	volatile char *sh =
		mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	volatile char *pv = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE, fd, 0);
	printf("%p %p\n", (void *)sh, (void *)pv);
	sh[PAGE] = 'S';		 /* file write: no fault-around */
	volatile char c = sh[0]; /* file read, mapping page 2 around it */
	c = pv[0];		 /* file read, mapping pages 1 and 2 */
	pv[2 * PAGE] = 'P';	 /* file COW of a page mapped read-only */
	(void)c;
	memu_probe(1);
	char back[2];
	pread(fd, back, 1, PAGE);
	pread(fd, back + 1, 1, 2 * PAGE);
	printf("%c%c\n", back[0], back[1]);
	return 0;
}
