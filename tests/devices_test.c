/* The devices from guest code: /dev/mem (mappings, policies, read/write,
 * the ISA hole), /dev/kmem, /dev/zero and the three teaching drivers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PAGE 4096ULL

static struct guest g;

static void teardown(void)
{
	guest_close(&g);
}

TestSuite(devices, .fini = teardown);

static void open_with(enum memu_devmem policy, const char *name,
		      const char *arg)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.devmem = policy;
	const char *args[] = {arg, NULL};
	guest_open_cfg(&g, &cfg, name, args);
}

static void at_probe(void)
{
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE, "stopped: %s",
		     g.r.reason ? g.r.reason : "exit");
}

static void exits_ok(void)
{
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "died: %s",
		     g.r.reason ? g.r.reason : "?");
	cr_assert_eq(g.r.exit_status, 0, "stdout: %s", guest_stdout(&g));
}

static struct memu_pte pte_at(uint64_t va)
{
	struct memu_pte p;
	memu_pte(g.m, va, &p);
	return p;
}

/* ---- the seeds' contrast */

Test(devices, devmem_mapping_takes_no_faults_anonymous_takes_one_per_page)
{
	open_with(MEMU_DEVMEM_STRICT, "devmem_map", "8");
	at_probe();
	uint64_t dev = g.r.probe_tag;
	for (int i = 0; i < 8; i++) {
		struct memu_pte p = pte_at(dev + i * PAGE);
		cr_assert(p.present && p.special && p.writable,
			  "mmap itself installed page %d", i);
		cr_assert_eq(p.pfn, 0xb8 + i);
		cr_assert_not(p.pcd, "the ISA hole is write-back");
	}
	struct memu_stats s0, s1, s2, s3;
	guest_stats(&g, &s0);
	at_probe();
	guest_stats(&g, &s1);
	cr_assert_eq(s1.minor_faults, s0.minor_faults, "touching: no fault");
	at_probe();
	uint64_t anon = g.r.probe_tag;
	for (int i = 0; i < 8; i++)
		cr_assert_not(pte_at(anon + i * PAGE).present);
	guest_stats(&g, &s2);
	at_probe();
	guest_stats(&g, &s3);
	cr_assert_eq(s3.minor_faults - s2.minor_faults, 8);
	exits_ok();
	cr_assert_str_eq(guest_stdout(&g), "dev 32 anon 0\n");
}

/* ---- every bad offset and length, per policy */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "%s", path);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *expected(const char *policy)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/devmem_errno.%s", EXPECT_DIR, policy);
	return read_file(path);
}

static void errnos_match(enum memu_devmem policy, const char *name)
{
	open_with(policy, "devmem_errno", NULL);
	exits_ok();
	cr_assert_str_eq(guest_stdout(&g), expected(name));
}

Test(devices, devmem_errnos_strict)
{
	errnos_match(MEMU_DEVMEM_STRICT, "strict");
}

Test(devices, devmem_errnos_io_strict)
{
	errnos_match(MEMU_DEVMEM_IO_STRICT, "io-strict");
}

Test(devices, devmem_errnos_open)
{
	errnos_match(MEMU_DEVMEM_OPEN, "open");
}

/* ---- the ISA hole */

Test(devices, vga_text_written_through_devmem_appears_on_screen)
{
	open_with(MEMU_DEVMEM_STRICT, "devmem_vga", NULL);
	exits_ok();
	char rows[25][81];
	memu_vga_text(g.m, rows);
	cr_assert(!strncmp(rows[0], "Hello from /dev/mem ", 20), "%s", rows[0]);
	cr_assert(!strncmp(rows[12] + 30, "memu VGA text ", 14));
	cr_assert(!strncmp(rows[24] + 60, "bottom right", 12));
	cr_assert(!strncmp(rows[1], "                    ", 20));
	/* O_SYNC: the mapping is uncached (PCD), as Linux makes it */
	struct memu_vma v[32];
	size_t n = memu_vmas(g.m, v, 32);
	bool found = false;
	for (size_t i = 0; i < n && i < 32; i++)
		if (v[i].name && !strcmp(v[i].name, "/dev/mem")) {
			struct memu_pte p = pte_at(v[i].start);
			cr_assert(p.pcd && !p.pwt);
			found = true;
		}
	cr_assert(found);
}

Test(devices, bios_rom_ignores_writes)
{
	open_with(MEMU_DEVMEM_STRICT, "devmem_rom", NULL);
	exits_ok();
	cr_assert_str_eq(
		guest_stdout(&g),
		"banner: memu BIOS ROM 0.1.0 (c) the memu authors\n"
		"after store: memu BIOS ROM 0.1.0 (c) the memu authors\n"
		"read: memu BIOS ROM 0.1.0 (c) the memu authors\n"
		"pwrite: 4\n"
		"reset vector: ea 5b e0 00 f0\n"
		"date: 01/01/26 model fc\n");
}

Test(devices, private_devmem_mapping_copies_on_write)
{
	open_with(MEMU_DEVMEM_STRICT, "devmem_private", NULL);
	at_probe();
	struct memu_pte p = pte_at(g.r.probe_tag);
	cr_assert(p.present && p.writable && !p.special);
	cr_assert_eq(memu_frame_kind(g.m, p.pfn), MEMU_FRAME_ANON);
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_COW), 1);
	exits_ok();
	cr_assert_str_eq(guest_stdout(&g),
			 "before ' ' mapping 'Z' physical ' '\n");
}

/* ---- page tables are RAM: a guest walks its own */

Test(devices, guest_walks_its_page_tables_through_devmem)
{
	open_with(MEMU_DEVMEM_OPEN, "pagewalk", NULL);
	at_probe();
	uint64_t page = g.r.probe_tag;
	struct memu_pte p = pte_at(page);
	char want[128];
	snprintf(want, sizeof(want), "page %#lx -> physical %#lx\n", page,
		 p.pfn << 12);
	char cr3[64];
	snprintf(cr3, sizeof(cr3), "cr3 %#lx\n", memu_cr3(g.m));
	exits_ok();
	const char *out = guest_stdout(&g);
	cr_assert(strstr(out, want), "want %s in:\n%s", want, out);
	cr_assert(!strncmp(out, cr3, strlen(cr3)));
	cr_assert(strstr(out, "the page now reads: written via /dev/mem\n"));
	cr_assert(strstr(out, "write to the PML4: Operation not permitted\n"));
	cr_assert(strstr(out, "map the PML4 writable: Operation not "
			      "permitted\n"));
	cr_assert(strstr(out, "matches: yes\n"));
}

/* ---- /dev/zero */

Test(devices, dev_zero_private_is_anonymous_shared_is_an_object)
{
	guest_open(&g, "devzero", NULL);
	at_probe();
	uint64_t priv = g.r.probe_tag;
	struct memu_pte p0 = pte_at(priv), p1 = pte_at(priv + PAGE);
	cr_assert(p0.writable &&
		  memu_frame_kind(g.m, p0.pfn) == MEMU_FRAME_ANON);
	cr_assert_eq(p1.pfn, memu_zero_pfn(g.m));
	at_probe();
	uint64_t shared = g.r.probe_tag;
	at_probe();
	uint64_t alias = g.r.probe_tag;
	struct memu_pte s = pte_at(shared);
	cr_assert(s.present && !pte_at(alias).present, "alias not touched");
	cr_assert_eq(memu_frame_kind(g.m, s.pfn), MEMU_FRAME_SHARED);
	struct memu_vma v[32];
	size_t n = memu_vmas(g.m, v, 32);
	for (size_t i = 0; i < n && i < 32; i++)
		if (v[i].start == priv)
			cr_assert_str_eq(v[i].name, "/dev/zero");
	exits_ok();
	cr_assert_str_eq(
		guest_stdout(&g),
		"read 16 zeros 16 write 3 lseek 0\n"
		"fstat chr 1 1:5 mode 666, ioctl errno 25\n"
		"private sum 0, alias reads: shared through /dev/zero\n");
	cr_assert_eq(pte_at(alias).pfn, s.pfn, "one frame, two mappings");
}

/* ---- the teaching drivers */

/* Runs the guest on driver; gives the frames mapped, the faults taken
 * reading every page, and how many pages mmap itself mapped. */
static uint64_t teaching(const char *driver, uint64_t pfn[16], uint64_t *faults,
			 int *mapped_by_mmap)
{
	guest_open(&g, "teaching", driver, NULL);
	at_probe();
	uint64_t base = g.r.probe_tag;
	*mapped_by_mmap = 0;
	for (int i = 0; i < 16; i++)
		*mapped_by_mmap += pte_at(base + i * PAGE).present;
	struct memu_stats s0, s1;
	guest_stats(&g, &s0);
	at_probe();
	guest_stats(&g, &s1);
	*faults = s1.minor_faults - s0.minor_faults;
	for (int i = 0; i < 16; i++) {
		struct memu_pte p = pte_at(base + i * PAGE);
		cr_assert(p.present, "page %d", i);
		pfn[i] = p.pfn;
		cr_assert_eq(memu_frame_kind(g.m, p.pfn), MEMU_FRAME_DRIVER);
	}
	exits_ok();
	char want[128];
	snprintf(want, sizeof(want),
		 "%s page 0 ... %s page 15\nmmap past the buffer: refused\n",
		 driver, driver);
	cr_assert_str_eq(guest_stdout(&g), want);
	return base;
}

Test(devices, remap_pfn_range_driver_maps_contiguous_frames_at_once)
{
	uint64_t pfn[16], faults;
	int mapped;
	uint64_t base = teaching("contig", pfn, &faults, &mapped);
	cr_assert_eq(mapped, 16);
	cr_assert_eq(faults, 0);
	for (int i = 1; i < 16; i++)
		cr_assert_eq(pfn[i], pfn[0] + i);
	cr_assert(pte_at(base).special, "remap_pfn_range: special entries");
}

Test(devices, vm_insert_page_driver_maps_scattered_frames_at_once)
{
	uint64_t pfn[16], faults;
	int mapped;
	uint64_t base = teaching("scatter", pfn, &faults, &mapped);
	cr_assert_eq(mapped, 16);
	cr_assert_eq(faults, 0);
	for (int i = 1; i < 16; i++)
		cr_assert_neq(pfn[i], pfn[i - 1] + 1, "not contiguous");
	cr_assert_not(pte_at(base).special, "vm_insert_page: normal entries");
}

Test(devices, fault_handler_driver_takes_one_fault_per_page)
{
	uint64_t pfn[16], faults;
	int mapped;
	teaching("lazy", pfn, &faults, &mapped);
	cr_assert_eq(mapped, 0, "mmap installs nothing");
	cr_assert_eq(faults, 16);
	cr_assert_eq(guest_faults(&g, MEMU_FAULT_DEVICE), 16);
}
