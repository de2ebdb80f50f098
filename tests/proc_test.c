/* /proc against Linux, and memu's own values exactly.
 *
 * guest/tests/proc_views.c runs natively and under memu: its "=" lines
 * (smaps blocks of the regions it made, status and stat fields, the
 * consistency of stat, statm and status, cmdline, environ, auxv and exe
 * against what the guest has, the errnos of wrong reads, writes and
 * seeks, modes, rereads) must be the host's, byte for byte; its "~" lines
 * are checked against memu's exact values.  guest/tests/proc_cat.c prints
 * whole files, for the text only memu can be held to (meminfo, iomem,
 * mountinfo, the /proc/1 aliases, smaps_rollup).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define OUT_MAX (1 << 18)

static struct guest g;

static void finish_ok(void)
{
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s",
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 0);
}

/* The lines of text that start with mark, in order. */
static void marked(const char *text, char mark, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (const char *l = text; *l;) {
		const char *end = strchr(l, '\n');
		size_t n = end ? (size_t)(end - l) + 1 : strlen(l);
		if (l[0] == mark && len + n < size) {
			memcpy(out + len, l, n);
			len += n;
			out[len] = '\0';
		}
		l += n;
	}
}

/* Remove the last flag of every VmFlags line that ends in flag. */
static void erase_last_flag(char *s, const char *flag)
{
	char what[16];
	snprintf(what, sizeof(what), " %s \n", flag);
	for (char *at; (at = strstr(s, what));)
		memmove(at + 1, at + 1 + strlen(flag) + 1,
			strlen(at + 1 + strlen(flag) + 1) + 1);
}

static void replace_all(char *s, const char *from, const char *to)
{
	cr_assert_eq(strlen(from), strlen(to));
	for (char *at = s; (at = strstr(at, from)); at += strlen(to))
		memcpy(at, to, strlen(to));
}

static void has(const char *text, const char *line)
{
	cr_assert(strstr(text, line), "missing: %s\nin:\n%s", line, text);
}

/* The number after key (a "Name:" of status) in text. */
static long long number_after(const char *text, const char *key)
{
	const char *at = strstr(text, key);
	cr_assert_not_null(at, "no %s", key);
	return strtoll(at + strlen(key), NULL, 10);
}

/* ---- proc_views against Linux */

#define VM_WRITE     0x2ULL
#define VM_EXEC	     0x4ULL
#define VM_SHARED    0x8ULL
#define VM_GROWSDOWN 0x100ULL
#define VM_LOCKED    0x2000ULL

/* Linux's counters, computed here from memu's VMAs and page tables. */
struct vm_counts {
	long long total, data, stack, locked, exec; /* pages */
	long long anon, file, shmem;
};

static struct vm_counts count_vm(struct memu *m)
{
	static struct memu_vma v[512];
	struct vm_counts c = {0};
	size_t n = memu_vmas(m, v, 512);
	cr_assert_lt(n, 512);
	for (size_t i = 0; i < n; i++) {
		long long pages = (long long)((v[i].end - v[i].start) / 4096);
		uint64_t f = v[i].flags;
		c.total += pages;
		if (f & VM_LOCKED)
			c.locked += pages;
		if ((f & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) == VM_EXEC)
			c.exec += pages;
		else if (f & VM_GROWSDOWN)
			c.stack += pages;
		else if ((f & (VM_WRITE | VM_SHARED)) == VM_WRITE)
			c.data += pages;
		for (uint64_t va = v[i].start; va < v[i].end; va += 4096) {
			struct memu_pte p;
			memu_pte(m, va, &p);
			if (!(p.present || p.protnone) || p.special)
				continue;
			switch (memu_frame_kind(m, p.pfn)) {
			case MEMU_FRAME_ANON:
				c.anon++;
				break;
			case MEMU_FRAME_SHARED:
				c.shmem++;
				break;
			case MEMU_FRAME_FILE: /* written: Linux's copy */
				if (p.dirty)
					c.anon++;
				else
					c.file++;
				break;
			default:
				c.file++;
				break;
			}
		}
	}
	return c;
}

Test(proc, views_as_on_linux)
{
	int status;
	static char linux_same[OUT_MAX], ours[OUT_MAX], ours_same[OUT_MAX];
	const char *native = native_stdout("proc_views", NULL, &status);
	cr_assert_eq(status, 0, "%s", native);
	marked(native, '=', linux_same, sizeof(linux_same));
	cr_assert(strstr(linux_same, "= smaps locked Locked:"),
		  "the host is not the Linux this test expects:\n%s", native);
	guest_open(&g, "proc_views", NULL);
	/* where the guest has read status: the counts, from the VMAs and
	 * page tables through memu's inspection API */
	cr_assert_eq(guest_run(&g), MEMU_STOP_PROBE);
	struct vm_counts want = count_vm(g.m);
	finish_ok();
	snprintf(ours, sizeof(ours), "%s", guest_stdout(&g));
	marked(ours, '=', ours_same, sizeof(ours_same));

	/* memu is a kernel with CONFIG_MEM_SOFT_DIRTY: every VMA made since
	 * the last clear_refs 4 shows "sd"; a host without it does not. */
	has(ours_same, "= smaps written VmFlags: rd wr mr mw me ac sd \n");
	if (!strstr(linux_same, " sd \n"))
		erase_last_flag(ours_same, "sd");
	/* Linux 6.1 has no name for VM_LOCKONFAULT ("??"); later kernels
	 * call it "lf". */
	has(ours_same, "= smaps onfault VmFlags: rd wr mr mw me lo ?? ac");
	if (strstr(linux_same, " lo lf "))
		replace_all(ours_same, " lo ?? ", " lo lf ");
	cr_assert_str_eq(ours_same, linux_same);

	/* memu's own values */
	has(ours, "~ status Tgid:\t1\n~ status Ngid:\t0\n~ status Pid:\t1\n"
		  "~ status PPid:\t0\n~ status TracerPid:\t0\n");
	has(ours, "~ status VmStk:\t     132 kB\n");
	has(ours, "~ status VmLib:\t       0 kB\n");
	/* tables: the image, the regions, the stack; three levels each */
	has(ours, "~ status VmPTE:\t      36 kB\n");
	/* the shared object's two pages, one of them mapped twice */
	has(ours, "~ status RssShmem:\t      12 kB\n");
	has(ours, "~ status SigQ:\t2/1024\n");
	has(ours, "~ status FDSize:\t64\n");
	has(ours, "~ status CapEff:\t000001ffffffffff\n");
	has(ours, "~ status Cpus_allowed:\t1\n");
	has(ours, "~ status Mems_allowed_list:\t0\n");
	cr_assert_eq(number_after(ours, "~ status VmSize:\t"), want.total * 4);
	cr_assert_eq(number_after(ours, "~ status VmData:\t"), want.data * 4);
	cr_assert_eq(number_after(ours, "~ status VmStk:\t"), want.stack * 4);
	cr_assert_eq(number_after(ours, "~ status VmRSS:\t"),
		     (want.anon + want.file + want.shmem) * 4);
	cr_assert_eq(number_after(ours, "~ status RssAnon:\t"), want.anon * 4);
	cr_assert_eq(number_after(ours, "~ status RssFile:\t"), want.file * 4);
	cr_assert_eq(number_after(ours, "~ status RssShmem:\t"),
		     want.shmem * 4);
	cr_assert(strstr(ours_same, "= status VmLck:"));
	cr_assert_eq(number_after(ours_same, "= status VmLck:\t"),
		     want.locked * 4);
	cr_assert_eq(number_after(ours, "~ status VmExe:\t"), want.exec * 4);
	cr_assert_eq(number_after(ours, "~ status VmPeak:\t"),
		     number_after(ours, "~ status VmSize:\t"));
	cr_assert_eq(number_after(ours, "~ status VmHWM:\t"),
		     number_after(ours, "~ status VmRSS:\t"));
	cr_assert_eq(number_after(ours, "~ status VmRSS:\t"),
		     number_after(ours, "~ status RssAnon:\t") +
			     number_after(ours, "~ status RssFile:\t") +
			     number_after(ours, "~ status RssShmem:\t"));
	/* stat from field 3: no tty, pgrp and session 1, no flags; start
	 * time 0; SIGHUP pending for the thread, SIGUSR1 and SIGHUP
	 * blocked, SIGUSR2 ignored, SIGTERM caught; CPU 0 */
	has(ours, "~ stat R 0 1 1 0 -1 0 ");
	const char *stat = strstr(ours, "~ stat R ");
	long long f[53] = {0};
	const char *p = stat + 7;
	for (int i = 3; i <= 52; i++) {
		f[i] = strtoll(p, NULL, 10);
		p = strchr(p, ' ');
		cr_assert(i == 52 || p, "stat has %d fields", i);
		if (p)
			p++;
	}
	cr_assert_eq(f[22], 0, "starttime");
	cr_assert_eq(f[23], number_after(ours, "~ status VmSize:\t") * 1024);
	cr_assert_eq(f[24] * 4, number_after(ours, "~ status VmRSS:\t"));
	cr_assert_eq(f[31], 1 << 0);
	cr_assert_eq(f[32], (1 << 0) | (1 << 9));
	cr_assert_eq(f[33], 1 << 11);
	cr_assert_eq(f[34], 1 << 14);
	cr_assert_eq(f[38], 17);
	cr_assert_eq(f[39], 0);
	cr_assert_gt(f[10], 0, "minor faults");
	has(ours, "~ stat rss is statm resident: yes\n");
	has(ours, "~ exe is argv[0]: yes\n");
	char first4[64];
	snprintf(first4, sizeof(first4), "~ exe readlink 4: %.4s\n",
		 guest_path("proc_views"));
	has(ours, first4);
	has(ours, "~ exe stat ENOENT\n~ exe open ENOENT\n");
	has(ours_same, "= status Umask:\t0027\n");
	has(ours, "~ sysctl open for writing EROFS\n");
	has(ours, "~ sysctl mmap_min_addr 65536\n"
		  "~ sysctl overcommit_memory 1\n"
		  "~ sysctl overcommit_ratio 50\n"
		  "~ sysctl max_map_count 65530\n");
	has(ours, "~ smaps written_cleared Referenced:            0 kB\n");
	has(ours, "~ smaps written_touched Referenced:            4 kB\n");
	has(ours, "~ peak VmHWM kept the unmapped: yes\n");
	has(ours, "~ peak VmHWM after clear_refs 5 is VmRSS: yes\n");
	guest_close(&g);
}

/* clear_refs 4 and pagemap's bit 55: what Linux gives with
 * CONFIG_MEM_SOFT_DIRTY, compared with the host when it has it. */
Test(proc, soft_dirty_as_on_linux)
{
	static const char want[] = "~ softdirty new 1111\n"
				   "~ softdirty cleared 0000\n"
				   "~ softdirty written 1001\n"
				   "~ softdirty mprotected 0000\n"
				   "~ softdirty after 1000\n"
				   "~ softdirty new_vma 1 neighbour 1\n";
	int status;
	static char linux_sd[4096], ours_sd[4096], all[OUT_MAX];
	const char *native = native_stdout("proc_views", NULL, &status);
	cr_assert_eq(status, 0);
	marked(native, '~', all, sizeof(all));
	char *l = strstr(all, "~ softdirty");
	snprintf(linux_sd, sizeof(linux_sd), "%.*s",
		 l ? (int)(strstr(l, "neighbour") - l + 12) : 0, l ? l : "");
	guest_open(&g, "proc_views", NULL);
	finish_ok();
	marked(guest_stdout(&g), '~', all, sizeof(all));
	l = strstr(all, "~ softdirty");
	cr_assert_not_null(l);
	snprintf(ours_sd, sizeof(ours_sd), "%.*s",
		 (int)(strstr(l, "neighbour") - l + 12), l);
	cr_assert_str_eq(ours_sd, want);
	/* A host without soft-dirty reads 0 everywhere. */
	if (!strstr(linux_sd, "~ softdirty new 0000"))
		cr_assert_str_eq(ours_sd, linux_sd);
	guest_close(&g);
}

/* ---- memu's text, exactly */

static const char *cat(const char *chunk, const char *const *paths)
{
	const char *args[32];
	int n = 0;
	args[n++] = chunk;
	for (; paths[n - 1] && n < 31; n++)
		args[n] = paths[n - 1];
	args[n] = NULL;
	static const char *const env[] = {"HOME=/", "LANG=C", NULL};
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.envp = env;
	guest_open_cfg(&g, &cfg, "proc_cat", args);
	finish_ok();
	return guest_stdout(&g);
}

/* The text of path in cat's output (static, replaced by the next call). */
static const char *section(const char *out, const char *path)
{
	static char text[OUT_MAX];
	char head[256];
	snprintf(head, sizeof(head), "==== %s\n", path);
	const char *at = strstr(out, head);
	cr_assert_not_null(at, "no %s", path);
	at += strlen(head);
	if (!strncmp(at, "==== ", 5))
		at = ""; /* empty */
	const char *end = strstr(at, "\n==== ");
	size_t n = end ? (size_t)(end - at) + 1 : strlen(at);
	memcpy(text, at, n);
	text[n] = '\0';
	return text;
}

Test(proc, iomem_and_mountinfo_exact)
{
	const char *paths[] = {"/proc/iomem", "/proc/self/mountinfo",
			       "/proc/1/mountinfo", NULL};
	const char *out = cat("4096", paths);
	cr_assert_str_eq(section(out, "/proc/iomem"),
			 "00000000-0009ffff : System RAM\n"
			 "000a0000-000fffff : Reserved (ISA I/O hole)\n"
			 "  000b8000-000bffff : Video RAM (VGA text)\n"
			 "  000f0000-000fffff : System ROM (BIOS)\n"
			 "00100000-0fffffff : System RAM\n"
			 "efff000000-efff000fff : memu identification "
			 "registers\n"
			 "f000000000-f003ffffff : System RAM (page-table "
			 "bank)\n");
	static const char mounts[] =
		"1 1 0:26 / / rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"2 1 0:22 / /proc rw,nosuid,nodev,noexec,relatime - proc proc "
		"rw\n"
		"3 2 0:22 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - "
		"proc proc rw\n"
		"4 1 0:5 / /dev rw,nosuid,relatime - devtmpfs devtmpfs "
		"rw,mode=755\n"
		"5 4 0:23 / /dev/shm rw,nosuid,nodev,relatime - tmpfs tmpfs "
		"rw\n";
	cr_assert_str_eq(section(out, "/proc/self/mountinfo"), mounts);
	cr_assert_str_eq(section(out, "/proc/1/mountinfo"), mounts);
	guest_close(&g);
}

Test(proc, meminfo_fields_and_values)
{
	const char *paths[] = {"/proc/meminfo", NULL};
	const char *text = section(cat("7", paths), "/proc/meminfo");
	/* Linux 6.1's fields, in its order, for memu's configuration */
	static const char *const names[] = {
		"MemTotal",	  "MemFree",
		"MemAvailable",	  "Buffers",
		"Cached",	  "SwapCached",
		"Active",	  "Inactive",
		"Active(anon)",	  "Inactive(anon)",
		"Active(file)",	  "Inactive(file)",
		"Unevictable",	  "Mlocked",
		"SwapTotal",	  "SwapFree",
		"Zswap",	  "Zswapped",
		"Dirty",	  "Writeback",
		"AnonPages",	  "Mapped",
		"Shmem",	  "KReclaimable",
		"Slab",		  "SReclaimable",
		"SUnreclaim",	  "KernelStack",
		"PageTables",	  "SecPageTables",
		"NFS_Unstable",	  "Bounce",
		"WritebackTmp",	  "CommitLimit",
		"Committed_AS",	  "VmallocTotal",
		"VmallocUsed",	  "VmallocChunk",
		"Percpu",	  "HardwareCorrupted",
		"AnonHugePages",  "ShmemHugePages",
		"ShmemPmdMapped", "FileHugePages",
		"FilePmdMapped",  "HugePages_Total",
		"HugePages_Free", "HugePages_Rsvd",
		"HugePages_Surp", "Hugepagesize",
		"Hugetlb",	  "DirectMap4k",
		"DirectMap2M",
	};
	const char *l = text;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_assert(!strncmp(l, names[i], strlen(names[i])) &&
				  l[strlen(names[i])] == ':',
			  "field %zu is not %s: %.40s", i, names[i], l);
		/* then spaces, a number, and " kB" but for HugePages_* */
		const char *end = strchr(l, '\n');
		const char *v = l + strlen(names[i]) + 1;
		while (*v == ' ')
			v++;
		while (*v >= '0' && *v <= '9')
			v++;
		cr_assert(v == end || (!strncmp(v, " kB", 3) && v + 3 == end),
			  "%.*s", (int)(end - l), l);
		l = end + 1;
	}
	cr_assert_eq(*l, '\0');
	/* 256 MiB of RAM and a 64 MiB page-table bank: 81,920 frames, less
	 * frame 0 and the hole's 96, the 6 kernel pages and the zero frame */
	has(text, "MemTotal:         327264 kB\n");
	has(text, "CommitLimit:      163632 kB\n");
	has(text, "KernelStack:          16 kB\n");
	has(text, "VmallocTotal:   34359738367 kB\n");
	has(text, "HardwareCorrupted:     0 kB\n");
	has(text, "HugePages_Total:       0\n");
	has(text, "Hugepagesize:       2048 kB\n");
	has(text, "DirectMap4k:        2048 kB\nDirectMap2M:      325632 kB\n");
	has(text, "Active:                0 kB\n");
	has(text, "SwapTotal:             0 kB\n");
	long long total = number_after(text, "MemTotal:");
	long long free = number_after(text, "MemFree:");
	cr_assert(free > 0 && free < total);
	cr_assert_eq(number_after(text, "MemAvailable:"), free);
	cr_assert_gt(number_after(text, "AnonPages:"), 0);
	cr_assert_gt(number_after(text, "PageTables:"), 0);
	cr_assert_eq(number_after(text, "Inactive:"),
		     number_after(text, "Inactive(anon):") +
			     number_after(text, "Inactive(file):"));
	guest_close(&g);
}

/* /proc/1/... is /proc/self/...: the guest is pid 1.  Read one after the
 * other with nothing touched between, they are the same text. */
Test(proc, pid_1_is_self)
{
	static const char *const files[] = {
		"maps",	   "smaps",   "smaps_rollup", "status",	   "statm",
		"cmdline", "environ", "auxv",	      "mountinfo",
	};
	const char *paths[2 * 9 + 1];
	static char names[2 * 9][64];
	for (int i = 0; i < 9; i++) {
		snprintf(names[2 * i], 64, "/proc/self/%s", files[i]);
		snprintf(names[2 * i + 1], 64, "/proc/1/%s", files[i]);
		paths[2 * i] = names[2 * i];
		paths[2 * i + 1] = names[2 * i + 1];
	}
	paths[18] = NULL;
	const char *out = cat("65536", paths);
	static char self[OUT_MAX];
	for (int i = 0; i < 9; i++) {
		snprintf(self, sizeof(self), "%s", section(out, names[2 * i]));
		cr_assert_gt(strlen(self), 0, "%s is empty", names[2 * i]);
		cr_assert_str_eq(section(out, names[2 * i + 1]), self, "%s",
				 files[i]);
	}
	/* auxv: AT_PAGESZ (6) is 4096, and it ends with the AT_NULL pair */
	const char *auxv = section(out, "/proc/self/auxv");
	has(auxv, "\\x06\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
		  "\\x00\\x10\\x00\\x00\\x00\\x00\\x00\\x00");
	const char *tail = auxv + strlen(auxv) - 1 - 16 * 4;
	cr_assert_str_eq(tail, "\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
			       "\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\n");
	guest_close(&g);
}

/* Reads of 1 byte and of 64 KiB see the same text. */
Test(proc, any_read_size_sees_one_text)
{
	const char *paths[] = {"/proc/self/smaps", "/proc/self/status",
			       "/proc/meminfo", NULL};
	static char whole[3][OUT_MAX];
	const char *out = cat("65536", paths);
	for (int i = 0; i < 3; i++)
		snprintf(whole[i], OUT_MAX, "%s", section(out, paths[i]));
	guest_close(&g);
	out = cat("1", paths);
	for (int i = 0; i < 3; i++)
		cr_assert_str_eq(section(out, paths[i]), whole[i], "%s",
				 paths[i]);
	guest_close(&g);
}

/* smaps_rollup is the sum of the smaps blocks, under one header that
 * spans the first VMA to the last (not the vsyscall page). */
Test(proc, smaps_rollup_sums_smaps)
{
	const char *paths[] = {"/proc/self/smaps", "/proc/self/smaps_rollup",
			       "/proc/self/maps", NULL};
	const char *out = cat("65536", paths);
	static char smaps[OUT_MAX], rollup[8192], maps[8192];
	snprintf(smaps, sizeof(smaps), "%s", section(out, paths[0]));
	snprintf(rollup, sizeof(rollup), "%s", section(out, paths[1]));
	snprintf(maps, sizeof(maps), "%s", section(out, paths[2]));
	static const char *const summed[] = {
		"Rss:",		  "Shared_Clean:",  "Shared_Dirty:",
		"Private_Clean:", "Private_Dirty:", "Referenced:",
		"Anonymous:",	  "Locked:",
	};
	for (size_t i = 0; i < sizeof(summed) / sizeof(summed[0]); i++) {
		long long sum = 0;
		char key[32];
		snprintf(key, sizeof(key), "\n%s", summed[i]);
		for (const char *at = smaps; (at = strstr(at, key)); at++)
			sum += strtoll(at + strlen(key), NULL, 10);
		cr_assert_eq(number_after(rollup, key), sum, "%s", summed[i]);
	}
	/* the header: first start, last end before [vsyscall] */
	char *last = strstr(maps, "\nffffffffff600000");
	cr_assert_not_null(last);
	*last = '\0';
	char *prev = strrchr(maps, '\n');
	unsigned long long end = strtoull(strchr(prev, '-') + 1, NULL, 16);
	char head[128];
	int n = snprintf(head, sizeof(head),
			 "00400000-%08llx ---p 00000000 00:00 0 ", end);
	while (n < 72)
		head[n++] = ' ';
	snprintf(head + n, sizeof(head) - (size_t)n, " [rollup]\n");
	cr_assert(!strncmp(rollup, head, strlen(head)), "%s", rollup);
	has(rollup, "\nPss_Anon:");
	guest_close(&g);
}

/* With RAM in two NUMA domains, both nodes are allowed. */
Test(proc, mems_allowed_follow_numa)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	cfg.numa_nodes = 2;
	const char *args[] = {"65536", "/proc/self/status", NULL};
	guest_open_cfg(&g, &cfg, "proc_cat", args);
	finish_ok();
	const char *text = section(guest_stdout(&g), "/proc/self/status");
	has(text, ",00000003\nMems_allowed_list:\t0-1\n");
	guest_close(&g);
}
