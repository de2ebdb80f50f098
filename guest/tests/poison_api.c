/* Frames poisoned by the machine (memu_poison_pfn, as a memory error the
 * hardware reports, not the guest's madvise): tests/inject_test.c
 * poisons at the probes, the program uses the memory after it: a free
 * frame that the next page would have taken (docs/machine.md, "Frames")
 * and that it does not take, an anonymous page (SIGBUS at the access), a
 * page of the program's image (dropped and read again: no signal), and a
 * page poisoned with the early kill on (BUS_MCEERR_AO as the program
 * resumes). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fault_catch.h"
#include "memu_guest.h"

static const char image[2 * PAGE] __attribute__((aligned(PAGE))) = "image";

static void touch(const char *what, volatile char *p, char *base)
{
	if (!sigsetjmp(env, 1))
		printf("%s: read %c\n", what, *p);
	else
		printf("%s: SIGBUS code %d lsb %d at +%#lx\n", what, code, lsb,
		       (unsigned long)(addr - base));
}

int main(void)
{
	catch_faults(SIGBUS, 0);
	static char out[4096];
	memset(out, 0, sizeof(out));
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	if (sigsetjmp(env, 1))
		return 1;

	char *p = map_at(0x10000000, 1, PROT_READ | PROT_WRITE);
	p[0] = 'P';
	memu_probe((long)p); /* 1: the test notes p's frame */
	munmap(p, PAGE);
	memu_probe(2); /* 2: that frame, free now, is poisoned */
	char *q = map_at(0x20000000, 1, PROT_READ | PROT_WRITE);
	q[0] = 'Q';
	memu_probe((long)q); /* 3: q did not get it */
	touch("q", q, q);
	memu_probe((long)q); /* 4: q's frame is poisoned */
	touch("poisoned", q + 0x42, q);

	volatile const char *img = image;
	memu_probe((long)image); /* 5: the image's page is poisoned */
	touch("image", (char *)img, (char *)image);

	char *e = map_at(0x18000000, 1, PROT_READ | PROT_WRITE);
	e[0] = 'E';
	memu_probe((long)e); /* 6: early kill on, e's frame poisoned */
	printf("early kill: AO %d code %d lsb %d at +%#lx\n", ao, code, lsb,
	       (unsigned long)(addr - e));
	fflush(stdout);
	return 0;
}
