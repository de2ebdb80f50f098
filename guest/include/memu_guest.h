/* What a guest program may use to talk to memu beyond Linux's ABI.
 *
 * memu_probe(tag) stops the run and hands control to whoever drives the
 * machine (a test, a script): it can read the page tables, the frames and
 * the statistics at exactly this point, then continue the guest.  Under
 * `memu run` the probe does nothing visible.
 *
 * memu_cr3() returns the guest's CR3: the physical address of its PML4,
 * where a walk of its own page tables through /dev/mem starts (reading
 * CR3 directly is a privileged instruction).
 *
 * Both are syscalls Linux does not use (500, 501): on a real Linux kernel
 * they return -ENOSYS and do nothing at all.
 */
#ifndef MEMU_GUEST_H
#define MEMU_GUEST_H

#define MEMU_SYS_PROBE 500
#define MEMU_SYS_CR3   501

static inline long memu_syscall1(long nr, long arg)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(arg)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long memu_probe(long tag)
{
	return memu_syscall1(MEMU_SYS_PROBE, tag);
}

static inline long memu_cr3(void)
{
	return memu_syscall1(MEMU_SYS_CR3, 0);
}

#endif
