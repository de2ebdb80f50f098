/* The process as /proc shows it (Linux's task_struct and the exec-time
 * fields of mm_struct): what the drivers of devices/proc_*.c may read of
 * the process that emu/ runs.  emu/ owns it (emu/proc_task.c): it sets
 * the exec-time layout when it loads the program, notes the peaks at
 * every syscall, and brings the rest up to date through refresh(), which
 * a /proc file calls before it shows anything.
 */
#ifndef MEMU_DEVICES_PROC_TASK_H
#define MEMU_DEVICES_PROC_TASK_H

#include <stdint.h>

#define PROC_AUXV_WORDS 64
#define PROC_COMM_LEN	16 /* TASK_COMM_LEN, the NUL included */

struct proc_task {
	void (*refresh)(struct proc_task *t);
	void *owner; /* emu/'s struct memu */

	/* identity (fixed) */
	int pid, ppid, pgid, sid;
	char comm[PROC_COMM_LEN]; /* the program's basename, cut to 15 */
	const char *exe;	  /* the program's path */
	unsigned umask;
	unsigned max_fds;

	/* signals, bit n - 1 for signal n (refreshed) */
	uint64_t sig_private; /* pending for the thread (tkill) */
	uint64_t sig_shared;  /* pending for the process (kill, timers) */
	uint64_t sig_blocked;
	uint64_t sig_ignored; /* handler SIG_IGN */
	uint64_t sig_caught;  /* a handler */
	uint64_t sig_queued;  /* queued siginfos (SigQ) */
	uint64_t rlim_sigpending;
	uint64_t rlim_rss;
	/* capabilities, bit n for capability n (refreshed) */
	uint64_t cap_inheritable, cap_permitted, cap_effective;

	/* counters and times (refreshed) */
	uint64_t min_flt, maj_flt;
	uint64_t utime_ns, stime_ns;
	uint64_t start_ns; /* since boot */

	/* exec's layout (Linux mm->start_code ... env_end) */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	/* the auxiliary vector exec put on the stack, AT_NULL included
	 * (Linux mm->saved_auxv) */
	uint64_t auxv[PROC_AUXV_WORDS];
	unsigned auxv_words;

	/* peaks in pages (Linux mm->hiwater_vm, hiwater_rss): noted before
	 * every syscall, as Linux notes them before memory is unmapped */
	uint64_t hiwater_vm, hiwater_rss;
};

#endif
