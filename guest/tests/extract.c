/* MEM_EXTRACT_PADDR through the states: INVALID (no mapping; the output
 * fields keep what the caller put there), VALID (a mapping, no page),
 * MAPPED (a page: its physical address), VALID again after
 * MADV_DONTNEED, and MAPPED on the zero frame after a read.  The ioctl
 * always returns 0.  Probes: after the write (tag: the page), after the
 * read of the second page (tag: that page). */
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

static void show(const char *what, void *va)
{
	struct mem_extract me;
	memset(&me, 0, sizeof(me));
	me.me_vaddr = (uint64_t)va;
	me.me_paddr = 0xdead;
	me.me_domain = 77;
	long r = sc(SYS_ioctl, fd, (long)MEM_EXTRACT_PADDR, (long)&me, 0, 0, 0);
	printf("%s: ret %ld state %d paddr %#llx domain %d\n", what, r,
	       me.me_state, (unsigned long long)me.me_paddr, me.me_domain);
}

int main(int argc, char **argv)
{
	fd = open(argc > 1 ? argv[1] : "/dev/mem", O_RDONLY);
	if (fd < 0)
		return 1;
	volatile char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("unmapped", (void *)0x10000);
	show("mapped, untouched", (void *)p);
	p[5] = 1;
	memu_probe((long)p);
	show("written", (void *)(p + 5));
	(void)p[4096];
	memu_probe((long)(p + 4096));
	show("read", (void *)(p + 4096));
	madvise((void *)p, 2 * 4096, MADV_DONTNEED);
	show("after DONTNEED", (void *)p);
	printf("bad pointer: %s\n",
	       name_of(sc(SYS_ioctl, fd, (long)MEM_EXTRACT_PADDR, 64, 0, 0,
			  0)));
	return 0;
}
