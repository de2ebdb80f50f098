/* Lab 5, a driver's mmap three ways: the grader (docs/labs/driver.md).
 *   grade-driver MODULE.so
 * It loads the module as /dev/labdrv and runs the checking guest
 * (check.c), which maps each region, touches every page and stops at a
 * probe; the grader looks at the entries and the device faults. */
#include <stdio.h>
#include <string.h>

#include "../grade.h"

#define REGION 16
#define PAGE   4096

static const char *const style[] = {"remap_pfn_range", "vm_insert_page",
				    "a fault handler"};

/* The first page of the region at base that breaks the style (-1:
 * none); *pfn0 gets the first page's frame. */
static int first_wrong(struct memu *m, int region, uint64_t base)
{
	uint64_t pfn0 = 0;
	for (int i = 0; i < REGION; i++) {
		struct memu_pte e;
		memu_pte(m, base + (uint64_t)i * PAGE, &e);
		if (!i)
			pfn0 = e.pfn;
		bool ok = e.present && !e.writable;
		if (region == 0) /* special entries, consecutive frames */
			ok = ok && e.special && e.pfn == pfn0 + (uint64_t)i;
		else /* ordinary entries of the driver's own frames */
			ok = ok && !e.special &&
			     memu_frame_kind(m, e.pfn) == MEMU_FRAME_DRIVER;
		if (!ok)
			return i;
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: grade-driver MODULE.so\n");
		return 2;
	}
	struct lab l;
	if (!lab_start(&l, "driver", NULL, argv[1], CHECK_GUEST, NULL))
		return lab_end(&l);
	uint64_t faults_before = 0;
	for (int r = 0; r < 3; r++) {
		bool s = lab_next(&l) && l.probes == (unsigned)r + 1;
		uint64_t base = s ? l.tags[r] : 0;
		char what[128];
		snprintf(what, sizeof(what),
			 "region %d maps: pages %d-%d with %s", r, r * REGION,
			 r * REGION + REGION - 1, style[r]);
		int bad = base ? first_wrong(l.m, r, base) : 0;
		if (!base)
			lab_check(&l, false, what, "its mmap failed");
		else
			lab_check(&l, bad < 0, what,
				  "page %d's entry is not what %s makes",
				  r * REGION + bad, style[r]);
		uint64_t faults =
			s ? l.at[r].faults[MEMU_FAULT_DEVICE] - faults_before
			  : 0;
		if (s)
			faults_before = l.at[r].faults[MEMU_FAULT_DEVICE];
		unsigned want = r == 2 ? REGION : 0;
		snprintf(what, sizeof(what),
			 "region %d takes %u device faults when touched", r,
			 want);
		lab_check(&l, base && faults == want, what, "it took %llu",
			  (unsigned long long)faults);
	}
	lab_finish(&l);
	char want[256];
	snprintf(want, sizeof(want),
		 "region 0: labdrv page 0 ... labdrv page 15\n"
		 "region 1: labdrv page 16 ... labdrv page 31\n"
		 "region 2: labdrv page 32 ... labdrv page 47\n");
	lab_check(&l, l.out && !strcmp(l.out, want),
		  "every page reads its label", "the guest printed: %s",
		  l.out ? l.out : "");
	lab_check(&l, l.r.stop == MEMU_STOP_EXIT && l.r.exit_status == 0,
		  "the checking guest exits 0", "it ended with status %d",
		  memu_exit_code(&l.r));
	return lab_end(&l);
}
