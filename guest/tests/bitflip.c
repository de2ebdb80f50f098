/* Bit flips as a program sees them: tests/inject_test.c flips a bit at
 * the first probe (of a data byte, of an instruction, or of a page-table
 * entry); the program uses the page again at once (a PTE flip is not
 * seen yet: the CPU still holds the entry), then after a TLB flush.
 * Usage: bitflip MODE (data, code, pte-w, pte-p, pte-u3, pte-pfn,
 * pte-rsvd, pte-nx). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fault_catch.h"
#include "memu_guest.h"

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
		printf("%s: signal %d code %d\n", what, sig, code);
}

static void try_write(const char *what, volatile char *p, char c)
{
	if (!sigsetjmp(env, 1)) {
		*p = c;
		printf("%s: wrote %c\n", what, c);
	} else {
		printf("%s: signal %d code %d\n", what, sig, code);
	}
}

/* mov $1, %eax; ret */
static const unsigned char ret1[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3};

static void try_call(const char *what, int (*fn)(void))
{
	if (!sigsetjmp(env, 1))
		printf("%s: returns %d\n", what, fn());
	else
		printf("%s: signal %d code %d\n", what, sig, code);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	catch_faults(SIGSEGV, SIGBUS);
	setvbuf(stdout, NULL, _IONBF, 0);
	char *z = map_at(0, 1, PROT_READ | PROT_WRITE);
	/* Two pages alone in their gigabyte (one PDPT entry maps them and
	 * nothing else): frames F (even: colour 0) and F + 1. */
	char *p = map_at(0x40000000, 2, PROT_READ | PROT_WRITE);
	p[0] = 'A';
	p[PAGE] = 'B';

	if (!strcmp(mode, "data")) {
		memu_probe((long)p); /* bit 1 of p[0] flipped */
		try_read("flipped", p);
	} else if (!strcmp(mode, "code") || !strcmp(mode, "pte-nx")) {
		char *c = map_at(0, 1, PROT_READ | PROT_WRITE | PROT_EXEC);
		memcpy(c, ret1, sizeof(ret1));
		int (*fn)(void) = (int (*)(void))c;
		try_call("before", fn);
		memu_probe((long)c); /* the immediate's bit 1, or NX */
		try_call("flipped", fn);
		real_flush(z);
		try_call("after a flush", fn);
	} else if (!strcmp(mode, "pte-w")) {
		memu_probe((long)p); /* W cleared in p's PTE */
		try_write("flipped", p, 'b');
		real_flush(z);
		try_write("after a flush", p, 'c');
		memu_probe((long)p);
	} else if (!strcmp(mode, "walk")) {
		/* Any flip: use p every way the kernel and the CPU can. */
		memu_probe((long)p);
		try_read("flipped", p);
		real_flush(z);
		try_read("after a flush", p);
		try_write("write", p, 'w');
		try_read("next page", p + PAGE);
		mprotect(p, PAGE, PROT_READ);
		munmap(p, 2 * PAGE);
		p = map_at(0x40000000, 2, PROT_READ | PROT_WRITE);
		try_write("mapped again", p, 'm');
	} else {
		/* pte-p, pte-u3, pte-pfn, pte-rsvd: read p */
		memu_probe((long)p);
		try_read("flipped", p);
		real_flush(z);
		try_read("after a flush", p);
		memu_probe((long)p); /* the test puts the bit back */
		try_read("restored", p);
	}
	return 0;
}
