/* defuse: a buffer half overwritten, then read whole - the guest of the
 * def/use pruning tests (tests/campaign_prune_test.c,
 * docs/campaigns.md "Pruning").
 *
 * dbuf (64 bytes, a global) is zeroed, then memu_probe(1); then dbuf[0..31]
 * are written, then memu_probe(2); then all 64 bytes are read and summed,
 * then memu_probe(3), and the sum is printed.  A flip of dbuf[0..31] just
 * after probe 1 is overwritten before it is read; of dbuf[32..63] it is
 * read first; after probe 2 every byte is read first.  After probe 3,
 * write(2) sends dbuf[32..35] to stdout (the kernel reads them), then
 * memu_probe(4), then the CPU overwrites and reads them: a flip after
 * probe 3 is overwritten only after the kernel has read it; after probe
 * 4 it is overwritten before it is read.  Nothing else touches dbuf
 * after probe 3.
 *
 * code is a page mapped read, write and execute: its first byte is a
 * `ret` the program calls before probe 1, so the page is one the CPU
 * fetched from; its bytes 64..95 are then written and read as dbuf[0..31]
 * are.  data is the same layout in an ordinary page, never run.  Two
 * probes before the others hand their addresses over (the tags).  The
 * probes print nothing: on Linux (ENOSYS) the output is the same.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memu_guest.h"

volatile unsigned char dbuf[64];

/* A few instructions between a probe and the writes after it. */
#define PAUSE() __asm__ volatile("nop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop")

static void fill(volatile unsigned char *p, int n, int seed)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 3 + seed);
}

static unsigned sum(volatile unsigned char *p, int n)
{
	unsigned s = 0;
	for (int i = 0; i < n; i++)
		s = s * 31 + p[i];
	return s;
}

int main(void)
{
	unsigned char *code =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *data = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED || data == MAP_FAILED)
		return 1;
	memset(code, 0, 4096);
	memset(data, 0, 4096);
	code[0] = 0xc3; /* ret */
	((void (*)(void))code)();
	memu_probe((long)code);
	memu_probe((long)data);
	fill(dbuf, 64, 0);
	memu_probe(1);
	PAUSE();
	fill(dbuf, 32, 1);
	fill(code + 64, 32, 1);
	fill(data + 64, 32, 1);
	memu_probe(2);
	PAUSE();
	unsigned s = sum(dbuf, 64) ^ sum(code + 64, 32) ^ sum(data + 64, 32);
	memu_probe(3);
	PAUSE();
	if (write(1, (const void *)(dbuf + 32), 4) != 4)
		return 1;
	memu_probe(4);
	PAUSE();
	fill(dbuf + 32, 4, 7);
	s ^= sum(dbuf + 32, 4);
	printf(" sum %08x\n", s);
	return 0;
}
