/* A lost TLB flush as a program sees it: tests/inject_test.c arms
 * memu_lose_tlb_flushes() at the first probe; the program then changes a
 * mapping (munmap, mprotect, a COW in the kernel), reads or writes
 * through the translation the CPU still holds, and after a flush that
 * arrives takes the fault it should have taken at once.
 * Usage: lost_flush MODE (unmap, reuse, protect, cow). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fault_catch.h"
#include "memu_guest.h"

/* A flush that arrives: munmap of a page the CPU has used. */
static void real_flush(char *z)
{
	z[0] = 1;
	munmap(z, PAGE);
}

static void try_read(const char *what, volatile char *p)
{
	if (!sigsetjmp(env, 1))
		printf("%s: read %c\n", what, *p);
	else
		printf("%s: SIGSEGV code %d\n", what, code);
}

static void try_write(const char *what, volatile char *p, char c)
{
	if (!sigsetjmp(env, 1)) {
		*p = c;
		printf("%s: wrote %c\n", what, c);
	} else {
		printf("%s: SIGSEGV code %d\n", what, code);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	catch_faults(SIGSEGV, 0);
	/* Touch now what the program writes later (the output buffer, the
	 * jump buffer): no frame is allocated between the probes but the
	 * ones each mode asks for. */
	static char out[4096];
	memset(out, 0, sizeof(out));
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	if (sigsetjmp(env, 1))
		return 1;
	char *z = map_at(0, 1, PROT_READ | PROT_WRITE);

	if (!strcmp(mode, "unmap")) {
		char *p = map_at(0, 1, PROT_READ | PROT_WRITE);
		p[0] = 'A';
		memu_probe((long)p); /* armed */
		try_read("before munmap", p);
		munmap(p, PAGE); /* its flush is lost */
		try_read("after munmap", p);
		real_flush(z);
		try_read("after a flush", p);
	} else if (!strcmp(mode, "reuse")) {
		/* Far from anything else: p starts a fresh block of frames,
		 * and q, of the same colour, takes p's frame once it is
		 * free (docs/machine.md, "Frames"). */
		char *p = map_at(0x10000000, 1, PROT_READ | PROT_WRITE);
		p[0] = 'A';
		memu_probe((long)p); /* armed */
		try_read("before munmap", p);
		munmap(p, PAGE);
		char *q = map_at(0x20000000, 1, PROT_READ | PROT_WRITE);
		q[0] = 'N';
		memu_probe((long)q);
		try_read("stale, q's frame", p);
		try_write("stale write", p, 'X');
		printf("q reads %c\n", q[0]);
		real_flush(z);
		try_read("after a flush", p);
	} else if (!strcmp(mode, "protect")) {
		char *p = map_at(0, 1, PROT_READ | PROT_WRITE);
		p[0] = 'A';
		memu_probe((long)p); /* armed */
		try_write("before mprotect", p, 'B');
		mprotect(p, PAGE, PROT_READ);
		try_write("after mprotect", p, 'C');
		real_flush(z);
		try_write("after a flush", p, 'D');
		try_read("read", p);
	} else if (!strcmp(mode, "cow")) {
		int fd = open("/c", O_CREAT | O_RDWR, 0600);
		write(fd, "abc", 3);
		char *p = map_at(0, 1, PROT_READ | PROT_WRITE);
		memu_probe((long)p); /* armed */
		printf("zero page: %d\n", p[0]);
		pread(fd, p, 3, 0); /* the kernel's COW: its flush is lost */
		printf("after read(2): %d\n", p[0]);
		real_flush(z);
		printf("after a flush: %c\n", p[0]);
	}
	fflush(stdout);
	return 0;
}
