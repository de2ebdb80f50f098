/* Coursework: a guest walks its own 4-level page table through /dev/mem
 * (needs --devmem open: page tables are RAM above 1 MiB).
 *
 * memu_cr3() gives the physical address of the PML4.  The walk reads one
 * 8-byte entry per level with pread(2) on /dev/mem, prints it, and ends
 * at the frame behind a page the program wrote.  Then it writes a new
 * value into that frame through /dev/mem and reads its own page to see
 * it, and checks that page tables themselves cannot be written (EPERM)
 * but can be mapped read-only.  Probe: the page's address. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memu_guest.h"

#define ADDR_MASK 0x000ffffffffff000ULL

static const char *const level_name[] = {"", "PT", "PD", "PDPT", "PML4"};

static uint64_t read_entry(int fd, uint64_t table, uint64_t va, int level)
{
	unsigned index = (va >> (12 + 9 * (level - 1))) & 511;
	uint64_t e = 0;
	if (pread(fd, &e, 8, (off_t)(table + 8 * index)) != 8)
		return 0;
	printf("%-4s[%3u] at %#11llx = %#018llx\n", level_name[level], index,
	       (unsigned long long)(table + 8 * index), (unsigned long long)e);
	return e;
}

static uint64_t walk(int fd, uint64_t cr3, uint64_t va)
{
	uint64_t table = cr3 & ADDR_MASK;
	for (int level = 4; level >= 1; level--) {
		uint64_t e = read_entry(fd, table, va, level);
		if (!(e & 1))
			return 0;
		table = e & ADDR_MASK;
	}
	return table | (va & 0xfff);
}

int main(void)
{
	int fd = open("/dev/mem", O_RDWR);
	if (fd < 0) {
		perror("open /dev/mem");
		return 1;
	}
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(page, "written by the guest");
	uint64_t cr3 = (uint64_t)memu_cr3();
	printf("cr3 %#llx\n", (unsigned long long)cr3);
	uint64_t pa = walk(fd, cr3, (uint64_t)page);
	printf("page %p -> physical %#llx\n", (void *)page,
	       (unsigned long long)pa);
	memu_probe((long)page);
	if (pwrite(fd, "written via /dev/mem", 21, (off_t)pa) != 21)
		return 2;
	printf("the page now reads: %s\n", page);
	long r = pwrite(fd, "x", 1, (off_t)(cr3 & ADDR_MASK));
	printf("write to the PML4: %s\n", r < 0 ? strerror(errno) : "ok");
	void *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			(off_t)(cr3 & ADDR_MASK));
	printf("map the PML4 writable: %s\n",
	       rw == MAP_FAILED ? strerror(errno) : "ok");
	uint64_t *pml4 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
			      (off_t)(cr3 & ADDR_MASK));
	if (pml4 == MAP_FAILED)
		return 3;
	unsigned top = ((uint64_t)page >> 39) & 511;
	uint64_t e;
	pread(fd, &e, 8, (off_t)((cr3 & ADDR_MASK) + 8 * top));
	printf("mapped read-only, entry %u matches: %s\n", top,
	       pml4[top] == e ? "yes" : "no");
	return 0;
}
