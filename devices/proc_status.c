/* /proc/PID/status, stat and statm (and task/TID's), in Linux 6.1's
 * formats (proc_pid_status, do_task_stat, task_mem, task_statm), from
 * the task as emu/ keeps it (proc_task.h) and the address space as it
 * is when the file is read (proc_mm.h; docs/memory.md, "/proc").  A
 * zombie has no address space, descriptors or fs: status leaves out
 * Umask and the Vm lines, FDSize is 0, stat's and statm's memory fields
 * are 0; a reaped task reads ESRCH (docs/processes.md, "/proc").
 *
 * The machine they describe: one CPU, root with every
 * capability, in a session and process group of its own, with no
 * controlling terminal and no tracer, no seccomp; its CPU has the
 * speculative-execution bugs and none of their mitigations; a kernel
 * with CONFIG_NUMA (1024 nodes possible), CONFIG_CPUSETS, CONFIG_PID_NS,
 * CONFIG_SECCOMP_FILTER, hugetlb pages (none in use) and THP compiled in.
 */
#include <errno.h>
#include <string.h>

#include "../mmu/pagetable.h"
#include "fs.h"
#include "proc_mm.h"
#include "proc_text.h"

#define NSIG_WORDS    64
#define MAX_NUMNODES  1024
#define CAP_FULL_HIGH 0x000001ffU /* CAP_LAST_CAP 40: bits 32-40 */
#define CAP_FULL_LOW  0xffffffffU
#define USER_HZ	      100
#define PRIO_NORMAL   20
#define SIGCHLD_NR    17

/* The task shown, or NULL with the read's error set (ESRCH). */
static struct proc_task *task_of(struct proc_text *t, struct file *f)
{
	struct proc_task *task = proc_file_task(f);
	if (!task)
		t->err = -ESRCH;
	return task;
}

/* get_task_state's words. */
static const char *state_name(char state)
{
	switch (state) {
	case 'S':
		return "S (sleeping)";
	case 'D':
		return "D (disk sleep)";
	case 'Z':
		return "Z (zombie)";
	case 'T':
		return "T (stopped)";
	default:
		return "R (running)";
	}
}

/* Name: the comm, with \n and \ escaped (seq_escape_str). */
static void show_name(struct proc_text *t, const char *comm)
{
	text_puts(t, "Name:\t");
	for (const char *c = comm; *c; c++) {
		if (*c == '\n')
			text_puts(t, "\\n");
		else if (*c == '\\')
			text_puts(t, "\\\\");
		else
			text_put(t, c, 1);
	}
	text_puts(t, "\n");
}

/* render_sigset_t: 64 signals as 16 hex digits, signal 64 first. */
static void show_sigset(struct proc_text *t, const char *name, uint64_t set)
{
	text_printf(t, "%s%016llx\n", name, (unsigned long long)set);
}

/* A set, bit n for capability n: capset(2) may have dropped some. */
static void show_caps(struct proc_text *t, const char *name, uint64_t caps)
{
	text_printf(t, "%s%016llx\n", name, (unsigned long long)caps);
}

/* task_mem: the address space's sizes, in kB, 8 wide. */
static void show_task_mem(struct proc_text *t, struct mm *mm,
			  const struct proc_task *task)
{
	struct proc_vm vm;
	struct proc_rss rss;
	proc_vm_count(mm, &vm);
	proc_rss_count(mm, &rss);
	uint64_t total_rss = proc_rss_total(&rss);
	uint64_t hiwater_vm =
		vm.total > task->hiwater_vm ? vm.total : task->hiwater_vm;
	uint64_t hiwater_rss =
		total_rss > task->hiwater_rss ? total_rss : task->hiwater_rss;
	/* split executable areas between text and lib */
	uint64_t text =
		PAGE_ALIGN(task->end_code) - (task->start_code & PAGE_MASK);
	if (text > vm.exec << PAGE_SHIFT)
		text = vm.exec << PAGE_SHIFT;
	uint64_t lib = (vm.exec << PAGE_SHIFT) - text;
	const struct {
		const char *name;
		uint64_t kb;
	} lines[] = {
		{"VmPeak", hiwater_vm * 4},
		{"VmSize", vm.total * 4},
		{"VmLck", vm.locked * 4},
		{"VmPin", 0},
		{"VmHWM", hiwater_rss * 4},
		{"VmRSS", total_rss * 4},
		{"RssAnon", rss.anon * 4},
		{"RssFile", rss.file * 4},
		{"RssShmem", rss.shmem * 4},
		{"VmData", vm.data * 4},
		{"VmStk", vm.stack * 4},
		{"VmExe", text >> 10},
		{"VmLib", lib >> 10},
		{"VmPTE", pt_table_pages(mm) * 4},
		{"VmSwap", mm->swap_ents * 4},
		{"HugetlbPages", 0},
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		text_printf(t, "%s:\t%8llu kB\n", lines[i].name,
			    (unsigned long long)lines[i].kb);
}

/* %*pb of a bitmap of nbits: 32-bit chunks, highest first, commas
 * between; the first chunk as wide as its bits need. */
static void show_bitmap(struct proc_text *t, uint64_t bits, unsigned nbits)
{
	for (int chunk = (int)((nbits + 31) / 32) - 1; chunk >= 0; chunk--) {
		unsigned width = 8;
		if ((unsigned)chunk == (nbits - 1) / 32 && nbits % 32)
			width = (nbits % 32 + 3) / 4;
		uint32_t v = chunk < 2 ? (uint32_t)(bits >> (32 * chunk)) : 0;
		text_printf(t, "%0*x%s", (int)width, v, chunk ? "," : "");
	}
}

/* %*pbl: ranges, "0" or "0-3". */
static void show_bitmap_list(struct proc_text *t, unsigned n)
{
	if (n == 1)
		text_puts(t, "0");
	else
		text_printf(t, "0-%u", n - 1);
}

static void show_status(struct proc_text *t, struct file *f)
{
	struct proc_task *task = task_of(t, f);
	if (!task)
		return;
	struct mm *mm = task->mm;
	bool zombie = task->state == 'Z';
	show_name(t, task->comm);
	if (!zombie) /* exit_fs: no umask to show */
		text_printf(t, "Umask:\t%#04o\n", task->umask);
	text_printf(t, "State:\t%s\n", state_name(task->state));
	text_printf(t, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n", task->tgid,
		    task->pid, task->ppid);
	text_puts(t, "TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
	text_printf(t, "FDSize:\t%u\nGroups:\t \n", zombie ? 0 : task->max_fds);
	text_printf(t, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		    task->tgid, task->pid, task->pgid, task->sid);
	if (mm) {
		show_task_mem(t, mm, task);
		text_puts(t, "CoreDumping:\t0\nTHP_enabled:\t1\n");
	}
	text_printf(t, "Threads:\t%u\nSigQ:\t%llu/%llu\n", task->threads,
		    (unsigned long long)task->sig_queued,
		    (unsigned long long)task->rlim_sigpending);
	show_sigset(t, "SigPnd:\t", task->sig_private);
	show_sigset(t, "ShdPnd:\t", task->sig_shared);
	show_sigset(t, "SigBlk:\t", task->sig_blocked);
	show_sigset(t, "SigIgn:\t", task->sig_ignored);
	show_sigset(t, "SigCgt:\t", task->sig_caught);
	show_caps(t, "CapInh:\t", task->cap_inheritable);
	show_caps(t, "CapPrm:\t", task->cap_permitted);
	show_caps(t, "CapEff:\t", task->cap_effective);
	show_caps(t, "CapBnd:\t", (uint64_t)CAP_FULL_HIGH << 32 | CAP_FULL_LOW);
	show_caps(t, "CapAmb:\t", 0);
	text_puts(t, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
		     "Speculation_Store_Bypass:\tvulnerable\n"
		     "SpeculationIndirectBranch:\talways enabled\n");
	text_puts(t, "Cpus_allowed:\t");
	show_bitmap(t, 1, 1);
	text_puts(t, "\nCpus_allowed_list:\t");
	show_bitmap_list(t, 1);
	unsigned nodes = f->ctx->mmu->ram.nr_nodes;
	text_puts(t, "\nMems_allowed:\t");
	show_bitmap(t, (1ULL << nodes) - 1, MAX_NUMNODES);
	text_puts(t, "\nMems_allowed_list:\t");
	show_bitmap_list(t, nodes);
	text_printf(t,
		    "\nvoluntary_ctxt_switches:\t%llu\n"
		    "nonvoluntary_ctxt_switches:\t%llu\n",
		    (unsigned long long)task->nvcsw,
		    (unsigned long long)task->nivcsw);
}

/* do_task_stat: 52 fields on one line. */
static void show_stat(struct proc_text *t, struct file *f)
{
	struct proc_task *task = task_of(t, f);
	if (!task)
		return;
	struct mm *mm = task->mm;
	struct proc_vm vm = {0};
	struct proc_rss rss = {0};
	if (mm) {
		proc_vm_count(mm, &vm);
		proc_rss_count(mm, &rss);
	}
	/* what only a task with an address space shows */
	uint64_t code[3] = {0}, data[7] = {0};
	if (mm) {
		code[0] = task->start_code;
		code[1] = task->end_code;
		code[2] = task->start_stack;
		data[0] = task->start_data;
		data[1] = task->end_data;
		data[2] = mm->start_brk;
		data[3] = task->arg_start;
		data[4] = task->arg_end;
		data[5] = task->env_start;
		data[6] = task->env_end;
	}
	/* wchan: whether it sleeps (not shown for a process of threads) */
	bool sleeping = task->state == 'S' || task->state == 'D';
	bool wchan = sleeping && (task->pid != task->tgid || task->threads < 2);
	const uint64_t tick = 1000000000ULL / USER_HZ;
	const uint64_t low31 = 0x7fffffffULL;
	/* task/TID/stat: the thread's own faults and times; the children's
	 * are the process's either way */
	bool own = f->dentry && f->dentry->inode->proc_thread;
	uint64_t min_flt = own ? task->own_min_flt : task->min_flt;
	uint64_t maj_flt = own ? task->own_maj_flt : task->maj_flt;
	uint64_t utime = own ? task->own_utime_ns : task->utime_ns;
	uint64_t stime = own ? task->own_stime_ns : task->stime_ns;
	text_printf(t, "%d (%.64s) %c %d %d %d 0 -1 0", task->pid, task->comm,
		    task->state, task->ppid, task->pgid, task->sid);
	const unsigned long long fields[] = {
		min_flt,		   /* minflt */
		task->cmin_flt,		   /* cminflt */
		maj_flt,		   /* majflt */
		task->cmaj_flt,		   /* cmajflt */
		utime / tick,		   /* utime */
		stime / tick,		   /* stime */
		task->cutime_ns / tick,	   /* cutime */
		task->cstime_ns / tick,	   /* cstime */
		PRIO_NORMAL,		   /* priority */
		0,			   /* nice */
		task->threads,		   /* num_threads */
		0,			   /* itrealvalue */
		task->start_ns / tick,	   /* starttime */
		vm.total << PAGE_SHIFT,	   /* vsize */
		proc_rss_total(&rss),	   /* rss */
		task->rlim_rss,		   /* rsslim */
		code[0],		   /* startcode */
		code[1],		   /* endcode */
		code[2],		   /* startstack */
		0,			   /* kstkesp */
		0,			   /* kstkeip */
		task->sig_private & low31, /* signal: the thread's */
		task->sig_blocked & low31, /* blocked */
		task->sig_ignored & low31, /* sigignore */
		task->sig_caught & low31,  /* sigcatch */
		wchan,			   /* wchan: sleeping */
		0,			   /* nswap */
		0,			   /* cnswap */
		SIGCHLD_NR,		   /* exit_signal */
		0,			   /* processor */
		0,			   /* rt_priority */
		0,			   /* policy */
		0,			   /* delayacct_blkio_ticks */
		0,			   /* guest_time */
		0,			   /* cguest_time */
		data[0],		   /* start_data */
		data[1],		   /* end_data */
		data[2],		   /* start_brk */
		data[3],		   /* arg_start */
		data[4],		   /* arg_end */
		data[5],		   /* env_start */
		data[6],		   /* env_end */
		(unsigned)task->exit_code, /* exit_code */
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		text_printf(t, " %llu", fields[i]);
	text_puts(t, "\n");
}

/* task_statm: size resident shared text lib data dt, in pages. */
static void show_statm(struct proc_text *t, struct file *f)
{
	struct proc_task *task = task_of(t, f);
	if (!task)
		return;
	struct mm *mm = task->mm;
	if (!mm) {
		text_puts(t, "0 0 0 0 0 0 0\n");
		return;
	}
	struct proc_vm vm;
	struct proc_rss rss;
	proc_vm_count(mm, &vm);
	proc_rss_count(mm, &rss);
	uint64_t shared = rss.file + rss.shmem;
	uint64_t text =
		(PAGE_ALIGN(task->end_code) - (task->start_code & PAGE_MASK)) >>
		PAGE_SHIFT;
	text_printf(t, "%llu %llu %llu %llu 0 %llu 0\n",
		    (unsigned long long)vm.total,
		    (unsigned long long)(shared + rss.anon),
		    (unsigned long long)shared, (unsigned long long)text,
		    (unsigned long long)(vm.data + vm.stack));
}

PROC_TEXT_FOPS(status_fops, show_status);
PROC_TEXT_FOPS(stat_fops, show_stat);
PROC_TEXT_FOPS(statm_fops, show_statm);
PROC_PID_FILE(status, 0444, &status_fops);
PROC_PID_FILE(stat, 0444, &stat_fops);
PROC_PID_FILE(statm, 0444, &statm_fops);
