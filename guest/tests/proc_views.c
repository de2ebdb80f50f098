/* The /proc views of a process, against Linux: the guest maps regions at
 * fixed addresses in known states (written, read, shared twice, locked,
 * lock-on-fault, read-only, populated), then prints what /proc/self says
 * of them and of itself.  tests/proc_test.c runs it natively and under
 * memu: the lines marked "=" must agree with the host exactly; the lines
 * marked "~" are memu's own values, which the test checks one by one (the
 * host's libc, layout, limits and kernel configuration differ).
 *
 * Every buffer the guest reads into is touched before the first /proc
 * read, so that reading does not change what is read.  Right after it
 * reads status, memu_probe stops memu's run for the test to look.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memu_guest.h"

#define BASE ((char *)0x200000000000UL)
#define PAGE 4096UL

static char text[1 << 17], other[1 << 17];
static char out[1 << 16];
static size_t out_len;
static char **env_start;

/* Output goes to a buffer first: stdio's own buffer is not allocated
 * while /proc is read. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + out_len, sizeof(out) - out_len, fmt, ap);
	va_end(ap);
	if (n > 0 && out_len + (size_t)n < sizeof(out))
		out_len += (size_t)n;
}

static const char *err(long r)
{
	if (r >= 0)
		return "ok";
	switch (errno) {
	case EINVAL:
		return "EINVAL";
	case EBADF:
		return "EBADF";
	case EACCES:
		return "EACCES";
	case ENOENT:
		return "ENOENT";
	case EIO:
		return "EIO";
	case ERANGE:
		return "ERANGE";
	case EFAULT:
		return "EFAULT";
	case ENXIO:
		return "ENXIO";
	case EROFS:
		return "EROFS";
	default:
		return "other";
	}
}

static void map(unsigned long page, unsigned long pages, int prot, int flags)
{
	void *want = BASE + page * PAGE;
	if (mmap(want, pages * PAGE, prot, flags | MAP_FIXED_NOREPLACE, -1,
		 0) != want)
		exit(1);
}

/* The whole file into buf; its length. */
static size_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	size_t len = 0;
	ssize_t n;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return len;
}

static const char *const smaps_fields[] = {
	"Size:",
	"KernelPageSize:",
	"MMUPageSize:",
	"Rss:",
	"Pss:",
	"Pss_Dirty:",
	"Shared_Clean:",
	"Shared_Dirty:",
	"Private_Clean:",
	"Private_Dirty:",
	"Referenced:",
	"Anonymous:",
	"LazyFree:",
	"AnonHugePages:",
	"ShmemPmdMapped:",
	"FilePmdMapped:",
	"Shared_Hugetlb:",
	"Private_Hugetlb:",
	"Swap:",
	"SwapPss:",
	"Locked:",
	"VmFlags:",
};

/* The smaps block of the VMA starting at addr, the fields above, each
 * marked mark ('=' or '~'), Referenced with ref_mark. */
static void smaps_block(const char *name, const char *addr, char mark,
			char ref_mark)
{
	char head[32];
	snprintf(head, sizeof(head), "%lx-", (unsigned long)addr);
	char *at = strstr(text, head);
	if (!at) {
		say("%c smaps %s missing\n", mark, name);
		return;
	}
	/* the field lines: they start with a capital, the next VMA's line
	 * with a hex digit */
	for (char *line = strchr(at, '\n') + 1; *line >= 'A' && *line <= 'Z';) {
		char *end = strchr(line, '\n');
		if (!end)
			break;
		for (size_t i = 0; i < sizeof(smaps_fields) / sizeof(char *);
		     i++) {
			size_t k = strlen(smaps_fields[i]);
			if (strncmp(line, smaps_fields[i], k))
				continue;
			char m = strcmp(smaps_fields[i], "Referenced:")
					 ? mark
					 : ref_mark;
			say("%c smaps %s %.*s\n", m, name, (int)(end - line),
			    line);
		}
		line = end + 1;
	}
}

/* The value of a "Name:" line of status (text). */
static long status_kb(const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), "\n%s:", name);
	char *at = strstr(text, key);
	return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

static void status_line(char mark, const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), "\n%s:", name);
	char *at = strstr(text, key);
	if (!at) {
		say("%c status %s missing\n", mark, name);
		return;
	}
	at++;
	say("%c status %.*s\n", mark, (int)(strchr(at, '\n') - at), at);
}

/* Field n (1-based) of /proc/self/stat in other. */
static unsigned long long stat_field(int n)
{
	char *p = strrchr(other, ')') + 2; /* field 3 */
	for (int i = 3; i < n; i++)
		p = strchr(p, ' ') + 1;
	return strtoull(p, NULL, 10);
}

static int soft_dirty(int fd, const char *va)
{
	uint64_t e = 0;
	if (pread(fd, &e, 8, (off_t)((uintptr_t)va / PAGE * 8)) != 8)
		return -1;
	return (int)(e >> 55 & 1);
}

static void clear_refs(const char *what)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	if (write(fd, what, strlen(what)) < 0)
		say("= clear_refs %s failed\n", what);
	close(fd);
}

static void show_smaps(void)
{
	slurp("/proc/self/smaps", text, sizeof(text));
	smaps_block("written", BASE, '=', '=');
	smaps_block("shared", BASE + 16 * PAGE, '=', '=');
	smaps_block("shared_again", BASE + 24 * PAGE, '=', '=');
	smaps_block("locked", BASE + 32 * PAGE, '=', '=');
	smaps_block("onfault", BASE + 40 * PAGE, '=', '=');
	smaps_block("read_only", BASE + 48 * PAGE, '=', '=');
	/* populated by the kernel, never touched: referenced, as GUP's
	 * own access leaves them (memu's populate sets the accessed bit) */
	smaps_block("populated", BASE + 56 * PAGE, '=', '=');
}

static void show_status(void)
{
	slurp("/proc/self/status", text, sizeof(text));
	/* memu stops here for the test to count the VMAs and pages itself;
	 * on Linux this is ENOSYS and nothing happens */
	memu_probe(1);
	static const char *const same[] = {
		"Name",		"Umask",       "State",	  "Uid",
		"Gid",		"VmLck",       "VmPin",	  "VmSwap",
		"HugetlbPages", "CoreDumping", "Threads", "SigPnd",
		"ShdPnd",	"SigBlk",      "SigIgn",  "SigCgt",
		"NoNewPrivs",	"Seccomp",
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		status_line('=', same[i]);
	static const char *const own[] = {
		"Tgid",		"Ngid",
		"Pid",		"PPid",
		"TracerPid",	"VmPeak",
		"VmSize",	"VmHWM",
		"VmRSS",	"RssAnon",
		"RssFile",	"RssShmem",
		"VmData",	"VmStk",
		"VmExe",	"VmLib",
		"VmPTE",	"SigQ",
		"FDSize",	"CapEff",
		"Cpus_allowed", "Mems_allowed_list",
	};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		status_line('~', own[i]);
}

/* stat, statm and status read one after the other, nothing touched in
 * between: they must agree. */
static void show_stat(char **argv)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	slurp("/proc/self/stat", other, sizeof(other));
	unsigned long long minflt = stat_field(10);
	static char statm[256];
	slurp("/proc/self/statm", statm, sizeof(statm));
	slurp("/proc/self/status", text, sizeof(text));
	unsigned long long size, resident, shared, txt, lib, data, dt;
	sscanf(statm, "%llu %llu %llu %llu %llu %llu %llu", &size, &resident,
	       &shared, &txt, &lib, &data, &dt);
	say("~ statm %s", statm);
	say("~ stat %s", strchr(other, ')') + 2);
	int fields = 1;
	for (char *p = other; *p; p++)
		fields += *p == ' ';
	say("= stat fields %d\n", fields);
	say("= stat state %c\n", *(strrchr(other, ')') + 2));
	const int same[] = {20, 21, 25, 29, 30, 31, 32, 33,
			    34, 35, 36, 37, 38, 40, 41, 52};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		say("= stat field %d %llu\n", same[i], stat_field(same[i]));
	say("= stat minflt is getrusage's: %s\n",
	    minflt == (unsigned long long)ru.ru_minflt ? "yes" : "no");
	say("= stat vsize is statm size: %s\n",
	    stat_field(23) == size * PAGE ? "yes" : "no");
	/* Linux's RSS counters are approximate across reads (per-CPU) */
	say("~ stat rss is statm resident: %s\n",
	    stat_field(24) == resident ? "yes" : "no");
	say("= statm resident is VmRSS: %s\n",
	    resident * 4 == (unsigned long long)status_kb("VmRSS") ? "yes"
								   : "no");
	say("= statm shared is RssFile + RssShmem: %s\n",
	    shared * 4 == (unsigned long long)(status_kb("RssFile") +
					       status_kb("RssShmem"))
		    ? "yes"
		    : "no");
	say("= statm size is VmSize: %s\n",
	    size * 4 == (unsigned long long)status_kb("VmSize") ? "yes" : "no");
	say("= statm data is VmData + VmStk: %s\n",
	    data * 4 == (unsigned long long)(status_kb("VmData") +
					     status_kb("VmStk"))
		    ? "yes"
		    : "no");
	say("= statm text is VmExe: %s\n",
	    txt * 4 == (unsigned long long)status_kb("VmExe") ? "yes" : "no");
	say("= statm lib dt %llu %llu\n", lib, dt);
	/* exec's layout */
	int envc = 0;
	while (env_start[envc])
		envc++;
	char *last = envc ? env_start[envc - 1] : NULL;
	say("= stat startstack is &argc: %s\n",
	    stat_field(28) == (uintptr_t)(argv - 1) ? "yes" : "no");
	say("= stat arg_start is argv[0]: %s\n",
	    stat_field(48) == (uintptr_t)argv[0] ? "yes" : "no");
	say("= stat env_end ends the environment: %s\n",
	    !envc || stat_field(51) == (uintptr_t)last + strlen(last) + 1
		    ? "yes"
		    : "no");
	say("= stat arg_end is env_start: %s\n",
	    stat_field(49) == stat_field(50) ? "yes" : "no");
	say("= stat code holds the code: %s\n",
	    stat_field(26) <= (uintptr_t)&show_stat &&
			    (uintptr_t)&show_stat < stat_field(27)
		    ? "yes"
		    : "no");
}

/* cmdline, environ and auxv against what the guest itself has. */
static void show_args(int argc, char **argv)
{
	size_t n = slurp("/proc/self/cmdline", text, sizeof(text));
	size_t want = 0;
	for (int i = 0; i < argc; i++)
		want += strlen(argv[i]) + 1;
	say("= cmdline is argv: %s\n",
	    n == want && !memcmp(text, argv[0], want) ? "yes" : "no");
	int fd = open("/proc/self/cmdline", O_RDONLY);
	say("= cmdline lseek end+5 %ld data %s\n", (long)lseek(fd, 5, SEEK_END),
	    err(lseek(fd, 0, SEEK_DATA)));
	say("= cmdline pread 3 at 1: %ld\n", (long)pread(fd, other, 3, 1));
	say("= cmdline pread past end: %ld\n",
	    (long)pread(fd, other, 3, (off_t)want));
	close(fd);
	n = slurp("/proc/self/environ", text, sizeof(text));
	size_t env = 0;
	for (char **e = env_start; *e; e++)
		env += strlen(*e) + 1;
	say("= environ is the environment: %s\n",
	    n == env && (!env || !memcmp(text, env_start[0], env)) ? "yes"
								   : "no");
	char **e = env_start;
	while (*e)
		e++;
	uint64_t *auxv = (uint64_t *)(e + 1);
	size_t words = 0;
	while (auxv[words])
		words += 2;
	words += 2;
	n = slurp("/proc/self/auxv", text, sizeof(text));
	say("= auxv is the stack's: %s (%s)\n",
	    n == words * 8 && !memcmp(text, auxv, n) ? "yes" : "no",
	    n % 16 ? "odd" : "pairs");
	fd = open("/proc/self/auxv", O_RDONLY);
	char piece[8];
	say("= auxv pread 5 at 3: %s, past the end: %ld\n",
	    pread(fd, piece, 5, 3) == 5 && !memcmp(piece, (char *)auxv + 3, 5)
		    ? "same"
		    : "different",
	    (long)pread(fd, piece, 5, (off_t)(words * 8)));
	close(fd);
	char link[4096];
	ssize_t l = readlink("/proc/self/exe", link, sizeof(link));
	/* the path itself: a host may resolve links in it */
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	say("= exe ends in the program's name: %s\n",
	    l > (ssize_t)strlen(base) &&
			    !memcmp(link + l - strlen(base), base, strlen(base))
		    ? "yes"
		    : "no");
	say("~ exe is argv[0]: %s\n",
	    l == (ssize_t)strlen(argv[0]) && !memcmp(link, argv[0], (size_t)l)
		    ? "yes"
		    : "no");
	say("= exe readlink 4: %ld\n",
	    (long)readlink("/proc/self/exe", link, 4));
	say("~ exe readlink 4: %.4s\n", link);
	say("= exe readlink 0: %s\n",
	    err(syscall(SYS_readlink, "/proc/self/exe", link, 0)));
	say("= status readlink: %s\n",
	    err(readlink("/proc/self/status", link, sizeof(link))));
	say("= nothing readlink: %s\n",
	    err(readlink("/proc/self/nothing", link, sizeof(link))));
	struct stat st;
	say("= exe lstat link: %s\n",
	    !syscall(SYS_newfstatat, AT_FDCWD, "/proc/self/exe", &st,
		     AT_SYMLINK_NOFOLLOW) &&
			    S_ISLNK(st.st_mode)
		    ? "yes"
		    : "no");
	say("~ exe stat %s\n",
	    err(syscall(SYS_newfstatat, AT_FDCWD, "/proc/self/exe", &st, 0)));
	fd = open("/proc/self/exe", O_RDONLY);
	say("~ exe open %s\n", err(fd));
	if (fd >= 0)
		close(fd);
}

static void show_errors(void)
{
	int fd = open("/proc/self/status", O_WRONLY);
	say("= status open for writing %s\n", err(fd));
	say("= status write %s read %s\n", err(write(fd, "x", 1)),
	    err(read(fd, other, 1)));
	close(fd);
	fd = open("/proc/self/status", O_RDONLY);
	say("= status lseek end %s negative %s cur %ld\n",
	    err(lseek(fd, 0, SEEK_END)), err(lseek(fd, -1, SEEK_SET)),
	    (long)lseek(fd, 3, SEEK_CUR));
	say("= status pread 7 at 5: %ld ", (long)pread(fd, other, 7, 5));
	say("%.7s\n", other);
	/* in 3-byte pieces: the same text */
	lseek(fd, 0, SEEK_SET);
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, other + len, 3)) > 0)
		len += (size_t)n;
	size_t whole = slurp("/proc/self/status", text, sizeof(text));
	/* the lines up to VmPeak only: the counters below may move */
	char *cut = strstr(text, "VmPeak");
	say("= status in pieces: %s\n",
	    len == whole && cut && !memcmp(other, text, (size_t)(cut - text))
		    ? "same"
		    : "different");
	close(fd);
	fd = open("/proc/self/maps", O_WRONLY);
	say("= maps write %s\n", err(write(fd, "x", 1)));
	close(fd);
	fd = open("/proc/self/clear_refs", O_RDONLY);
	say("= clear_refs read %s lseek %ld\n", err(read(fd, other, 1)),
	    (long)lseek(fd, 100, SEEK_SET));
	close(fd);
	fd = open("/proc/self/clear_refs", O_WRONLY);
	static const char *const bad[] = {"0",
					  "6",
					  "",
					  "x",
					  "-1",
					  "99999999999",
					  "12345678901234",
					  "5x",
					  "0x5",
					  "+5",
					  " 5 \n",
					  "5\n\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = write(fd, bad[i], strlen(bad[i]));
		say("= clear_refs \"%s\" %ld %s\n",
		    i == 10   ? " 5 \\n"
		    : i == 11 ? "5\\n\\n"
			      : bad[i],
		    r, err(r));
	}
	say("= clear_refs bad pointer %s\n", err(write(fd, (void *)8, 1)));
	close(fd);
	fd = open("/proc/meminfo", O_WRONLY);
	say("= meminfo write %s\n", err(write(fd, "1", 1)));
	close(fd);
	fd = open("/proc/self/pagemap", O_RDONLY);
	say("= pagemap write %s\n", err(write(fd, "1", 1)));
	close(fd);
	fd = open("/proc/sys/vm/max_map_count", O_RDONLY);
	long first = (long)read(fd, other, 3);
	say("= sysctl read 3 %ld then %ld\n", first, (long)read(fd, other, 3));
	long at1 = (long)pread(fd, other, 8, 1);
	say("= sysctl pread at 1 %ld lseek end %ld\n", at1,
	    (long)lseek(fd, 0, SEEK_END));
	close(fd);
	fd = open("/proc/sys/vm/max_map_count", O_WRONLY);
	say("~ sysctl open for writing %s\n", err(fd));
	if (fd >= 0)
		close(fd);
}

/* What fstat says of them: regular files of size 0 with their modes. */
static void show_modes(void)
{
	static const char *const paths[] = {
		"/proc/self/status",
		"/proc/self/stat",
		"/proc/self/statm",
		"/proc/self/smaps",
		"/proc/self/smaps_rollup",
		"/proc/self/clear_refs",
		"/proc/self/environ",
		"/proc/self/auxv",
		"/proc/self/cmdline",
		"/proc/self/mountinfo",
		"/proc/1/status",
		"/proc/meminfo",
		"/proc/iomem",
		"/proc/sys/vm/max_map_count",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct stat st;
		int fd = open(paths[i], O_RDONLY);
		if (fd < 0 || fstat(fd, &st)) {
			say("= mode %s: %s\n", paths[i], err(-1));
		} else {
			say("= mode %s: %s %04o size %lld\n", paths[i],
			    S_ISREG(st.st_mode) ? "regular" : "other",
			    (unsigned)(st.st_mode & 07777),
			    (long long)st.st_size);
		}
		if (fd >= 0)
			close(fd);
	}
}

/* seq_file rebuilds the text when a read starts anywhere but where the
 * last one ended: a reread from 0 sees pages mapped since. */
static void show_reread(void)
{
	static char a[256], b[256];
	int fd = open("/proc/self/statm", O_RDONLY);
	ssize_t n = read(fd, a, sizeof(a) - 1);
	a[n > 0 ? n : 0] = '\0';
	map(80, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 4; i++)
		BASE[(80 + i) * PAGE] = 1;
	ssize_t same = read(fd, b, sizeof(b) - 1);
	n = pread(fd, b, sizeof(b) - 1, 0);
	b[n > 0 ? n : 0] = '\0';
	unsigned long long s1, r1, s2, r2;
	sscanf(a, "%llu %llu", &s1, &r1);
	sscanf(b, "%llu %llu", &s2, &r2);
	say("= statm read on at the end %ld, reread at 0: size +%llu "
	    "resident +%llu\n",
	    (long)same, s2 - s1, r2 - r1);
	close(fd);
}

static void show_sysctl(const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	slurp(path, other, sizeof(other));
	say("~ sysctl %s %s", name, other);
}

/* Soft-dirty bits of four pages, and clear_refs 4 between writes. */
static void show_soft_dirty(void)
{
	char *r = BASE + 64 * PAGE;
	map(64, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	r[0] = 1;
	r[PAGE] = 1;
	(void)*(volatile char *)(r + 2 * PAGE);
	int pm = open("/proc/self/pagemap", O_RDONLY);
#define SD(tag)                                                                \
	say("~ softdirty %s %d%d%d%d\n", tag, soft_dirty(pm, r),               \
	    soft_dirty(pm, r + PAGE), soft_dirty(pm, r + 2 * PAGE),            \
	    soft_dirty(pm, r + 3 * PAGE))
	SD("new");
	clear_refs("4");
	SD("cleared");
	r[0] = 2;			    /* write: faults, marked */
	(void)*(volatile char *)(r + PAGE); /* read: not */
	r[3 * PAGE] = 1;		    /* a new page: marked */
	SD("written");
	clear_refs("4");
	mprotect(r, PAGE, PROT_READ);
	mprotect(r, PAGE, PROT_READ | PROT_WRITE);
	SD("mprotected");
	r[0] = 3;
	SD("after");
	/* a new VMA next to it: soft-dirty as a whole, merged or not */
	map(68, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	say("~ softdirty new_vma %d neighbour %d\n",
	    soft_dirty(pm, r + 4 * PAGE), soft_dirty(pm, r + PAGE));
	close(pm);
}

/* Referenced after clear_refs 3, 2 and 1.  Then an access: memu flushes
 * the TLB, so the next access is always seen (Linux may not see it
 * through a cached translation). */
static void show_referenced(void)
{
	/* 3: file-backed VMAs only (the shared object's); 2: the others */
	clear_refs("3");
	slurp("/proc/self/smaps", text, sizeof(text));
	smaps_block("written_after_3", BASE, '=', '=');
	smaps_block("shared_after_3", BASE + 16 * PAGE, '=', '=');
	clear_refs("2");
	slurp("/proc/self/smaps", text, sizeof(text));
	smaps_block("written_after_2", BASE, '=', '=');
	clear_refs("1");
	slurp("/proc/self/smaps", text, sizeof(text));
	smaps_block("written_cleared", BASE, '~', '~');
	(void)*(volatile char *)BASE;
	slurp("/proc/self/smaps", text, sizeof(text));
	smaps_block("written_touched", BASE, '~', '~');
}

/* The peaks: VmPeak and VmHWM keep what munmap took; clear_refs 5 brings
 * VmHWM down to VmRSS. */
static void show_peaks(void)
{
	char *big = BASE + 128 * PAGE;
	map(128, 64, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 64; i++)
		big[i * PAGE] = 1;
	slurp("/proc/self/status", text, sizeof(text));
	long size = status_kb("VmSize"), rss = status_kb("VmRSS");
	munmap(big, 64 * PAGE);
	slurp("/proc/self/status", text, sizeof(text));
	say("= peak VmPeak kept the unmapped: %s\n",
	    status_kb("VmPeak") == size && status_kb("VmSize") == size - 256
		    ? "yes"
		    : "no");
	say("~ peak VmHWM kept the unmapped: %s\n",
	    status_kb("VmHWM") == rss && status_kb("VmRSS") == rss - 256
		    ? "yes"
		    : "no");
	clear_refs("5");
	slurp("/proc/self/status", text, sizeof(text));
	say("~ peak VmHWM after clear_refs 5 is VmRSS: %s\n",
	    status_kb("VmHWM") == status_kb("VmRSS") ? "yes" : "no");

	/* brk up 2 MiB and back: the peak keeps it */
	long cur = syscall(SYS_brk, 0);
	syscall(SYS_brk, cur + (2L << 20));
	slurp("/proc/self/status", text, sizeof(text));
	size = status_kb("VmSize");
	syscall(SYS_brk, cur);
	slurp("/proc/self/status", text, sizeof(text));
	say("= peak brk: VmPeak %s, VmSize %ld kB less\n",
	    status_kb("VmPeak") == size ? "kept" : "lost",
	    size - status_kb("VmSize"));

	/* mremap: shrink and move (the old size is the peak) */
	map(1024, 600, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	slurp("/proc/self/status", text, sizeof(text));
	size = status_kb("VmSize");
	mremap(BASE + 1024 * PAGE, 600 * PAGE, 8 * PAGE,
	       MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 2048 * PAGE);
	slurp("/proc/self/status", text, sizeof(text));
	say("= peak mremap shrink: VmPeak %s, VmSize %ld kB less\n",
	    status_kb("VmPeak") == size ? "kept" : "lost",
	    size - status_kb("VmSize"));

	/* mremap: grow by moving (the move's moment of both is no peak) */
	map(3000, 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	map(3008, 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS); /* in the way */
	slurp("/proc/self/status", text, sizeof(text));
	size = status_kb("VmSize");
	char *moved = mremap(BASE + 3000 * PAGE, 8 * PAGE, 1000 * PAGE,
			     MREMAP_MAYMOVE);
	slurp("/proc/self/status", text, sizeof(text));
	say("= peak mremap grow: moved %s, VmSize %ld kB more, VmPeak is "
	    "VmSize: %s\n",
	    moved != BASE + 3000 * PAGE ? "yes" : "no",
	    status_kb("VmSize") - size,
	    status_kb("VmPeak") == status_kb("VmSize") ? "yes" : "no");
	size = status_kb("VmSize");
	munmap(moved, 1000 * PAGE);
	slurp("/proc/self/status", text, sizeof(text));
	say("= peak after munmap of it: VmPeak %s\n",
	    status_kb("VmPeak") == size ? "kept" : "lost");
}

int main(int argc, char **argv, char **envp)
{
	env_start = envp;
	umask(022);
	memset(text, 1, sizeof(text));
	memset(other, 1, sizeof(other));
	memset(out, 1, sizeof(out));
	say("= umask was 022: %s\n", umask(027) == 022 ? "yes" : "no");
	/* the signal state, whatever the parent left: every disposition
	 * the default (the kernel's sigaction: libc refuses some), then
	 * SIGUSR1 and SIGHUP blocked and pending, SIGUSR2 ignored, SIGTERM
	 * caught */
	for (long sig = 1; sig <= 64; sig++) {
		uint64_t dfl[4] = {0, 0, 0, 0}; /* SIG_DFL */
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, dfl, NULL, 8);
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGTERM, (void (*)(int))(uintptr_t)exit);
	kill(getpid(), SIGUSR1);			 /* for the process */
	syscall(SYS_tgkill, getpid(), getpid(), SIGHUP); /* for the thread */

	map(0, 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	BASE[0] = 1;
	BASE[PAGE] = 1;
	BASE[2 * PAGE] = 1;
	(void)*(volatile char *)(BASE + 3 * PAGE); /* the zero page */

	map(16, 4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	char *again = mremap(BASE + 16 * PAGE, 0, 4 * PAGE,
			     MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 24 * PAGE);
	if (again != BASE + 24 * PAGE)
		return 3;
	/* In this order, so that Linux's fault-around (a read fault maps
	 * the object's pages already there) maps nothing more. */
	BASE[16 * PAGE] = 1;			    /* shared, written */
	(void)*(volatile char *)(again);	    /* ... and read again */
	(void)*(volatile char *)(BASE + 17 * PAGE); /* once, read */

	map(32, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (mlock(BASE + 32 * PAGE, 4 * PAGE))
		return 4;
	for (int i = 0; i < 4; i++)
		(void)*(volatile char *)(BASE + (32 + i) * PAGE);

	map(40, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (syscall(SYS_mlock2, BASE + 40 * PAGE, 4 * PAGE, 1 /* ONFAULT */))
		return 5;
	BASE[40 * PAGE] = 1;

	map(48, 2, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	(void)*(volatile char *)(BASE + 48 * PAGE);

	map(56, 4, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);

	show_smaps();
	show_status();
	show_stat(argv);
	show_args(argc, argv);
	show_errors();
	show_modes();
	show_reread();
	show_sysctl("mmap_min_addr");
	show_sysctl("overcommit_memory");
	show_sysctl("overcommit_ratio");
	show_sysctl("max_map_count");
	show_soft_dirty();
	show_referenced();
	show_peaks();
	fwrite(out, 1, out_len, stdout);
	return 0;
}
