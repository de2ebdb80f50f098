/* Lab 4, memory types through FreeBSD's mem(4): the grader
 * (docs/labs/memtypes.md).
 *   grade-memtypes PROGRAM */
#include <stdio.h>
#include <string.h>

#include "../../include/sys/memrange.h"
#include "../grade.h"

#define MAX_RANGES 256

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: grade-memtypes PROGRAM\n");
		return 2;
	}
	struct lab l;
	if (!lab_start(&l, "memtypes", NULL, NULL, argv[1], NULL))
		return lab_end(&l);
	/* The ranges as the program will find them. */
	static struct mem_range_desc before[MAX_RANGES], after[MAX_RANGES];
	int n = memu_memranges(l.m, before, MAX_RANGES);
	bool stopped = lab_next(&l);
	uint64_t win = l.tags[0];
	lab_check(&l, stopped && win && win % 4096 == 0,
		  "the program stops at a probe with its mapping's address",
		  "no probe with an address (tag %#llx)",
		  (unsigned long long)win);
	struct memu_pte e = {0};
	if (stopped)
		memu_pte(l.m, win, &e);
	lab_check(&l, stopped && e.present && e.pfn == 0xa0,
		  "the mapping is of physical page 0xA0000", "pfn %#llx",
		  (unsigned long long)e.pfn);
	lab_check(&l, stopped && e.mtrr_type == MEMU_MT_WC,
		  "the MTRRs now make 0xA0000 write-combining",
		  "its MTRR type is %d", e.mtrr_type);
	lab_check(&l, stopped && e.memtype == MEMU_MT_WC,
		  "the page's effective type is WC (MTRR WC with PAT UC-)",
		  "its effective type is %d", e.memtype);
	int m = stopped ? memu_memranges(l.m, after, MAX_RANGES) : 0;
	int owned = 0;
	for (int i = 0; i < m; i++)
		if (after[i].mr_base >= 0xa0000 && after[i].mr_base < 0xa8000 &&
		    (after[i].mr_flags & MDF_WRITECOMBINE) &&
		    !strncmp(after[i].mr_owner, "lab", 8))
			owned++;
	lab_check(&l, owned == 2,
		  "mem(4) lists 0xA0000 and 0xA4000 as WC, owner lab",
		  "%d of the two", owned);
	lab_finish(&l);
	lab_check(&l, l.r.stop == MEMU_STOP_EXIT && l.r.exit_status == 0,
		  "the program exits 0", "it ended with status %d",
		  memu_exit_code(&l.r));
	/* Its listing, line by line against memu's. */
	const char *out = l.out ? l.out : "";
	int said = -1, pos = 0, bad = -1;
	bool head = sscanf(out, "ranges %d\n%n", &said, &pos) == 1;
	for (int i = 0; head && i < n && bad < 0; i++) {
		unsigned long long base, len;
		unsigned flags;
		int used = 0;
		if (sscanf(out + pos, "%llx %llx %x\n%n", &base, &len, &flags,
			   &used) != 3 ||
		    base != before[i].mr_base || len != before[i].mr_len ||
		    flags != (unsigned)before[i].mr_flags)
			bad = i;
		pos += used;
	}
	lab_check(&l, head && said == n, "the program counts the ranges",
		  "it said %d, mem(4) has %d", said, n);
	lab_check(&l, head && bad < 0,
		  "the program lists every range: base, length, flags",
		  "range %d is missing or wrong", bad);
	return lab_end(&l);
}
