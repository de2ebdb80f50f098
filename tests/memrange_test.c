/* FreeBSD mem(4)'s ioctls from guest code: MEMRANGE_GET/SET errno by
 * errno, busy ranges held and released, MEM_EXTRACT_PADDR's states, WP
 * enforcement, memcontrol, and the memory types the page tables show. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "mmu/memrange.h"

#define PAGE 4096ULL

static struct guest g;

static void teardown(void)
{
	guest_close(&g);
}

TestSuite(memrange, .fini = teardown);

static void open_cfg(enum memu_mtrr mtrr, const char *name,
		     const char *const *args)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.mtrr = mtrr;
	guest_open_cfg(&g, &cfg, name, args);
}

static void at_probe(void)
{
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE);
}

static void exits(int status)
{
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "died: %s",
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, status);
}

static const char *expected(const char *name)
{
	static char buf[16384];
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", EXPECT_DIR, name);
	FILE *f = fopen(path, "r");
	cr_assert(f, "%s", path);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The descriptor at base (active ones first), or NULL. */
static struct mem_range_desc *find_desc(uint64_t base, uint64_t len)
{
	static struct mem_range_desc d[MEMRANGE_FIXED + MTRR_VAR_MAX];
	int n = memu_memranges(g.m, d, MEMRANGE_FIXED + MTRR_VAR_MAX);
	for (int i = 0; i < n; i++)
		if (d[i].mr_base == base && d[i].mr_len == len)
			return &d[i];
	return NULL;
}

Test(memrange, every_errno_path)
{
	open_cfg(MEMU_MTRR_ON, "memrange", NULL);
	at_probe();
	struct mem_range_desc *held = find_desc(2ULL << 32, 0x100000);
	cr_assert(held && (held->mr_flags & MDF_BUSY), "held while running");
	exits(0);
	cr_assert_str_eq(guest_stdout(&g), expected("memrange.txt"));
	held = find_desc(2ULL << 32, 0x100000);
	cr_assert(held && (held->mr_flags & MDF_ACTIVE));
	cr_assert_not(held->mr_flags & MDF_BUSY, "released at exit");
	struct mem_range_desc *vga = find_desc(0xb8000, 0x4000);
	cr_assert(vga && (vga->mr_flags & MDF_BUSY), "the device keeps VGA");
	cr_assert_str_eq(vga->mr_owner, "vga");
}

Test(memrange, firmware_left_mtrrs_disabled_gives_enxio)
{
	open_cfg(MEMU_MTRR_DISABLED, "memrange", NULL);
	exits(0);
	cr_assert(!strncmp(guest_stdout(&g), "get_count ENXIO 0\n", 18));
	cr_assert(strstr(guest_stdout(&g), "len_not_power_of_2 ENXIO\n"));
}

Test(memrange, no_mtrrs_gives_eopnotsupp)
{
	open_cfg(MEMU_MTRR_OFF, "memrange", NULL);
	exits(0);
	cr_assert(!strncmp(guest_stdout(&g), "get_count EOPNOTSUPP 0\n", 23));
	cr_assert(strstr(guest_stdout(&g), "remove_missing EOPNOTSUPP\n"));
}

/* ---- MEM_EXTRACT_PADDR */

static void extract_states(const char *node)
{
	const char *args[] = {node, NULL};
	open_cfg(MEMU_MTRR_ON, "extract", args);
	at_probe();
	uint64_t page = g.r.probe_tag;
	struct memu_pte p;
	memu_pte(g.m, page, &p);
	at_probe();
	exits(0);
	char want[1024];
	snprintf(want, sizeof(want),
		 "unmapped: ret 0 state 0 paddr 0xdead domain 77\n"
		 "mapped, untouched: ret 0 state 1 paddr 0xdead domain 77\n"
		 "written: ret 0 state 2 paddr %#lx domain 0\n"
		 "read: ret 0 state 2 paddr %#lx domain 0\n"
		 "after DONTNEED: ret 0 state 1 paddr 0xdead domain 77\n"
		 "bad pointer: EFAULT\n",
		 (p.pfn << 12) + 5, memu_zero_pfn(g.m) << 12);
	cr_assert_str_eq(guest_stdout(&g), want);
}

Test(memrange, extract_paddr_states_on_dev_mem)
{
	extract_states("/dev/mem");
}

Test(memrange, extract_paddr_states_on_dev_kmem)
{
	extract_states("/dev/kmem");
}

/* ---- write-protect */

Test(memrange, write_protect_range_cannot_be_written)
{
	const char *args[] = {"on", NULL};
	open_cfg(MEMU_MTRR_ON, "wp", args);
	at_probe();
	uint64_t va = g.r.probe_tag;
	struct memu_pte p;
	memu_pte(g.m, va, &p);
	cr_assert(p.present && !p.writable, "write permission taken");
	cr_assert_eq(p.mtrr_type, MEMU_MT_WP);
	cr_assert_eq(p.memtype, MEMU_MT_WP);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGSEGV);
	cr_assert_eq(g.r.si_code, SEGV_ACCERR);
	cr_assert_eq(g.r.fault_addr, va);
	cr_assert_str_eq(g.r.reason,
			 "write to a write-protected memory range (MTRR WP)");
}

Test(memrange, write_protect_switched_off_restores_writes)
{
	const char *args[] = {"off", NULL};
	open_cfg(MEMU_MTRR_ON, "wp", args);
	exits(0);
	cr_assert_str_eq(guest_stdout(&g), "read under WP: a, after: c\n");
}

/* ---- memcontrol */

Test(memrange, memcontrol_lists_the_firmware_ranges)
{
	const char *args[] = {"list", NULL};
	open_cfg(MEMU_MTRR_ON, "memcontrol", args);
	exits(0);
	cr_assert_str_eq(guest_stdout(&g), expected("memcontrol_list.txt"));
}

Test(memrange, memcontrol_set_and_clear)
{
	const char *set[] = {"set", "-b",   "0x100000000",   "-l", "0x100000",
			     "-o",  "mine", "write-combine", NULL};
	open_cfg(MEMU_MTRR_ON, "memcontrol", set);
	exits(0);
	struct mem_range_desc *d = find_desc(0x100000000ULL, 0x100000);
	cr_assert(d);
	cr_assert_eq(d->mr_flags, MDF_ACTIVE | MDF_WRITECOMBINE);
	cr_assert_str_eq(d->mr_owner, "mine");
	guest_close(&g);
	const char *clear[] = {"clear", "-b", "0x0", "-l", "0x10000000", NULL};
	open_cfg(MEMU_MTRR_ON, "memcontrol", clear);
	exits(0);
	d = find_desc(0, 0x10000000);
	cr_assert(!d || !(d->mr_flags & MDF_ACTIVE), "firmware WB removed");
}

Test(memrange, memcontrol_refused_set_says_why)
{
	const char *set[] = {"set", "-b",     "0x100000000",
			     "-l",  "0x3000", "write-combine",
			     NULL};
	open_cfg(MEMU_MTRR_ON, "memcontrol", set);
	exits(1);
	cr_assert_str_eq(guest_stderr(&g),
			 "memcontrol: can't set range: Invalid argument\n");
}

/* ---- effective memory types in the page tables */

Test(memrange, page_tables_show_effective_memory_types)
{
	const char *args[] = {"8", NULL};
	open_cfg(MEMU_MTRR_ON, "devmem_map", args);
	at_probe();
	struct memu_pte vga;
	memu_pte(g.m, g.r.probe_tag, &vga);
	cr_assert_eq(vga.mtrr_type, MEMU_MT_UC, "the VGA window is UC");
	cr_assert_eq(vga.pat_type, MEMU_MT_WB);
	cr_assert_eq(vga.memtype, MEMU_MT_UC);
	at_probe();
	at_probe();
	at_probe();
	struct memu_pte anon;
	memu_pte(g.m, g.r.probe_tag, &anon);
	cr_assert_eq(anon.memtype, MEMU_MT_WB, "RAM is write-back");
	exits(0);
}

/* ---- NUMA domains */

Test(memrange, numa_first_touch_and_policies)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.numa_nodes = 2;
	guest_open_cfg(&g, &cfg, "numa", NULL);
	exits(0);
	cr_assert_str_eq(guest_stdout(&g), "default: 0\n"
					   "bind node 1: ok -> 1\n"
					   "interleave 0,1: ok -> 0 1 0 1\n"
					   "bind node 2: EINVAL\n"
					   "bad mode: EINVAL\n"
					   "back to default: ok -> 0\n");
	/* node 1 is the upper half of the 256 MiB: its frames say so */
	struct memu_vma v[64];
	size_t n = memu_vmas(g.m, v, 64);
	int upper = 0;
	for (size_t i = 0; i < n && i < 64; i++)
		for (uint64_t va = v[i].start; va < v[i].end; va += PAGE) {
			struct memu_pte p;
			memu_pte(g.m, va, &p);
			upper += p.present && p.pfn >= (128ULL << 20) / PAGE;
		}
	cr_assert_eq(upper, 3, "bind + two interleaved pages on node 1");
}
