/* A guest that throws seeded random arguments at memu's memory and
 * device syscalls: bad pointers, huge and wrapping lengths, unaligned
 * addresses, random flags, kernel addresses; the signal calls; /proc
 * files, reads, seeks and clear_refs writes of every kind; the file
 * system's names, links, directories and pipes. Memory
 * calls stay inside a sandbox range so the guest does not unmap itself;
 * pointers are drawn from a mix of the sandbox, NULL, its own buffer, kernel
 * and non-canonical addresses.  Whatever the answers, memu must not crash: the
 * guest exits 0 after N rounds (argv[1], default 20000) and prints how many
 * calls succeeded.  argv[2] varies the seed; same seed, same run. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "raw_syscall.h"

#define SANDBOX	    0x100000000000ULL
#define SANDBOX_LEN (1ULL << 30)

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/* Writable memory for the calls to fill: mapped apart from the guest's
 * own data, with nothing mapped around it, so no call can spill into
 * the guest (its stack canary lives in static TLS). */
#define BUF	((char *)0x200000000000ULL)
#define BUF_LEN (64 * 1024)

static uint64_t any_pointer(void)
{
	static const uint64_t odd[] = {
		0,
		1,
		0xfff,
		0x400000,
		0x7ffffffff000ULL,
		0x800000000000ULL,
		0xffff800000000000ULL,
		0xffffffff80000000ULL,
		~0ULL,
		0xf000000000ULL,
	};
	switch (rnd() % 4) {
	case 0:
		return odd[rnd() % (sizeof(odd) / sizeof(odd[0]))];
	case 1:
		return (uint64_t)BUF + rnd() % BUF_LEN;
	default:
		return SANDBOX + rnd() % SANDBOX_LEN;
	}
}

static uint64_t any_length(void)
{
	static const uint64_t odd[] = {
		0,	    1,		4095,  4096,	     8192,
		1ULL << 20, 1ULL << 47, ~0ULL, ~0ULL - 4095, 1ULL << 63};
	return rnd() % 3 ? (rnd() % 16) * 4096 + (rnd() % 2) * (rnd() % 4096)
			 : odd[rnd() % (sizeof(odd) / sizeof(odd[0]))];
}

/* For calls that change what they cover (mprotect, madvise): a length
 * that stays inside the sandbox, or one that is refused outright. */
static uint64_t contained_length(void)
{
	uint64_t len = any_length();
	return len > SANDBOX_LEN / 2 && len < ~0ULL - 8192 ? 1ULL << 20 : len;
}

static uint64_t sandbox_addr(void)
{
	uint64_t a = SANDBOX + (rnd() % (SANDBOX_LEN / 4096)) * 4096;
	return rnd() % 8 ? a : a + rnd() % 4096;
}

/* Paths for the file-system calls: names that exist or will, through
 * links and "..", past the end of names, or any pointer at all. */
static uint64_t any_path(void)
{
	static const char *const names[] = {
		"/tmp/a",
		"/tmp/b",
		"/tmp/d",
		"/tmp/d/x",
		"/tmp/l",
		"/tmp/a/",
		"..",
		"/",
		"",
		"/tmp/../../tmp/a",
		"/proc/self/maps",
		"/dev/null",
		"/tmp/l/x",
		"d/../a",
		"/dev/shm/s",
		"/proc",
	};
	return rnd() % 4 ? (uint64_t)names[rnd() % 16] : any_pointer();
}

static long any_dirfd(void)
{
	return rnd() % 4 ? -100 /* AT_FDCWD */ : (long)(rnd() % 20);
}

/* /proc files, opened and closed one call at a time: the count of calls
 * stays one per round. */
static const char *const proc_paths[] = {
	"/proc/self/smaps",
	"/proc/self/smaps_rollup",
	"/proc/self/status",
	"/proc/self/stat",
	"/proc/self/statm",
	"/proc/self/cmdline",
	"/proc/self/environ",
	"/proc/self/auxv",
	"/proc/self/clear_refs",
	"/proc/1/clear_refs",
	"/proc/self/mountinfo",
	"/proc/meminfo",
	"/proc/iomem",
	"/proc/sys/vm/max_map_count",
	"/proc/sys/vm/mmap_min_addr",
	"/proc/self/exe",
};
#define PROC_PATHS (sizeof(proc_paths) / sizeof(proc_paths[0]))
static int proc_fd = -1;

static long proc_call(void)
{
	static const char *const refs[] = {"1", "2",	"3", "4",
					   "5", " 4\n", "0", "x"};
	switch (rnd() % 8) {
	case 0: {
		long fd = sc(SYS_open, (long)proc_paths[rnd() % PROC_PATHS],
			     (long)(rnd() % 3), 0, 0, 0, 0);
		if (fd >= 0)
			proc_fd = (int)fd;
		return fd;
	}
	case 1:
		return sc(SYS_read, proc_fd, (long)any_pointer(),
			  (long)(rnd() % 2 ? rnd() % 64 : any_length()), 0, 0,
			  0);
	case 2:
		return sc(SYS_pread64, proc_fd, (long)any_pointer(),
			  (long)(any_length() & 0xffff), (long)(rnd() % 8192),
			  0, 0);
	case 3:
		return sc(SYS_lseek, proc_fd, (long)any_pointer(),
			  (long)(rnd() % 6), 0, 0, 0);
	case 4: {
		const char *what = refs[rnd() % 8];
		return sc(SYS_write, proc_fd,
			  rnd() % 4 ? (long)what : (long)any_pointer(),
			  rnd() % 4 ? (long)strlen(what) : (long)any_length(),
			  0, 0, 0);
	}
	case 5:
		return sc(SYS_readlink, (long)proc_paths[rnd() % PROC_PATHS],
			  (long)any_pointer(), (long)(rnd() % 8192) - 16, 0, 0,
			  0);
	case 6:
		return sc(SYS_close, proc_fd, 0, 0, 0, 0, 0);
	default:
		return sc(SYS_newfstatat, -100,
			  (long)proc_paths[rnd() % PROC_PATHS],
			  (long)any_pointer(), (long)(rnd() % 2) * 0x100, 0, 0);
	}
}

static long one_call(int *fds)
{
	int fd = fds[rnd() % 7];
	switch (rnd() % 46) {
	case 45:
		return proc_call();
	case 0:
		return sc(SYS_mmap, (long)sandbox_addr(), (long)any_length(),
			  (long)(rnd() % 8), (long)(rnd() % 0x200000) | 0x10,
			  rnd() % 2 ? -1 : fd, (long)(rnd() % 4) * 4096);
	case 1:
		return sc(SYS_munmap, (long)sandbox_addr(), (long)any_length(),
			  0, 0, 0, 0);
	case 2:
		return sc(SYS_mprotect, (long)sandbox_addr(),
			  (long)contained_length(), (long)(rnd() % 16), 0, 0,
			  0);
	case 3:
		return sc(SYS_mremap, (long)sandbox_addr(), (long)any_length(),
			  (long)any_length(), (long)(rnd() % 8),
			  (long)sandbox_addr(), 0);
	case 4:
		return sc(SYS_madvise, (long)sandbox_addr(),
			  (long)contained_length(), (long)(rnd() % 26), 0, 0,
			  0);
	case 5:
		return sc(SYS_read, fd, (long)any_pointer(), (long)any_length(),
			  0, 0, 0);
	case 6:
		return sc(SYS_pread64, fd, (long)any_pointer(),
			  (long)(any_length() & 0xffff), (long)any_pointer(), 0,
			  0);
	case 7:
		return sc(SYS_lseek, fd, (long)any_pointer(), (long)(rnd() % 6),
			  0, 0, 0);
	case 8:
		return sc(SYS_ioctl, fd,
			  (long)(rnd() % 2 ? 0xC0406D34UL : 0xC0106D32UL),
			  (long)any_pointer(), 0, 0, 0);
	case 9:
		return sc(SYS_write, rnd() % 2 ? fds[3] : fds[2],
			  (long)any_pointer(), (long)(any_length() & 0xffff), 0,
			  0, 0);
	case 10:
		return sc(SYS_openat, -100, (long)any_pointer(),
			  (long)(rnd() % 4), 0, 0, 0);
	case 11:
		return sc(SYS_brk, (long)any_pointer(), 0, 0, 0, 0, 0);
	case 12:
		return sc(SYS_writev, fds[3], (long)any_pointer(),
			  (long)(rnd() % 8), 0, 0, 0);
	/* Signal state, with pointers anywhere.  The guest sends itself
	 * no signal but the ignored SIGALRM and takes no fault of its
	 * own, so whatever handler lands in a table never runs. */
	case 13: {
		/* not SIGALRM: the timers below may fire it */
		long sig = (long)(rnd() % 70);
		return sc(SYS_rt_sigaction, sig == 14 ? 15 : sig,
			  (long)(rnd() % 2 ? 0 : any_pointer()),
			  (long)any_pointer(), rnd() % 4 ? 8 : (long)rnd(), 0,
			  0);
	}
	case 14:
		return sc(SYS_rt_sigprocmask, (long)(rnd() % 4),
			  (long)any_pointer(), (long)any_pointer(),
			  rnd() % 4 ? 8 : (long)rnd(), 0, 0);
	case 15:
		return sc(SYS_sigaltstack, (long)any_pointer(),
			  (long)any_pointer(), 0, 0, 0, 0);
	case 16:
		return sc(SYS_rt_sigpending, (long)any_pointer(),
			  rnd() % 4 ? 8 : (long)rnd(), 0, 0, 0, 0);
	case 17:
		return sc(SYS_mincore, (long)sandbox_addr(), (long)any_length(),
			  (long)any_pointer(), 0, 0, 0);
	case 18:
		return sc(SYS_mlock2, (long)sandbox_addr(),
			  (long)contained_length(), (long)(rnd() % 3), 0, 0, 0);
	case 19:
		return sc(SYS_munlock, (long)sandbox_addr(),
			  (long)contained_length(), 0, 0, 0, 0);
	/* Time: sleeps and timers on the virtual clock (SIGALRM is
	 * ignored), and waits that always have a timeout. */
	case 20:
		return sc(SYS_nanosleep, (long)any_pointer(),
			  (long)any_pointer(), 0, 0, 0, 0);
	case 21:
		return sc(SYS_setitimer, (long)(rnd() % 4), (long)any_pointer(),
			  (long)any_pointer(), 0, 0, 0);
	case 22:
		return sc(SYS_getitimer, (long)(rnd() % 4), (long)any_pointer(),
			  0, 0, 0, 0);
	case 23:
		return sc(SYS_alarm, (long)rnd(), 0, 0, 0, 0, 0);
	case 25:
		return sc(SYS_ftruncate, fd, (long)any_length(), 0, 0, 0, 0);
	case 26:
		return sc(SYS_fcntl, fd, rnd() % 2 ? F_ADD_SEALS : F_GET_SEALS,
			  (long)(rnd() % 64), 0, 0, 0);
	case 27:
		return sc(SYS_memfd_create, (long)any_pointer(),
			  (long)(rnd() % 8), 0, 0, 0, 0);
	/* The file system: names, links, directories, space, pipes.
	 * Only descriptors 7 and up are closed, so fds[] stays open; no
	 * pipe is ever read (a read of an empty pipe would wait for
	 * good). */
	case 28:
		return sc(SYS_openat, any_dirfd(), (long)any_path(),
			  (long)(rnd() % 2 ? rnd() % 0x500000 : rnd()), 0644, 0,
			  0);
	case 29:
		return sc(SYS_close, 7 + (long)(rnd() % 57), 0, 0, 0, 0, 0);
	case 30:
		return sc(SYS_mkdirat, any_dirfd(), (long)any_path(),
			  (long)(rnd() % 07777), 0, 0, 0);
	case 31:
		return sc(SYS_unlinkat, any_dirfd(), (long)any_path(),
			  (long)(rnd() % 2 ? 0x200 : rnd() % 0x400), 0, 0, 0);
	case 32:
		return sc(SYS_renameat2, any_dirfd(), (long)any_path(),
			  any_dirfd(), (long)any_path(), (long)(rnd() % 8), 0);
	case 33:
		return sc(SYS_symlinkat, (long)any_path(), any_dirfd(),
			  (long)any_path(), 0, 0, 0);
	case 34:
		return sc(SYS_linkat, any_dirfd(), (long)any_path(),
			  any_dirfd(), (long)any_path(),
			  (long)(rnd() % 2 ? 0x400 : rnd() % 0x2000), 0);
	case 35:
		return sc(SYS_readlinkat, any_dirfd(), (long)any_path(),
			  (long)any_pointer(), (long)(any_length() & 0xffff), 0,
			  0);
	case 36:
		return sc(SYS_getdents64, (long)(rnd() % 20),
			  (long)any_pointer(), (long)any_length(), 0, 0, 0);
	case 37:
		return sc(SYS_fallocate, (long)(rnd() % 20), (long)(rnd() % 8),
			  (long)(any_length() & 0xffffff),
			  (long)(any_length() & 0xffffff), 0, 0);
	case 38:
		return sc(SYS_newfstatat, any_dirfd(), (long)any_path(),
			  (long)any_pointer(), (long)(rnd() % 0x2000), 0, 0);
	case 39:
		return sc(SYS_getcwd, (long)any_pointer(),
			  (long)(any_length() & 0xfff), 0, 0, 0, 0);
	case 40:
		return sc(SYS_chdir, (long)any_path(), 0, 0, 0, 0, 0);
	case 41:
		/* Always non-blocking: a read of an empty pipe with a
		 * writer would wait for good. */
		return sc(SYS_pipe2, (long)any_pointer(),
			  (long)(rnd() % 2 ? 04000 : rnd() | 04000), 0, 0, 0,
			  0);
	case 42:
		return sc(SYS_truncate, (long)any_path(),
			  (long)(any_length() & 0xffffff), 0, 0, 0, 0);
	case 43:
		return sc(SYS_faccessat2, any_dirfd(), (long)any_path(),
			  (long)(rnd() % 9), (long)(rnd() % 0x2000), 0, 0);
	/* Queued signals to itself: only SIGALRM, which stays ignored,
	 * or the null signal or no signal at all, with any siginfo. */
	case 44: {
		static const long sigs[] = {0, SIGALRM, 65, -1, 1000};
		static const long pids[] = {0, 1, 2, -1, 0x7fffffff};
		long sig = sigs[rnd() % 5], pid = pids[rnd() % 5];
		switch (rnd() % 3) {
		case 0:
			return sc(SYS_rt_sigqueueinfo, pid, sig,
				  (long)any_pointer(), 0, 0, 0);
		case 1:
			return sc(SYS_rt_tgsigqueueinfo, pid,
				  rnd() % 2 ? 1 : pid, sig, (long)any_pointer(),
				  0, 0);
		default:
			return sc(SYS_restart_syscall, 0, 0, 0, 0, 0, 0);
		}
	}
	case 24: {
		uint64_t timeout = any_pointer();
		return sc(SYS_rt_sigtimedwait, (long)any_pointer(),
			  (long)any_pointer(), (long)(timeout ? timeout : 1), 8,
			  0, 0);
	}
	default: {
		/* touch the sandbox: may fault, which is the point;
		 * reads only, through a syscall, so the guest itself
		 * survives */
		return sc(SYS_write, fds[3], (long)sandbox_addr(), 64, 0, 0, 0);
	}
	}
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20000;
	if (argc > 2)
		state += strtoull(argv[2], NULL, 0) * 0x2545f4914f6cdd1dULL;
	/* fds[3] stays /dev/null: the calls that must not fail use it
	 */
	int fds[7] = {open("/dev/mem", O_RDWR),
		      open("/dev/kmem", O_RDWR),
		      open("/dev/zero", O_RDWR),
		      open("/dev/null", O_RDWR),
		      open("/proc/self/pagemap", O_RDONLY),
		      open("/proc/self/maps", O_RDONLY),
		      (int)syscall(SYS_memfd_create, "fuzz", 2 /* sealing */)};
	if (mmap(BUF, BUF_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != BUF)
		return 1;
	signal(SIGALRM, SIG_IGN);
	long ok = 0;
	for (int i = 0; i < rounds; i++)
		ok += one_call(fds) >= 0;
	printf("%d rounds, %ld succeeded\n", rounds, ok);
	return 0;
}
