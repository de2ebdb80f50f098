/* The machine: one emulated PC running the guest's processes, one at a
 * time (docs/processes.md).  Internal to
 * memu; the public face is include/memu.h. */
#ifndef MEMU_EMU_MACHINE_H
#define MEMU_EMU_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include "../devices/device.h"
#include "../devices/fs.h"
#include "../devices/proc_task.h"
#include "../include/memu.h"
#include "../mmu/fault.h"
#include "../mmu/mm.h"
#include "../mmu/mmu.h"
#include "../mmu/pagetable.h"
#include "capability.h"
#include "clock.h"
#include "inject.h"
#include "latch.h"
#include "trace.h"

/* The kernel half: entry stub, GDT and kernel stack, supervisor-only. */
#define KERNEL_BASE	 0xffffffff80000000ULL
#define KERNEL_PAGES	 6
#define KERNEL_TEXT	 KERNEL_BASE
#define KERNEL_GDT	 (KERNEL_BASE + 1 * PAGE_SIZE)
#define KERNEL_STACK_TOP (KERNEL_BASE + KERNEL_PAGES * PAGE_SIZE)
/* uc_emu_start's "until" address: 0, which no user mapping may hold
 * (MMAP_MIN_ADDR).  A run that starts at 0 stops at once; memu treats it
 * as the fetch fault a jump to 0 is. */
#define RUN_UNTIL 0ULL
/* Two I/O pages at the top of physical space for fault_addr.c: the
 * faulting page's probe and the sink for every other data page. */
#define PROBE_PA (PHYS_ADDR_END - 2 * PAGE_SIZE)
/* I/O regions of the physical map (bus.c). */
#define BUS_WINDOWS (2 * IOMEM_MAX + 2)

#define USER_CS 0x33
#define USER_SS 0x2b

#define PROC_FDS  64
#define GUEST_PID 1 /* init: the program memu runs */
#define PID_MAX	  32768

/* Signals, as x86-64 Linux lays them out (docs/signals.md). */
#define GUEST_SIG_DFL	    0
#define GUEST_SIG_IGN	    1
#define GUEST_SA_SIGINFO    0x00000004ULL
#define GUEST_SA_ONSTACK    0x08000000ULL
#define GUEST_SA_RESTART    0x10000000ULL
#define GUEST_SA_NODEFER    0x40000000ULL
#define GUEST_SA_RESETHAND  0x80000000ULL
#define GUEST_SA_RESTORER   0x04000000ULL
#define GUEST_SS_ONSTACK    1
#define GUEST_SS_DISABLE    2
#define GUEST_SS_AUTODISARM (1U << 31)
#define GUEST_MINSIGSTKSZ   2048
#define SIGBIT(sig)	    (1ULL << ((sig)-1))
#define GUEST_UNBLOCKABLE   (SIGBIT(9) | SIGBIT(19)) /* SIGKILL, SIGSTOP */

/* The kernel's struct sigaction for rt_sigaction. */
struct guest_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* siginfo_t: 128 bytes; the fields memu fills.  Linux keeps the first
 * 48 (its kernel_siginfo) and gives back zeros after them. */
struct guest_siginfo {
	int32_t signo, errno_, code, pad;
	union {
		uint64_t addr; /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
		struct {
			int32_t pid;
			uint32_t uid;
		} kill; /* SI_USER, SI_TKILL */
		struct {
			uint64_t addr;
			int16_t addr_lsb; /* BUS_MCEERR_AR/AO: 12 */
		} mce;
		uint8_t fields[32];
	} u;
	uint8_t rest[80];
};
#define KERNEL_SIGINFO_SIZE 48

/* A pending signal's queued siginfo (Linux struct sigqueue). */
struct sigqueue {
	struct sigqueue *next;
	struct guest_siginfo info;
};

/* Pending signals (Linux struct sigpending): which are pending, and the
 * queued siginfo of each instance, oldest first, by signal number. */
struct sigpending {
	uint64_t signal;
	struct sigqueue *head[65], *tail[65];
};

/* Where restart_syscall carries on (Linux struct restart_block). */
enum restart_fn {
	RESTART_NONE, /* do_no_restart_syscall: EINTR */
	RESTART_NANOSLEEP,
	RESTART_FUTEX_WAIT,
	RESTART_POLL, /* uaddr the pollfds, val their count */
};

struct restart_block {
	enum restart_fn fn;
	uint64_t expires; /* virtual clock ns: the sleep's end, the timeout */
	uint64_t rmtp;	  /* nanosleep: where the time left goes, 0: none */
	uint64_t uaddr;	  /* futex */
	uint32_t val, bitset;
	bool timeout; /* futex: expires is set */
	bool shared;  /* futex: keyed by its object, not the mm */
};

/* The kernel's restart codes: a syscall's result never seen by the guest
 * (docs/signals.md, "Interrupted system calls"). */
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516
#define NR_RESTART_SYSCALL    219

/* What the CPU adds to a frame for a fault (sigcontext err, trapno,
 * cr2). */
struct sigframe_regs {
	uint64_t err, trapno, cr2;
};

/* A task's state for the scheduler (docs/processes.md). */
enum task_state {
	TASK_RUNNING, /* runnable, or the current task */
	TASK_BLOCKED, /* waits: for a signal, a child, a pipe, the clock */
	TASK_ZOMBIE,  /* exited, not yet reaped */
};

/* What getrusage counts (rusage.c): faults and virtual-clock time, and
 * the peak RSS in pages. */
struct task_usage {
	uint64_t min_flt, maj_flt, utime_ns, stime_ns, maxrss;
	uint64_t nvcsw, nivcsw; /* context switches: blocked, preempted */
};

/* What the threads of a process share (Linux files_struct,
 * sighand_struct, signal_struct; docs/processes.md, "Threads"). */
struct files_struct {
	unsigned refs;
	struct file *fds[PROC_FDS]; /* open files by descriptor, NULL: closed */
	bool cloexec[PROC_FDS];	    /* FD_CLOEXEC, by descriptor */
};

struct sighand_struct {
	unsigned refs;
	struct guest_sigaction action[65]; /* by signal number */
};

struct signal_struct {
	unsigned refs;
	/* Sent to the process (kill, sigqueue, timers), not delivered. */
	struct sigpending shared_pending;
	/* Queued siginfos of the process's threads, against
	 * RLIMIT_SIGPENDING (docs/signals.md, "Queued signals"). */
	uint64_t sigqueued;
	uint64_t rlim_sigpending[2]; /* soft, hard */
	uint64_t rlim_memlock[2];    /* soft, hard (capability.c) */
	/* The other resource limits, soft and hard, by RLIMIT_*: kept and
	 * shown (getrlimit, /proc/PID/limits), not enforced but
	 * RLIMIT_STACK's soft one (mm->stack_rlimit too); RLIMIT_NOFILE is
	 * PROC_FDS always (sys_proc.c). */
	uint64_t rlim[PROC_RLIMITS][2];
	/* ITIMER_REAL (alarm, setitimer) on the virtual clock: expires at
	 * clock ns `expires` (0: not armed), then every `interval` ns. */
	struct {
		uint64_t expires, interval;
	} itimer;
	/* exit_group (or a fatal signal) under way: the status every
	 * thread exits with (Linux SIGNAL_GROUP_EXIT). */
	bool group_exit;
	int group_exit_code;
	/* Job control (job_control.c): stopped by stop_code (Linux
	 * SIGNAL_STOP_STOPPED and group_exit_code, 0 once reported), or
	 * continued and not yet reported (SIGNAL_STOP_CONTINUED). */
	bool stopped, continued;
	int stop_code;
	/* The OOM killer (oom.c): /proc/PID/oom_score_adj; chosen, the
	 * process dies of SIGKILL when it next runs, with these words. */
	int oom_score_adj;
	bool oom_victim;
	char oom_reason[160];
	/* getrusage (rusage.c): the threads that have gone, and the
	 * children reaped with wait (Linux signal_struct's min_flt, cmin_flt,
	 * ...). */
	struct task_usage dead, children;
};

/* A futex word's key (Linux get_futex_key, emu/futex.c): its address
 * space and address, or the shared object it lies in and its offset
 * there. */
struct futex_key {
	const void *obj;
	uint64_t off;
};

/* A guest task (Linux task_struct): a process's thread. */
struct process {
	struct mm *mm;	/* NULL once exited */
	uint64_t entry; /* first user instruction */
	uint64_t initial_rsp;
	uint64_t tid_address;
	uint64_t sigmask; /* blocked signals */
	/* Sent to this thread (tkill, tgkill, its own faults), not
	 * delivered; the process's set is signal->shared_pending. */
	struct sigpending pending;
	/* rt_sigtimedwait's caller mask while it waits with the set it
	 * waits for unblocked (Linux real_blocked): such signals are
	 * blocked, so never dropped as ignored. */
	uint64_t real_blocked;
	/* rt_sigsuspend's caller mask, for the handler's frame (Linux
	 * set_restore_sigmask); restored after the call otherwise. */
	bool restore_mask;
	uint64_t saved_mask;
	struct restart_block restart;
	struct {
		uint64_t sp, size; /* size 0: none (SS_DISABLE) */
	} altstack;
	/* Shared by the threads of a process (docs/processes.md,
	 * "Threads"): the descriptor table, the signal actions, and the
	 * process-wide signal state; each reference-counted. */
	struct files_struct *files;
	struct sighand_struct *sighand;
	struct signal_struct *signal;
	struct process *group_leader; /* itself for a process's first task */
	uint64_t robust_list, robust_len; /* set_robust_list */
	/* Blocked in futex wait: the word's key and address and the
	 * bitset; futex_woken: a FUTEX_WAKE ended the wait; futex_pi: in
	 * FUTEX_LOCK_PI (futex_pi.c), woken as the new owner. */
	struct futex_key futex_key;
	uint64_t futex_uaddr;
	bool futex_pi;
	int futex_pi_owner; /* the tid it waits behind (Linux pi_state) */
	uint32_t futex_bitset;
	bool futex_waiting, futex_woken;
	uint64_t futex_seq;    /* the order waiters came in */
	uint64_t futex_until;  /* a timed wait's deadline, across retries */
	struct dentry *cwd;    /* the working directory */
	char *exe;	       /* path, for VMA names and reports */
	const char *comm;      /* basename */
	struct proc_task task; /* what /proc shows (proc_task.c) */
	/* Its /proc entries (proc_pid.c): the struct pid they hold,
	 * /proc/PID, its task/ (a leader's), /proc/TGID/task/TID. */
	struct proc_pid *pid_ref;
	struct dentry *proc_dir, *proc_task_dir, *proc_tid_dir;
	struct {
		bool valid;		  /* total is total_vm */
		uint64_t total;		  /* pages */
		uint64_t stack_grows;	  /* stack growths when counted */
		uint64_t inside, old_brk; /* around a call */
	} vm;		      /* total_vm for VmPeak, kept by proc_task.c */
	struct task_caps cap; /* capability.c */
	/* prctl(PR_MCE_KILL): Linux's PF_MCE_PROCESS and PF_MCE_EARLY */
	bool mce_process, mce_early;

	/* ---- the process among others (docs/processes.md) */
	struct process *parent; /* NULL for pid 1 */
	enum task_state state;
	const char *wait_what; /* blocked: the call, for a deadlock report */
	uint64_t wake_at;      /* blocked: clock ns that ends the wait, or 0 */
	uint64_t wake_mask;    /* blocked: the signals that end the wait */
	bool wait_child;       /* blocked in wait4/waitid: a child wakes it */
	bool wait_file;	       /* blocked on a pipe: its other end wakes it */
	bool woken;	       /* runs its blocked call again */
	int exit_code;	       /* zombie: the wait status (wait4's) */
	int exit_signal;       /* to the parent at exit: SIGCHLD, or 0 */
	int pdeath_signal;     /* PR_SET_PDEATHSIG */
	struct process *vfork_parent; /* waits until this one exits */
	bool vfork_wait;	      /* a vfork parent, waiting */
	uint64_t clear_child_tid;     /* CLONE_CHILD_CLEARTID */
	uc_context *ctx;	      /* CPU registers while not running */
	uint64_t run_blocks;	      /* blocks run in this time slice */
	/* COW faults taken while this process ran (docs/processes.md) */
	uint64_t cow_copies, cow_reuses;
	struct task_usage usage; /* this thread's (rusage.c) */
	uint64_t syscall_nr;	 /* the call it is in (or was last) */
	uint64_t retry_until; /* rt_sigtimedwait's end, kept across a retry */
	uint64_t rw_done; /* a pipe write's bytes written before it blocked */
	/* gdb (docs/gdb.md, "Fork, vfork, exec and exit"): gdb let go of
	 * this task's process, or never had it (a detached process's
	 * child); a vfork gdb heard of, whose end (vforkdone) it hears of
	 * when the parent runs again; held: gdb resumed other processes
	 * only, this one stays stopped (not runnable, sched.c). */
	bool gdb_detached, gdb_vforked, gdb_held;
};

/* A page fault that ends in a signal, from the TLB-fill hook to the run
 * loop (tlb_miss.c). */
struct pending_fault {
	bool set;
	bool noncanonical; /* #GP (or #SS), not a page fault */
	uint64_t page;
	enum pt_access access;
	uint32_t error; /* the #PF error code */
	struct fault_outcome out;
};

struct bus_window {
	struct memu *m;
	uint64_t base; /* physical address of the region's first byte */
};

/* What --report's timeline keeps of one event (report_html.c). */
struct report_mark {
	uint64_t seq; /* the event's number */
	uint8_t row;  /* enum fault_kind, or FAULT_KINDS: a TLB flush */
};

struct html_report {
	bool on;
	uint64_t seq; /* events so far, TLB fills left out */
	uint64_t rows[FAULT_KINDS + 1];
	struct report_mark *marks;
	size_t n, cap;
	uint64_t dropped; /* marks past the cap */
};

struct memu {
	struct memu_config cfg;
	uc_engine *uc;
	struct mmu mmu;
	struct device_context devices;
	struct fs fs;
	struct process *proc; /* the current task (Linux current) */
	/* The task table (docs/processes.md): live tasks and zombies in
	 * the order they were made, which is the round robin's order. */
	struct process **tasks;
	unsigned ntasks, tasks_cap;
	int last_pid;	    /* the last pid given out */
	bool resched;	    /* a hook asked the run loop to switch tasks */
	bool preempt_on;    /* the time-slice hook is installed (sched.c) */
	bool preempt_setup; /* install it with the CPU stopped */
	bool stop_task;	    /* stop: only the current task ended */
	uint64_t switches;  /* context switches */
	uint64_t futex_seq; /* futex waiters so far (futex.c) */
	/* --sched-seed: the order and slices of the scheduler (sched.c) */
	struct rng sched_rng;
	uint64_t slice_blocks; /* this slice's length */
	uint64_t forks;	      /* fork, vfork and clone calls that made a task */
	uint64_t cow_base[2]; /* FAULT_COW, FAULT_WP_REUSE at the last switch */
	/* minflt, majflt and the clock at the last switch (rusage.c) */
	uint64_t usage_base[4];
	/* Each task's COW counts once it is reaped (--stats). */
	struct task_record {
		int pid;
		uint64_t cow_copies, cow_reuses;
	} * records;
	unsigned nrecords, records_cap;
	struct latch latch;
	struct vclock clock;
	struct rng rng;
	uint64_t kernel_pfn; /* first of KERNEL_PAGES frames */
	bool loaded;
	bool started;	   /* the iretq into user mode has happened */
	bool stop;	   /* a hook asked the run loop to return */
	bool insn_invalid; /* Unicorn could not decode an instruction */
	bool cpl3;	   /* the CPU has reached user mode (tlb_miss.c) */
	bool gp_pending;   /* an in/out the CPU ran but x86 refuses (#GP) */
	uint64_t gp_rip;
	struct pending_fault fault;
	struct {
		bool active;
		uint64_t page;
		int64_t offset; /* first byte touched in page, -1: none */
		uint64_t sink;	/* accesses to the sink page so far */
		uc_context *saved;
	} probe; /* fault_addr.c */
	struct bus_window windows[BUS_WINDOWS];
	unsigned nr_windows;
	struct memu_result result;
	char **envp;	      /* owned copy of cfg.envp */
	struct icount icount; /* while tracing (icount.c) */
	struct trace trace;
	struct html_report report; /* --report (report_html.c) */
	void *policy_module;	   /* --reclaim PATH.so (reclaim_module.c) */
	struct injector inject;	   /* --inject (inject.c) */
	/* vm.memory_failure_early_kill (docs/inject.md) */
	bool memory_failure_early_kill;
	/* A signal was sent while the guest was stopped (an early kill from
	 * memu_poison_pfn): deliver it as the run resumes. */
	bool signal_on_resume;
	struct gdbstub *gdb; /* memu run --gdb (gdbstub.c), NULL: none */
	/* execve succeeded: the syscall returns to this new entry point
	 * with RCX and R11 zero (exec.c), or 0. */
	uint64_t exec_entry;
};

/* sched.c: the task table and the scheduler (docs/processes.md). */
/* Time slice: user-mode translated blocks run before the CPU passes to
 * the next runnable task (only while more than one can run). */
#define SCHED_SLICE_BLOCKS 20000
/* What a slice adds to the virtual clock (docs/processes.md). */
#define SCHED_SLICE_NS 100000
struct process *task_alloc(struct memu *m);
void task_free(struct memu *m, struct process *p);
struct process *find_task(struct memu *m, int pid);
/* Make p the current task: the CPU's registers, CR3 and TLB. */
void switch_to(struct memu *m, struct process *p);
/* Pick the next task to run after the current one blocked, exited or
 * used its slice; false when none can run: the machine has stopped
 * (a deadlock, or pid 1 gone). */
bool schedule(struct memu *m);
/* The current task waits (its call runs again when woken): until a
 * signal comes, or the clock reads wake_at (0: no time limit). */
void block_current(struct memu *m, const char *what, uint64_t wake_at);
void wake_task(struct process *p);
/* Wake p if it is blocked and a signal it takes is pending. */
void signal_wake(struct process *p);
/* Wake every task blocked on files (pipes): something moved. */
void wake_file_waiters(struct memu *m);
/* More than one task is alive: waits block instead of ending. */
bool sched_multi(const struct memu *m);
/* Set the CPU up for time slices (the first fork). */
void sched_preempt_start(struct memu *m);
/* Fold the COW counters of the time slice into the current task. */
void sched_account(struct memu *m);

/* oom.c: the OOM killer's choice (docs/reclaim.md). */
#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000
void oom_init(struct memu *m);
void oom_task_init(struct proc_task *t);
/* /proc/PID/oom_score of task t's process (0 for one never chosen). */
uint64_t oom_score(struct memu *m, const struct process *t);
/* The current task's process was chosen: it dies now (true). */
bool oom_victim_dies(struct memu *m);

/* job_control.c: stop and continue (docs/processes.md, "Job
 * control"). */
bool sig_kernel_stop(int sig);
/* p's process is stopped, and no SIGKILL is there to end it. */
bool task_stopped(const struct process *p);
/* The current task took stop signal sig with its default action: its
 * process stops (true), or not in an orphaned group (false). */
bool do_signal_stop(struct memu *m, int sig);
/* Linux prepare_signal's job control for a signal sent to m->proc. */
void job_control_prepare(struct memu *m, int sig);

/* rusage.c: getrusage's counts (docs/processes.md, "Resource usage"). */
/* Fold the counters since the last switch into the current task. */
void usage_account(struct memu *m);
/* The same for task t instead (a write the kernel makes for it). */
void usage_account_to(struct memu *m, struct process *t);
/* The clock jumped with nobody running: nobody's time. */
void usage_idle(struct memu *m);
/* The only task sleeps (the clock jumps, nobody runs): its time so far
 * is counted, and one voluntary switch. */
void usage_sleep(struct memu *m);
/* prev leaves the CPU: a voluntary or involuntary context switch. */
void usage_switch(struct memu *m, struct process *prev);
/* A task leaves the table: its counts go to its process's. */
void usage_task_gone(struct memu *m, struct process *t);
/* Child c is reaped by p's process: its counts go to p's children's. */
void usage_reap(struct memu *m, struct process *p, struct process *c);
/* wait4's and waitid's struct rusage (ru, 144 bytes) of zombie c
 * (RUSAGE_BOTH). */
#define GUEST_RUSAGE_SIZE 144
void usage_child(struct memu *m, struct process *c, void *ru);
/* A SIGCHLD's si_utime and si_stime for p's process: its threads' and
 * those gone, up to now, in clock ticks (USER_HZ 100). */
void usage_sigchld(struct memu *m, struct process *p,
		   struct guest_siginfo *info);
/* The current task's process ends: its peak RSS is kept. */
void usage_exit(struct memu *m);
/* /proc's counters of p's process (proc_task.c). */
void usage_refresh(struct memu *m, struct process *p, struct proc_task *t);

/* thread.c: what threads share, their exit (docs/processes.md,
 * "Threads"). */
int task_shared_alloc(struct process *p);
void task_shared_put(struct process *p);
/* c becomes a thread of p's process: p's mm, tables and leader. */
void thread_share(struct process *c, struct process *p);
bool same_thread_group(const struct process *a, const struct process *b);
/* Live threads of p's process other than p. */
unsigned thread_group_live(const struct memu *m, const struct process *p);
/* CLONE_CHILD_CLEARTID at exit: clear the word, wake one waiter. */
void mm_release(struct memu *m, struct process *p);
/* exit_group: the other threads of the current process end. */
void zap_other_threads(struct memu *m);
/* execve in a thread other than the leader: it becomes the leader. */
void de_thread(struct memu *m);
/* CLONE_FS: chdir and umask in one thread are every thread's (Linux's
 * shared fs_struct; fork copies it). */
void fs_set_cwd(struct memu *m, struct dentry *d);
void fs_set_umask(struct memu *m, unsigned umask);
/* A signal to process p: wake a thread of it that takes it. */
void complete_signal(struct memu *m, struct process *p, int sig);
/* The live task of p's process a signal to it is queued for, or NULL. */
struct process *signal_target(struct memu *m, struct process *p);
/* tkill, tgkill: sig to thread t's own pending set. */
int64_t send_sig_thread(struct memu *m, struct process *t, int sig);

/* futex.c */
#define FUTEX_BITSET_MATCH_ANY 0xffffffffU
/* Wake up to nr (at least one) waiters on the word at uaddr of mm (keyed
 * as shared or private) whose bitset meets bitset, first come first; how
 * many, or an errno. */
int futex_wake(struct memu *m, struct mm *mm, uint64_t uaddr, bool shared,
	       int nr, uint32_t bitset);
int64_t futex_wait(struct memu *m, uint64_t uaddr, bool shared, uint32_t val,
		   bool timeout, uint64_t until, uint32_t bitset);
/* robust_list.c: at a task's exit or exec, its robust futexes are marked
 * FUTEX_OWNER_DIED (Linux exit_robust_list), then its PI futexes passed
 * on (futex_pi.c). */
void futex_exit_release(struct memu *m, struct process *p);

/* fork.c, exit.c */
int64_t do_fork(struct memu *m, uint64_t flags, uint64_t child_stack,
		uint64_t ptid, uint64_t ctid, uint64_t tls);
/* The current task ends with wait status code: a zombie for its
 * parent, or the machine's end when it is pid 1. */
void do_exit(struct memu *m, int code);
/* Send sig to process p from the current one (SI_USER), or from the
 * kernel (SI_KERNEL, pid 0). */
int64_t send_sig_to(struct memu *m, struct process *p, int sig, int code);

/* files.c: the descriptor table */
/* The lowest free descriptor for f, which it now owns; -EMFILE (and f
 * released) when there is none. */
int fd_install(struct memu *m, struct file *f);
struct file *fd_file(struct memu *m, uint64_t fd);
int fd_close(struct memu *m, uint64_t fd);
/* fd_install, with O_CLOEXEC from flags as the descriptor's flag. */
int64_t fd_install_flags(struct memu *m, struct file *f, int flags);
int files_init(struct memu *m);
void files_close_all(struct memu *m);

/* cpu.c: set-up before the devices (kernel half, virtual-TLB mode), and
 * after them (the physical map, latch calibration, the other hooks). */
int cpu_init(struct memu *m, char *err, size_t errlen);
int cpu_start(struct memu *m, char *err, size_t errlen);
void cpu_prepare_user_entry(struct memu *m);

/* bus.c */
int bus_map(struct memu *m, char *err, size_t errlen);

/* tlb_miss.c */
bool tlb_miss(uc_engine *uc, uint64_t va, uc_mem_type type, uc_tlb_entry *e,
	      void *user);
void fault_deliver(struct memu *m);
/* The instruction fetch at va that Unicorn would not make (RUN_UNTIL). */
void fetch_fault(struct memu *m, uint64_t va);

/* vsyscall.c: a user fetch fault at addr; false if not the vsyscall page */
#define VSYSCALL_ADDR 0xffffffffff600000ULL
bool emulate_vsyscall(struct memu *m, uint64_t addr);

/* fault_addr.c */
int fault_probe_map(struct memu *m);
void fault_probe_unmap(struct memu *m);
bool fault_probe_fill(struct memu *m, uint64_t va, enum pt_access access,
		      uc_tlb_entry *e);
uint64_t fault_address(struct memu *m, uint64_t page, enum pt_access access);

/* exceptions.c, syscall.c */
void handle_exception(uc_engine *uc, uint32_t intno, void *user);
/* An instruction the CPU would not run (#UD). */
void invalid_opcode(struct memu *m);
/* End the guest as Linux does for CPU exception vector. */
void cpu_exception(struct memu *m, unsigned vector, uint32_t error_code);
void handle_syscall(uc_engine *uc, void *user);

/* signal.c: end the guest with a signal (its default action, now). */
void force_sig(struct memu *m, int sig, int code, uint64_t addr,
	       uint64_t error_code, const char *reason);
/* A synchronous fault's signal (Linux force_sig_fault): to the handler if
 * one takes it, else (blocked, ignored or default) the default action. */
void force_sig_fault(struct memu *m, int sig, int code, uint64_t addr,
		     const struct sigframe_regs *fr, const char *reason);
/* kill (to the process), tkill and tgkill (thread) to the guest itself:
 * SI_USER or SI_TKILL from the guest, or SI_KERNEL from memu (a timer).
 * Pending until delivered; -EAGAIN past RLIMIT_SIGPENDING. */
int64_t send_sig_self(struct memu *m, int sig, int code, bool thread);
/* Linux sig_handler_ignored: SIG_IGN, or SIG_DFL whose default is to
 * ignore. */
bool sig_handler_ignored(const struct memu *m, int sig);
/* On the way out of syscall nr (-1: rt_sigreturn), with its result in
 * RAX and RIP past the syscall instruction: fire an expired timer, run
 * the handler of every pending signal the guest takes (nested frames),
 * and apply the restart rules to an interrupted call (docs/signals.md,
 * "Interrupted system calls"). */
void signal_exit(struct memu *m, int64_t nr);
/* Wait on the virtual clock (instantly) until a signal the guest would
 * take is pending (true) or, with a timeout, until the clock reads
 * `until` (false).  Timers fire on the way.  With no timeout, nothing
 * pending and no timer that could bring a signal, the guest would wait
 * forever: the machine stops with that reason (and true). */
bool wait_interruptible(struct memu *m, bool timeout, uint64_t until);
/* The same, with the signals of set (a signalfd's mask) ending the wait
 * too when they come, blocked or not, as rt_sigtimedwait's set does
 * (one already pending does not); they stay blocked and pending after. */
bool wait_interruptible_set(struct memu *m, bool timeout, uint64_t until,
			    uint64_t set);
/* Send SIGALRM if ITIMER_REAL has expired on the virtual clock. */
void run_timers(struct memu *m);

/* sigqueue.c: the pending sets (docs/signals.md, "Queued signals").
 * At most SIGQUEUE_MAX siginfos are queued whatever RLIMIT_SIGPENDING
 * says (Linux out of memory for them: the same outcome as the limit). */
#define SIGQUEUE_MAX 65536
uint64_t rlimit_sigpending_default(uint64_t ram_bytes);
/* Linux 6.1's INIT_RLIMITS in a new machine's first process (sys_proc.c). */
void rlimits_init(struct memu *m, struct signal_struct *s);
/* Resource limit res of p (soft, hard), as getrlimit gives it. */
void task_rlimit(const struct memu *m, const struct process *p, unsigned res,
		 uint64_t out[2]);
/* Queue sig with info (its first 48 bytes) to the thread's set or the
 * process's (Linux __send_signal_locked): 0, or -EAGAIN. */
int send_signal(struct memu *m, int sig, const struct guest_siginfo *info,
		bool thread);
/* Take the next pending signal not in blocked: the thread's set first,
 * then the process's; 0 if none. */
int dequeue_signal(struct memu *m, uint64_t blocked,
		   struct guest_siginfo *info);
void flush_sigqueue_mask(struct memu *m, uint64_t mask);
uint64_t sigpending_set(const struct memu *m); /* both sets */
bool signal_pending(const struct memu *m);     /* pending and unblocked */
void sigqueue_release(struct memu *m);
/* The current thread's own set only (a thread exits, its process not). */
void sigqueue_release_thread(struct memu *m);
/* The task's pending sets as a signalfd reads them (devices/proc_task.h). */
void sigqueue_task_init(struct proc_task *t);
/* sigframe.c: build the handler's frame and registers, or undo it. */
int setup_rt_frame(struct memu *m, int sig, const struct guest_siginfo *info,
		   const struct sigframe_regs *fr);
int restore_rt_frame(struct memu *m);
void machine_exit(struct memu *m, int status);

/* memory_failure.c: hardware memory errors as the guest sees them
 * (docs/inject.md, "Primitives"). */
/* madvise(MADV_HWPOISON / MADV_SOFT_OFFLINE): Linux's
 * madvise_inject_error. */
int64_t madvise_inject_error(struct memu *m, uint64_t start, uint64_t len,
			     int advice);
/* prctl(PR_MCE_KILL) and prctl(PR_MCE_KILL_GET). */
int64_t prctl_mce_kill(struct memu *m, const uint64_t *a);
int64_t prctl_mce_kill_get(struct memu *m, const uint64_t *a);

/* sys_time.c, for the other calls that wait: a struct timespec from the
 * guest in ns (-EFAULT, -EINVAL as Linux), the clock d ns from now
 * (saturating), and restart_syscall's sleep (the rest of an interrupted
 * nanosleep). */
int get_timespec(struct memu *m, uint64_t uaddr, uint64_t *ns);
uint64_t vclock_after(const struct vclock *c, uint64_t d);
int64_t nanosleep_restart(struct memu *m);

/* report.c: a frame kind's name, as --stats prints it. */
const char *frame_kind_name(unsigned kind);
const char *fault_kind_name(unsigned kind);
/* --report's record of the run (report_html.c). */
void report_event(struct memu *m, const struct event *e);
void report_free(struct memu *m);
/* --reclaim PATH.so (reclaim_module.c): the module's policy wrapped as
 * memu's own, *handle for reclaim_module_free; NULL with err said. */
const struct reclaim_policy *
reclaim_module_load(const char *path, void **handle, char *err, size_t errlen);
void reclaim_module_free(void *handle);
/* Present user pages by effective memory type (pagetable_view.c). */
void pagetable_count_types(struct memu *m, uint64_t by_type[8]);
/* One address space's tree in xv6's vmprint format (pagetable_view.c). */
void pagetable_vmprint(struct mm *mm, FILE *out);

/* loader.c, stack.c */
struct exec_image {
	uint64_t entry;
	uint64_t phdr, phent, phnum;
	uint64_t load_bias;
	uint64_t brk;
	/* Linux's mm->start_code, end_code, start_data, end_data */
	uint64_t start_code, end_code, start_data, end_data;
};
int load_elf(struct memu *m, const char *path, struct exec_image *img,
	     char *err, size_t errlen);
/* The same from a program's bytes (a guest file: exec.c). */
int load_elf_memory(struct memu *m, const char *name, const uint8_t *bytes,
		    size_t size, struct exec_image *img, char *err,
		    size_t errlen);
/* exec's check before its point of no return: 0 for a static program
 * load_elf_memory can load, 1 for one with an interpreter (its path,
 * NUL-terminated, in interp), -1 for anything else (ENOEXEC). */
int elf_exec_check(const uint8_t *bytes, size_t size, char *interp,
		   size_t interp_size);
/* The initial stack: argv, envp, and execfn for AT_EXECFN. */
int build_stack(struct memu *m, const struct exec_image *img, int argc,
		const char *const *argv, const char *const *envp,
		const char *execfn, char *err, size_t errlen);

/* proc_task.c: the process as /proc shows it (devices/proc_task.h). */
void proc_task_init(struct memu *m);
/* exec's layout, once the program is loaded and its stack built. */
void proc_task_exec(struct memu *m, const struct exec_image *img);
/* proc_pid.c: /proc/PID of task p, made once its process is known (a
 * leader: /proc/PID; every task: /proc/TGID/task/TID); 0 or -ENOMEM.
 * unregister, as p is freed: the entries go, open files see it reaped. */
int proc_pid_register(struct memu *m, struct process *p);
void proc_pid_unregister(struct memu *m, struct process *p);
/* Around syscall nr: note the peaks (VmPeak, VmHWM) as Linux notes them
 * before memory is unmapped. */
void proc_task_before_call(struct memu *m, uint64_t nr, const uint64_t *a);
void proc_task_after_call(struct memu *m, uint64_t nr, const uint64_t *a,
			  int64_t ret);

#endif
