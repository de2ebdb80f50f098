/* capget(2), capset(2), and RLIMIT_MEMLOCK once CAP_IPC_LOCK is gone:
 * errnos in Linux 6.1's order, the sets capget and /proc/self/status
 * show, what mlock, mlock2, mlockall, MAP_LOCKED and brk may lock within
 * the limit (mremap too), and what a child inherits.  One line a case;
 * tests/mm_test.c compares the whole output with the same program run
 * natively (as root).  Only sets the program chose are printed: root's
 * full set differs between hosts.  Raw syscalls: libc checks nothing
 * first. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raw_syscall.h"

#define PAGE	  4096L
#define V1	  0x19980330
#define V3	  0x20080522
#define IPC_LOCK  (1U << 14)
#define KILL	  (1U << 5)
#define MLOCK2_NR 325
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

struct header {
	uint32_t version;
	int pid;
};
struct data {
	uint32_t effective, permitted, inheritable;
};

static void show(const char *name, long r)
{
	printf("%s %s\n", name, name_of(r));
}

static long capset(uint32_t version, int pid, uint32_t eff, uint32_t prm,
		   uint32_t inh)
{
	struct header h = {version, pid};
	struct data d[2] = {{eff, prm, inh}, {0, 0, 0}};
	return sc(SYS_capset, (long)&h, (long)d, 0, 0, 0, 0);
}

/* The low word of each set, as capget gives them. */
static void show_caps(const char *name)
{
	struct header h = {V3, 0};
	struct data d[2];
	long r = sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0);
	if (r)
		show(name, r);
	else
		printf("%s eff %08x prm %08x inh %08x high %x\n", name,
		       d[0].effective, d[0].permitted, d[0].inheritable,
		       d[1].effective | d[1].permitted | d[1].inheritable);
}

static void status_line(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			printf("%s", line);
	if (f)
		fclose(f);
}

static long set_memlock(unsigned long soft, unsigned long hard)
{
	struct rlimit r = {soft, hard};
	return sc(SYS_setrlimit, RLIMIT_MEMLOCK, (long)&r, 0, 0, 0, 0);
}

/* An anonymous mapping: its address, or -errno. */
static long map(long len, int flags)
{
	return sc(SYS_mmap, 0, len, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

/* map, "ok" or the errno. */
static long map_ok(long len, int flags)
{
	long p = map(len, flags);
	return p < 0 && p > -4096 ? p : 0;
}

static void header_checks(void)
{
	struct header h = {0x1234, 0};
	struct data d[2];
	long r = sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0);
	printf("capget bad version %s, version now %#x\n", name_of(r),
	       h.version);
	h.version = 0x1234;
	r = sc(SYS_capget, (long)&h, 0, 0, 0, 0, 0);
	printf("capget bad version, no data %s, version now %#x\n", name_of(r),
	       h.version);
	h = (struct header){V3, -1};
	show("capget pid -1", sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0));
	h = (struct header){V3, 0x7fffffff}; /* above any pid_max */
	show("capget no such pid",
	     sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0));
	show("capget bad header", sc(SYS_capget, 8, (long)d, 0, 0, 0, 0));
	h = (struct header){V3, 0};
	show("capget bad data", sc(SYS_capget, (long)&h, 8, 0, 0, 0, 0));
	d[1].effective = 0xdeadbeef;
	h = (struct header){V1, 0};
	r = sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0);
	printf("capget v1 %s, ipc_lock %d, second word %#x\n", name_of(r),
	       !!(d[0].effective & IPC_LOCK), d[1].effective);
	show("capset other pid", capset(V3, getpid() + 1000, 0, 0, 0));
	show("capset bad version", capset(0x1234, 0, 0, 0, 0));
}

static void cap_checks(void)
{
	long lock = map(32 * PAGE, 0);
	show("setrlimit 64k", set_memlock(16 * PAGE, 16 * PAGE));
	show("mlock 128k as root", sc(SYS_mlock, lock, 32 * PAGE, 0, 0, 0, 0));
	status_line("VmLck");
	show("munlock", sc(SYS_munlock, lock, 32 * PAGE, 0, 0, 0, 0));
	/* keep CAP_IPC_LOCK permitted, and CAP_KILL */
	show("capset ipc_lock|kill",
	     capset(V3, 0, IPC_LOCK | KILL, IPC_LOCK | KILL, 0));
	show_caps("now");
	status_line("CapEff");
	status_line("CapPrm");
	show("capset eff kill", capset(V3, 0, KILL, IPC_LOCK | KILL, 0));
	show("mlock 128k without it",
	     sc(SYS_mlock, lock, 32 * PAGE, 0, 0, 0, 0));
	show("capset eff back", capset(V3, 0, IPC_LOCK, IPC_LOCK | KILL, 0));
	show("mlock 128k with it again",
	     sc(SYS_mlock, lock, 32 * PAGE, 0, 0, 0, 0));
	show("munlock", sc(SYS_munlock, lock, 32 * PAGE, 0, 0, 0, 0));
	show("capset eff not permitted", capset(V3, 0, 1, IPC_LOCK, 0));
	show("capset raise permitted", capset(V3, 0, 0, IPC_LOCK | 1, 0));
	show("capset inheritable", capset(V3, 0, 0, IPC_LOCK | KILL, KILL));
	show_caps("inh");
	show("capset inheritable beyond", capset(V3, 0, 0, KILL, 1));
	show("capset v1 (high word dropped)", capset(V1, 0, 0, 0, KILL));
	show_caps("v1");
	show("capset nothing", capset(V3, 0, 0, 0, 0));
	show_caps("none");
	show("capset raise again", capset(V3, 0, IPC_LOCK, IPC_LOCK, 0));
	sc(SYS_munmap, lock, 32 * PAGE, 0, 0, 0, 0);
}

/* mremap of a locked mapping: where it grows it is populated, within
 * the limit (nothing else locked). */
static void mremap_checks(void)
{
	long m = map(PAGE, 0);
	show("mlock a page", sc(SYS_mlock, m, PAGE, 0, 0, 0, 0));
	long g = sc(SYS_mremap, m, PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0, 0);
	show("mremap it to 32k", g < 0 && g > -4096 ? g : 0);
	unsigned char vec[8] = {0};
	sc(SYS_mincore, g, 8 * PAGE, (long)vec, 0, 0, 0);
	printf("resident");
	for (int i = 0; i < 8; i++)
		printf("%d", vec[i] & 1);
	printf("\n");
	status_line("VmLck");
	long r = sc(SYS_mremap, g, 8 * PAGE, 17 * PAGE, MREMAP_MAYMOVE, 0, 0);
	show("mremap it past 64k", r < 0 && r > -4096 ? r : 0);
	sc(SYS_munmap, g, 8 * PAGE, 0, 0, 0, 0);
}

/* Without CAP_IPC_LOCK, with RLIMIT_MEMLOCK 64 KiB. */
static void limit_checks(void)
{
	long p = map(32 * PAGE, 0);
	show("mlock 32k", sc(SYS_mlock, p, 8 * PAGE, 0, 0, 0, 0));
	show("mlock2 next 32k",
	     sc(MLOCK2_NR, p + 8 * PAGE, 8 * PAGE, 0, 0, 0, 0));
	show("mlock 4k more", sc(SYS_mlock, p + 16 * PAGE, PAGE, 0, 0, 0, 0));
	show("mlock the first 64k again",
	     sc(SYS_mlock, p, 16 * PAGE, 0, 0, 0, 0));
	show("mlock from 4k in, one more page",
	     sc(SYS_mlock, p + PAGE, 16 * PAGE, 0, 0, 0, 0));
	show("mlock2 onfault 4k more",
	     sc(MLOCK2_NR, p + 16 * PAGE, PAGE, MLOCK_ONFAULT, 0, 0, 0));
	show("mlock2 bad flags", sc(MLOCK2_NR, p, PAGE, 8, 0, 0, 0));
	status_line("VmLck");
	show("mmap locked 4k", map_ok(PAGE, MAP_LOCKED));
	show("munlock 8k", sc(SYS_munlock, p, 2 * PAGE, 0, 0, 0, 0));
	show("mmap locked 8k", map_ok(2 * PAGE, MAP_LOCKED));
	status_line("VmLck");
	show("mlockall current", sc(SYS_mlockall, MCL_CURRENT, 0, 0, 0, 0, 0));
	show("munlockall", sc(SYS_munlockall, 0, 0, 0, 0, 0, 0));
	status_line("VmLck");
	show("mlockall future", sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0, 0, 0));
	show("mmap 128k", map_ok(32 * PAGE, 0));
	show("mmap 32k", map_ok(8 * PAGE, 0));
	long brk = sc(SYS_brk, 0, 0, 0, 0, 0, 0);
	printf("brk 128k moved %d\n",
	       sc(SYS_brk, brk + 32 * PAGE, 0, 0, 0, 0, 0) != brk);
	status_line("VmLck");
	show("mlockall future onfault",
	     sc(SYS_mlockall, MCL_FUTURE | MCL_ONFAULT, 0, 0, 0, 0, 0));
	show("mmap 128k onfault", map_ok(32 * PAGE, 0));
	show("munlockall", sc(SYS_munlockall, 0, 0, 0, 0, 0, 0));
	show("mmap 128k", map_ok(32 * PAGE, 0));
	mremap_checks();
	show("setrlimit 0", set_memlock(0, 16 * PAGE));
	show("mlock", sc(SYS_mlock, p + 20 * PAGE, PAGE, 0, 0, 0, 0));
	show("mlock2", sc(MLOCK2_NR, p + 20 * PAGE, PAGE, 0, 0, 0, 0));
	show("munlock", sc(SYS_munlock, p, 32 * PAGE, 0, 0, 0, 0));
	show("mlockall bad flags", sc(SYS_mlockall, 0, 0, 0, 0, 0, 0));
	show("mlockall future", sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0, 0, 0));
	show("mmap locked", map_ok(PAGE, MAP_LOCKED));
	show("setrlimit raise hard", set_memlock(0, 32 * PAGE));
	show("setrlimit lower hard", set_memlock(0, 8 * PAGE));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct rlimit r;
	getrlimit(RLIMIT_MEMLOCK, &r);
	printf("memlock %lu %lu\n", (unsigned long)r.rlim_cur,
	       (unsigned long)r.rlim_max);
	header_checks();
	cap_checks();
	limit_checks();
	pid_t pid = fork();
	if (pid == 0) {
		show_caps("child");
		show("child mlock",
		     sc(SYS_mlock, (long)&r & -PAGE, PAGE, 0, 0, 0, 0));
		return 3;
	}
	/* capget of another process: the child, a zombie not yet reaped */
	siginfo_t si;
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	struct header h = {V3, pid};
	struct data d[2] = {{1, 1, 1}, {1, 1, 1}};
	long got = sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0);
	printf("capget of the zombie child %s, eff %x prm %x\n", name_of(got),
	       d[0].effective, d[0].permitted);
	int status;
	waitpid(pid, &status, 0);
	h.pid = pid;
	show("capget once reaped",
	     sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0));
	printf("child exited %d\n", WEXITSTATUS(status));
	return 0;
}
