/* MEMRANGE_GET and MEMRANGE_SET from guest code: every errno path, the
 * descriptor counts, and bad pointers.  One line per case, "name result".
 * Probe 1: while this process holds a busy range (tag: its base). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/memrange.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "memu_guest.h"
#include "raw_syscall.h"

static int fd;

static long set(unsigned long long base, unsigned long long len, int flags,
		int action, const char *owner)
{
	struct mem_range_desc d;
	memset(&d, 0, sizeof(d));
	d.mr_base = base;
	d.mr_len = len;
	d.mr_flags = flags;
	snprintf(d.mr_owner, sizeof(d.mr_owner), "%s", owner);
	struct mem_range_op op = {&d, {action, 0}};
	return sc(SYS_ioctl, fd, (long)MEMRANGE_SET, (long)&op, 0, 0, 0);
}

static long update(unsigned long long base, unsigned long long len, int flags)
{
	return set(base, len, flags, MEMRANGE_SET_UPDATE, "test");
}

static long removal(unsigned long long base, unsigned long long len)
{
	return set(base, len, 0, MEMRANGE_SET_REMOVE, "");
}

#define CHECK(name, expr) printf("%s %s\n", name, name_of(expr))
#define UC		  MDF_UNCACHEABLE
#define WB		  MDF_WRITEBACK
#define WC		  MDF_WRITECOMBINE
#define G		  0x100000000ULL /* above RAM: free for variable ranges */

static void get_cases(void)
{
	struct mem_range_desc d[200];
	struct mem_range_op op = {NULL, {0, 0}};
	long r = sc(SYS_ioctl, fd, (long)MEMRANGE_GET, (long)&op, 0, 0, 0);
	printf("get_count %s %d\n", name_of(r), op.mo_arg[0]);
	op = (struct mem_range_op){d, {10, 0}};
	r = sc(SYS_ioctl, fd, (long)MEMRANGE_GET, (long)&op, 0, 0, 0);
	printf("get_10 %s %d base %#llx\n", name_of(r), op.mo_arg[0],
	       (unsigned long long)d[9].mr_base);
	op = (struct mem_range_op){d, {1000, 0}};
	r = sc(SYS_ioctl, fd, (long)MEMRANGE_GET, (long)&op, 0, 0, 0);
	printf("get_huge %s %d\n", name_of(r), op.mo_arg[0]);
	op = (struct mem_range_op){NULL, {-5, 0}};
	r = sc(SYS_ioctl, fd, (long)MEMRANGE_GET, (long)&op, 0, 0, 0);
	printf("get_negative %s %d\n", name_of(r), op.mo_arg[0]);
	op = (struct mem_range_op){(void *)16, {4, 0}};
	CHECK("get_to_unmapped",
	      sc(SYS_ioctl, fd, (long)MEMRANGE_GET, (long)&op, 0, 0, 0));
	void *ro =
		mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	op = (struct mem_range_op){ro, {4, 0}};
	CHECK("get_to_readonly",
	      sc(SYS_ioctl, fd, (long)MEMRANGE_GET, (long)&op, 0, 0, 0));
	CHECK("get_bad_op", sc(SYS_ioctl, fd, (long)MEMRANGE_GET, 16, 0, 0, 0));
	CHECK("unknown_ioctl",
	      sc(SYS_ioctl, fd, 0xC0106D99L, (long)&op, 0, 0, 0));
}

static void update_cases(void)
{
	CHECK("len_not_power_of_2", update(0x1000, 0x3000, UC));
	CHECK("base_misaligned", update(0x3000, 0x2000, UC));
	CHECK("len_below_page", update(G, 0x800, UC));
	CHECK("len_0", update(G, 0, UC));
	CHECK("two_types", update(G, 0x1000, UC | WB));
	CHECK("no_type", update(G, 0x1000, MDF_ACTIVE));
	CHECK("unknown_type", update(G, 0x1000, MDF_UNKNOWN));
	CHECK("wraps_fixed_path", update(0xfffffffffffff000ULL, 0x1000, UC));
	CHECK("conflict_wc_in_firmware_wb", update(0x8000000, 0x1000000, WC));
	CHECK("uc_in_firmware_wb", update(0x8000000, 0x1000000, UC));
	CHECK("remove_it", removal(0x8000000, 0x1000000));
	/* 8 variable ranges, firmware uses 2: six more fit. */
	int added = 0;
	for (int i = 0; i < 6; i++)
		added += update(G + i * 0x100000ULL, 0x100000, UC) == 0;
	printf("filled %d\n", added);
	CHECK("no_free_slot", update(G + 6 * 0x100000ULL, 0x100000, UC));
	CHECK("retype_exact_match", update(G, 0x100000, WC));
	for (int i = 0; i < 6; i++)
		removal(G + i * 0x100000ULL, 0x100000);
	CHECK("fixed_update", update(0xa0000, 0x4000, WC));
	CHECK("fixed_widened", update(0xa4000, 0x1000, WC));
	CHECK("busy_fixed_vga", update(0xb8000, 0x4000, WC));
	CHECK("busy_fixed_rom", update(0xf0000, 0x1000, WB));
	CHECK("busy_overlapped_by_variable", update(0, 0x200000, WB));
	CHECK("bad_action", set(G, 0x1000, UC, 2, "x"));
}

static void remove_cases(void)
{
	CHECK("remove_fixed", removal(0x0, 0x10000));
	CHECK("remove_missing", removal(0x123000, 0x1000));
	CHECK("take_busy", update(2 * G, 0x100000, UC | MDF_BUSY));
	memu_probe((long)(2 * G));
	CHECK("holder_updates_busy", update(2 * G, 0x100000, WC | MDF_BUSY));
	CHECK("holder_removes_busy", removal(2 * G, 0x100000));
	CHECK("take_busy_again", update(2 * G, 0x100000, UC | MDF_BUSY));
}

static void bad_input_cases(void)
{
	struct mem_range_op op = {NULL, {0, 0}};
	CHECK("set_null_desc",
	      sc(SYS_ioctl, fd, (long)MEMRANGE_SET, (long)&op, 0, 0, 0));
	CHECK("set_bad_op", sc(SYS_ioctl, fd, (long)MEMRANGE_SET, 8, 0, 0, 0));
	/* An owner with no NUL: the kernel ends it at byte 7. */
	struct mem_range_desc d;
	memset(&d, 0, sizeof(d));
	d.mr_base = 3 * G;
	d.mr_len = 0x1000;
	d.mr_flags = UC;
	memcpy(d.mr_owner, "ABCDEFGH", 8);
	op = (struct mem_range_op){&d, {MEMRANGE_SET_UPDATE, 0}};
	CHECK("owner_unterminated",
	      sc(SYS_ioctl, fd, (long)MEMRANGE_SET, (long)&op, 0, 0, 0));
	struct mem_range_desc all[200];
	op = (struct mem_range_op){all, {200, 0}};
	sc(SYS_ioctl, fd, (long)MEMRANGE_GET, (long)&op, 0, 0, 0);
	for (int i = 0; i < op.mo_arg[0]; i++)
		if (all[i].mr_base == 3 * G && (all[i].mr_flags & MDF_ACTIVE))
			printf("owner_stored %.8s\n", all[i].mr_owner);
	CHECK("huge_len_wraps", update(1ULL << 63, 1ULL << 63, UC));
}

int main(void)
{
	fd = open("/dev/mem", O_RDONLY); /* as memcontrol does */
	if (fd < 0)
		return 1;
	get_cases();
	update_cases();
	remove_cases();
	bad_input_cases();
	return 0;
}
