/* The process as /proc shows it (Linux's task_struct and the exec-time
 * fields of mm_struct): what the drivers of devices/proc_*.c may read of
 * the process that emu/ runs.  emu/ owns it (emu/proc_task.c): it sets
 * the exec-time layout when it loads the program, notes the peaks at
 * every syscall, and brings the rest up to date through refresh(), which
 * a /proc file calls before it shows anything.
 */
#ifndef MEMU_DEVICES_PROC_TASK_H
#define MEMU_DEVICES_PROC_TASK_H

#include <stdbool.h>
#include <stdint.h>

struct dentry;
struct file;
struct mm;

#define PROC_AUXV_WORDS 64
#define PROC_COMM_LEN	16 /* TASK_COMM_LEN, the NUL included */
#define PROC_RLIMITS	16 /* RLIM_NLIMITS */

struct proc_task {
	void (*refresh)(struct proc_task *t);
	void *owner; /* emu/'s struct memu */

	/* identity (fixed but ppid, which reparenting changes); pid is the
	 * task's own id (the tid) */
	int pid, ppid, pgid, sid;
	char comm[PROC_COMM_LEN]; /* the program's basename, cut to 15 */
	const char *exe;	  /* the program's path */
	unsigned umask;
	unsigned max_fds;

	/* the task among others (refreshed) */
	int tgid;	  /* its process: the group leader's pid */
	unsigned threads; /* the process's tasks (Linux nr_threads) */
	char state;	  /* 'R' running, 'S' sleeping, 'D', 'Z' zombie */
	int exit_code;	  /* a zombie's wait status, else 0 */
	struct mm *mm;	  /* its address space, NULL for a zombie */

	/* descriptors and fs (refreshed): none for a zombie (Linux's
	 * exit_files, exit_fs) */
	struct file *const *fds; /* by number, NULL: closed */
	const bool *cloexec;
	unsigned nfds;		   /* entries of fds, 0 for a zombie */
	struct dentry *cwd, *root; /* NULL for a zombie */
	/* resource limits (refreshed), soft and hard, by RLIMIT_* */
	uint64_t rlim[PROC_RLIMITS][2];

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

	/* counters and times (refreshed): the process's, its reaped
	 * children's */
	uint64_t min_flt, maj_flt;
	uint64_t utime_ns, stime_ns;
	uint64_t cmin_flt, cmaj_flt, cutime_ns, cstime_ns;
	uint64_t nvcsw, nivcsw; /* the task's own context switches */
	/* the task's own faults and times (task/TID/stat) */
	uint64_t own_min_flt, own_maj_flt, own_utime_ns, own_stime_ns;
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

	/* the OOM killer (refreshed; emu/oom.c): oom_score_adj, and the
	 * write of it: 0 or -EINVAL */
	int oom_score_adj;
	uint64_t oom_score;
	int (*set_oom_score_adj)(struct proc_task *t, int adj);

	/* signalfd (signalfd.c) reads the task's own pending signals
	 * (emu/sigqueue.c), bit n - 1 for signal n: those pending for it,
	 * its own and its process's, now; and the next of mask, taken as
	 * rt_sigtimedwait takes it, its 128-byte siginfo into info: its
	 * number, or 0 with none pending. */
	uint64_t (*pending_signals)(struct proc_task *t);
	int (*dequeue_signal)(struct proc_task *t, uint64_t mask, void *info);
};

/* Linux's struct pid: what a /proc/PID entry and a file open on it hold
 * of a task, which may be reaped while they live.  emu/ makes one per
 * task and sets task to NULL when it frees the task; the last put frees
 * it (docs/processes.md, "/proc"). */
struct proc_pid {
	unsigned refs;
	struct proc_task *task; /* NULL once reaped */
};

/* devices/proc_pid.c */
struct proc_pid *proc_pid_alloc(struct proc_task *task); /* one ref */
struct proc_pid *proc_pid_get(struct proc_pid *pid);
void proc_pid_put(struct proc_pid *pid); /* NULL: nothing */
/* The task pid names, brought up to date (refresh); NULL once reaped. */
struct proc_task *proc_pid_task(struct proc_pid *pid);
/* The same for the task a /proc/PID file shows. */
struct proc_task *proc_file_task(struct file *f);

#endif
