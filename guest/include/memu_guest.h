/* What a guest program may use to talk to memu beyond Linux's ABI.
 *
 * memu_probe(tag) stops the run and hands control to whoever drives the
 * machine (a test, a script): it can read the page tables, the frames and
 * the statistics at exactly this point, then continue the guest.  Under
 * `memu run` the probe does nothing visible; on a real Linux kernel it
 * returns -ENOSYS and does nothing at all.
 */
#ifndef MEMU_GUEST_H
#define MEMU_GUEST_H

#define MEMU_SYS_PROBE 500

static inline long memu_probe(long tag)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(MEMU_SYS_PROBE), "D"(tag)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif
