/* The BIOS ROM is read-only, as on hardware: writes through a mapping or
 * through write(2) are dropped, and it reads the same afterwards. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROM 0xF0000

int main(void)
{
	int fd = open("/dev/mem", O_RDWR);
	if (fd < 0)
		return 1;
	volatile char *rom = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, ROM);
	if (rom == MAP_FAILED)
		return 2;
	char before[64], after[64], via_read[64];
	memcpy(before, (const char *)rom, sizeof(before));
	rom[0] = 'X';			     /* a store into ROM */
	long w = pwrite(fd, "YYYY", 4, ROM); /* write(2) into ROM */
	memcpy(after, (const char *)rom, sizeof(after));
	if (pread(fd, via_read, sizeof(via_read), ROM) != sizeof(via_read))
		return 3;
	unsigned char reset[5], model = (unsigned char)rom[0xfffe];
	memcpy(reset, (const char *)rom + 0xfff0, 5);
	printf("banner: %s\n", before);
	printf("after store: %s\n", after);
	printf("read: %s\n", via_read);
	printf("pwrite: %ld\n", w);
	printf("reset vector: %02x %02x %02x %02x %02x\n", reset[0], reset[1],
	       reset[2], reset[3], reset[4]);
	printf("date: %.8s model %02x\n", (const char *)rom + 0xfff5, model);
	return 0;
}
