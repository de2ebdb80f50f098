/* Every way a guest can hand /dev/mem and /dev/kmem a bad offset or
 * length, and what each policy answers.  One line per case, "name
 * result": "ok", a value, or the errno's name.  Raw syscalls, so libc
 * checks nothing first.  The test compares the output per policy. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

#define PAGE 4096L
/* High RAM nobody uses in these runs: frames are handed out upwards
 * from 1 MiB, and this is the last page of the default 256 MiB. */
#define HIGH_RAM 0xFFFF000L
#define MEMU_ID	 0xEFFF000000L
#define DMAP	 0xfffff80000000000UL
#define KTEXT	 0xffffffff80000000UL
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

static long map(int fd, long len, int prot, int flags, long off)
{
	long r = sc(SYS_mmap, 0, len, prot, flags, fd, off);
	if (r > 0)
		sc(SYS_munmap, r, len, 0, 0, 0, 0);
	return r;
}

#define RW		  (PROT_READ | PROT_WRITE)
#define CHECK(name, expr) printf("%s %s\n", name, name_of(expr))

static void mmap_cases(int fd, int rdonly)
{
	CHECK("map_ram_above_1m", map(fd, PAGE, RW, MAP_SHARED, HIGH_RAM));
	CHECK("map_low_ram", map(fd, PAGE, RW, MAP_SHARED, 0x1000));
	CHECK("map_vga", map(fd, PAGE, RW, MAP_SHARED, 0xB8000));
	CHECK("map_rom", map(fd, 16 * PAGE, PROT_READ, MAP_SHARED, 0xF0000));
	CHECK("map_unclaimed_hole", map(fd, PAGE, RW, MAP_SHARED, 0xC0000));
	CHECK("map_device_above_ram", map(fd, PAGE, RW, MAP_SHARED, MEMU_ID));
	CHECK("map_private_ram", map(fd, PAGE, RW, MAP_PRIVATE, HIGH_RAM));
	CHECK("map_hole_span",
	      map(fd, 0x60000, PROT_READ, MAP_SHARED, 0xA0000));
	CHECK("map_last_phys_page",
	      map(fd, PAGE, PROT_READ, MAP_SHARED, (1L << 40) - PAGE));
	CHECK("map_beyond_phys_bits",
	      map(fd, PAGE, PROT_READ, MAP_SHARED, 1L << 40));
	CHECK("map_straddles_phys_bits",
	      map(fd, 2 * PAGE, PROT_READ, MAP_SHARED, (1L << 40) - PAGE));
	CHECK("map_offset_wraps",
	      map(fd, 2 * PAGE, PROT_READ, MAP_SHARED, -PAGE));
	CHECK("map_unaligned_offset",
	      map(fd, PAGE, PROT_READ, MAP_SHARED, 0xB8000 + 1));
	CHECK("map_len0", map(fd, 0, PROT_READ, MAP_SHARED, 0xB8000));
	CHECK("map_write_on_rdonly_fd",
	      map(rdonly, PAGE, RW, MAP_SHARED, 0xB8000));
	CHECK("map_private_write_on_rdonly_fd",
	      map(rdonly, PAGE, RW, MAP_PRIVATE, 0xB8000));
	CHECK("map_validate_unknown_flag",
	      map(fd, PAGE, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC,
		  0xB8000));
	CHECK("map_growsdown",
	      map(fd, PAGE, PROT_READ, MAP_SHARED | MAP_GROWSDOWN, 0xB8000));
}

static long rd(int fd, long off, long len)
{
	char buf[PAGE * 2];
	return sc(SYS_pread64, fd, (long)buf, len, off, 0, 0);
}

static long wr(int fd, long off, long len)
{
	char buf[PAGE * 2];
	memset(buf, 0x5a, sizeof(buf));
	return sc(SYS_pwrite64, fd, (long)buf, len, off, 0, 0);
}

static void rw_cases(int fd)
{
	unsigned char bda[2];
	long r = sc(SYS_pread64, fd, (long)bda, 2, 0x413, 0, 0);
	printf("read_low_ram %s %d\n", name_of(r), bda[0] | bda[1] << 8);
	CHECK("read_ram_above_1m", rd(fd, HIGH_RAM, 16));
	CHECK("read_vga", rd(fd, 0xB8000, 16));
	CHECK("read_device_above_ram", rd(fd, MEMU_ID, 4));
	CHECK("read_count0_at_0", rd(fd, 0, 0));
	printf("read_count0 %ld\n", rd(fd, 0x1000, 0));
	CHECK("read_past_ram_end", rd(fd, 0xF000000000L + (64L << 20), 16));
	CHECK("read_beyond_phys_bits", rd(fd, 1L << 40, 16));
	CHECK("read_negative_pos", rd(fd, -PAGE, 16));
	CHECK("read_bad_buffer", sc(SYS_pread64, fd, 16, 16, 0xB8000, 0, 0));
	CHECK("write_ram_above_1m", wr(fd, HIGH_RAM, 16));
	printf("write_low_ram %ld\n", wr(fd, 0x7000, 16));
	CHECK("write_bad_buffer", sc(SYS_pwrite64, fd, 16, 16, 0xB8000, 0, 0));
	CHECK("seek_end", sc(SYS_lseek, fd, 0, SEEK_END, 0, 0, 0));
	CHECK("seek_whence_5", sc(SYS_lseek, fd, 0, 5, 0, 0, 0));
	CHECK("seek_max", sc(SYS_lseek, fd, -4096, SEEK_SET, 0, 0, 0));
	CHECK("seek_errno_range", sc(SYS_lseek, fd, -4095, SEEK_SET, 0, 0, 0));
	/* The position is now 2^64 - 4096, "negative" as an loff_t. */
	char buf[2 * PAGE];
	CHECK("read_wraps", sc(SYS_read, fd, (long)buf, 2 * PAGE, 0, 0, 0));
	CHECK("read_near_top", sc(SYS_read, fd, (long)buf, 8, 0, 0, 0));
}

static void kmem_cases(void)
{
	int k = open("/dev/kmem", O_RDWR);
	if (k < 0) {
		printf("kmem_open %s\n", strerror(errno));
		return;
	}
	unsigned char b[16];
	CHECK("kmem_mmap", map(k, PAGE, PROT_READ, MAP_SHARED, 0));
	long r = sc(SYS_pread64, k, (long)b, 4, 0, 0, 0);
	printf("kmem_read_address_0 %s\n", name_of(r));
	r = sc(SYS_pread64, k, (long)b, 4, (long)KTEXT, 0, 0);
	printf("kmem_pread_kernel_address %s\n", name_of(r));
	sc(SYS_lseek, k, (long)(DMAP + 0xF0000), SEEK_SET, 0, 0, 0);
	r = sc(SYS_read, k, (long)b, 4, 0, 0, 0);
	printf("kmem_read_dmap_rom %s %.4s\n", name_of(r), b);
	sc(SYS_lseek, k, (long)KTEXT, SEEK_SET, 0, 0, 0);
	r = sc(SYS_read, k, (long)b, 2, 0, 0, 0);
	printf("kmem_read_ktext %s %02x %02x\n", name_of(r), b[0], b[1]);
	sc(SYS_lseek, k, (long)KTEXT, SEEK_SET, 0, 0, 0);
	CHECK("kmem_write_ktext", sc(SYS_write, k, (long)b, 2, 0, 0, 0));
	sc(SYS_lseek, k, (long)0xffff900000000000UL, SEEK_SET, 0, 0, 0);
	CHECK("kmem_read_unmapped", sc(SYS_read, k, (long)b, 4, 0, 0, 0));
	sc(SYS_lseek, k, 0x400000, SEEK_SET, 0, 0, 0);
	CHECK("kmem_read_user_address", sc(SYS_read, k, (long)b, 4, 0, 0, 0));
	/* A read that runs off the end of the kernel pages: short count. */
	sc(SYS_lseek, k, (long)(KTEXT + 6 * PAGE - 8), SEEK_SET, 0, 0, 0);
	printf("kmem_read_short %ld\n", sc(SYS_read, k, (long)b, 16, 0, 0, 0));
	close(k);
}

int main(void)
{
	int fd = open("/dev/mem", O_RDWR);
	int rdonly = open("/dev/mem", O_RDONLY);
	if (fd < 0 || rdonly < 0) {
		perror("open /dev/mem");
		return 1;
	}
	mmap_cases(fd, rdonly);
	rw_cases(fd);
	kmem_cases();
	return 0;
}
