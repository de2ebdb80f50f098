/* Code changed behind a translation must run changed, on Linux and on
 * memu, whoever changes it:
 *  1. the CPU, through another virtual alias of the frame (a shared
 *     mapping and its mremap(old_size 0) twin): stores through B, calls
 *     through A;
 *  2. the kernel: read(2) from /dev/zero into the code page;
 *  3. a new frame at the same address: munmap and mmap again, new code.
 * Prints what each call returned. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int (*fn)(void);

/* mov eax, imm32; ret */
static void put_ret(volatile unsigned char *at, int value)
{
	at[0] = 0xb8;
	memcpy((void *)(at + 1), &value, 4);
	at[5] = 0xc3;
}

int main(void)
{
	int prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	unsigned char *a =
		mmap(NULL, 4096, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 1;
	unsigned char *b = mremap(a, 0, 4096, MREMAP_MAYMOVE);
	if (b == MAP_FAILED || b == a)
		return 2;
	put_ret(b, 1);
	int r1 = ((fn)a)();
	put_ret(b, 2); /* through the other alias */
	int r2 = ((fn)a)();
	int zero = open("/dev/zero", O_RDONLY);
	if (zero < 0 || read(zero, a + 1, 4) != 4)
		return 3;
	int r3 = ((fn)a)(); /* the kernel wrote: mov eax, 0 */
	unsigned char *c =
		mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	put_ret(c, 4);
	int r4 = ((fn)c)();
	munmap(c, 4096);
	unsigned char *d = mmap(c, 4096, prot,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	put_ret(d, 5);
	int r5 = ((fn)d)(); /* same address, new frame, new code */
	printf("%d %d %d %d %d\n", r1, r2, r3, r4, r5);
	return 0;
}
