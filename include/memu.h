/* memu: a machine model that runs static x86-64 Linux programs on an
 * emulated PC (Unicorn), with real physical RAM, CPU-walked 4-level page
 * tables and anonymous demand paging.
 *
 * The machine is a library: the `memu` command and the tests both drive it
 * through this header.  A run is deterministic: the same program,
 * arguments, environment, seed and input give the same output, the same
 * statistics and the same frames, byte for byte.
 */
#ifndef MEMU_H
#define MEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MEMU_VERSION "0.1.0"

struct memu;

/* /dev/mem's policy: the kernel configuration the machine models. */
enum memu_devmem {
	MEMU_DEVMEM_STRICT,    /* CONFIG_STRICT_DEVMEM (default) */
	MEMU_DEVMEM_IO_STRICT, /* CONFIG_IO_STRICT_DEVMEM as well */
	MEMU_DEVMEM_OPEN,      /* neither, and no PAT: anything valid */
};

/* The CPU's MTRRs: enabled by firmware, left disabled, or absent. */
enum memu_mtrr {
	MEMU_MTRR_ON,
	MEMU_MTRR_DISABLED,
	MEMU_MTRR_OFF,
};

struct memu_config {
	uint64_t ram_bytes;	 /* default 256 MiB */
	enum memu_devmem devmem; /* default strict */
	enum memu_mtrr mtrr;	 /* default on */
	unsigned mtrr_var;	 /* variable ranges, default 8 */
	unsigned numa_nodes;	 /* NUMA domains RAM is split in, 1-8 */
	uint64_t seed;		 /* AT_RANDOM, getrandom(2) */
	int stdin_fd, stdout_fd, stderr_fd; /* host fds the guest's 0-2 use */
	const char *const *envp; /* guest environment; NULL = empty */
	/* Memory pressure (docs/reclaim.md): a swap device of swap_bytes
	 * (0: none) over a memfd, or the host file swap_path; the
	 * replacement policy by name ("lru", the default; "clock",
	 * "fifo"). */
	uint64_t swap_bytes;
	const char *swap_path;
	const char *reclaim_policy;
	/* --sched-seed: 0 runs tasks round robin; any other value permutes
	 * the scheduler's choices and slices reproducibly
	 * (docs/processes.md, "The scheduler"). */
	uint64_t sched_seed;
};

void memu_config_init(struct memu_config *cfg);

/* NULL on failure, with a one-line reason in err. */
struct memu *memu_new(const struct memu_config *cfg, char *err, size_t errlen);
void memu_free(struct memu *m);

/* Load a static x86-64 ELF and build its stack.  0, or -1 with a one-line
 * reason in err (not an ELF, wrong machine, dynamically linked, ...). */
/* Copy a host file (tree false: spec "HOST[:GUEST]") or directory tree
 * (tree true) into the guest's file system, before it runs
 * (docs/cli.md, --file and --dir).  0, or -1 with a message in err. */
int memu_import(struct memu *m, const char *spec, bool tree, char *err,
		size_t errlen);
int memu_load(struct memu *m, const char *path, int argc,
	      const char *const *argv, char *err, size_t errlen);

enum memu_stop {
	MEMU_STOP_EXIT,	  /* exit_group: exit_status */
	MEMU_STOP_SIGNAL, /* killed: signal, si_code, addr, reason */
	MEMU_STOP_PROBE,  /* the guest called memu_probe(tag): run again */
	MEMU_STOP_ERROR,  /* the machine failed (reason) */
	MEMU_STOP_LIMIT,  /* memu_insn_limit: that many instructions ran */
	MEMU_STOP_PAUSE,  /* memu_pause_at: run again to go on */
	/* every guest process blocked, nothing to wake one (reason) */
	MEMU_STOP_DEADLOCK,
};

struct memu_result {
	enum memu_stop stop;
	int exit_status;
	int signal;
	int si_code;
	uint64_t fault_addr, rip, rsp;
	uint64_t error_code;
	const char *reason;
	uint64_t probe_tag;
};

/* Run the guest until it exits, is killed, or calls memu_probe(). */
int memu_run(struct memu *m, struct memu_result *r);

/* The shell-style exit status of a finished run (status, or 128+signal;
 * 70 for a machine error, 124 for the instruction limit). */
int memu_exit_code(const struct memu_result *r);
/* One line like a kernel's segfault report, for a killed guest. */
void memu_print_death(struct memu *m, const struct memu_result *r, FILE *out);

/* ---- statistics */

enum memu_fault_kind {
	MEMU_FAULT_ANON,
	MEMU_FAULT_ZERO,
	MEMU_FAULT_COW,
	MEMU_FAULT_WP_REUSE,
	MEMU_FAULT_SHARED,
	MEMU_FAULT_DEVICE,
	MEMU_FAULT_FILE_READ,
	MEMU_FAULT_FILE_WRITE,
	MEMU_FAULT_FILE_COW,
	MEMU_FAULT_STACK_GROW,
	MEMU_FAULT_SEGV,
	MEMU_FAULT_SWAP, /* major: read back from swap */
	MEMU_FAULT_KINDS
};

enum memu_frame_kind {
	MEMU_FRAME_FREE,
	MEMU_FRAME_RESERVED,
	MEMU_FRAME_KERNEL,
	MEMU_FRAME_ZERO,
	MEMU_FRAME_FILE,
	MEMU_FRAME_ANON,
	MEMU_FRAME_PAGETABLE,
	MEMU_FRAME_SHARED,
	MEMU_FRAME_DRIVER,
	MEMU_FRAME_PAGECACHE,
	MEMU_FRAME_KINDS
};

struct memu_stats {
	uint64_t faults[MEMU_FAULT_KINDS];
	uint64_t minor_faults; /* what getrusage reports */
	uint64_t frames_now[MEMU_FRAME_KINDS];
	uint64_t frames_peak[MEMU_FRAME_KINDS];
	uint64_t frames_alloc[MEMU_FRAME_KINDS];
	uint64_t pte_writes;
	uint64_t tlb_flushes;
	uint64_t syscalls;
	uint64_t syscalls_enosys;
	uint64_t signals; /* delivered: to a handler, or fatal */
	/* injected faults that fired (docs/inject.md) */
	uint64_t alloc_failures; /* frame allocations failed */
	uint64_t hwpoisoned;	 /* frames poisoned (HardwareCorrupted) */
	uint64_t soft_offlined;	 /* of them, by soft offline */
	uint64_t bit_flips;	 /* physical and page-table bits */
	uint64_t tlb_flushes_lost;
	/* memory pressure (docs/reclaim.md) */
	uint64_t major_faults;	  /* ru_majflt: pages read back from swap */
	uint64_t pages_scanned;	  /* pgscan: frames the policy examined */
	uint64_t pages_reclaimed; /* pgsteal */
	uint64_t swapped_out;	  /* pswpout */
	uint64_t swapped_in;	  /* pswpin */
	uint64_t oom_kills;
	/* guest processes (docs/processes.md) */
	uint64_t forks;		   /* processes fork, vfork and clone made */
	uint64_t context_switches; /* the CPU passed from one to another */
};

void memu_get_stats(struct memu *m, struct memu_stats *s);
/* Syscalls made with number nr (and how many of them got ENOSYS). */
uint64_t memu_syscall_count(struct memu *m, unsigned nr, uint64_t *enosys);
void memu_print_stats(struct memu *m, FILE *out);
const char *memu_syscall_name(unsigned nr);

/* ---- the event trace (docs/trace.md) */

#define MEMU_TRACE_VERSION 1

enum memu_trace_format {
	MEMU_TRACE_JSONL,  /* JSON Lines, one object per event */
	MEMU_TRACE_CHROME, /* Chrome/Perfetto trace-event JSON */
};

/* Event kinds, for the filter. */
enum {
	MEMU_TRACE_FAULT = 1 << 0,
	MEMU_TRACE_PTE = 1 << 1,
	MEMU_TRACE_FRAME = 1 << 2,
	MEMU_TRACE_TLB = 1 << 3,
	MEMU_TRACE_SYSCALL = 1 << 4,
	MEMU_TRACE_SIGNAL = 1 << 5,
	MEMU_TRACE_INJECT = 1 << 6,
	MEMU_TRACE_ALL = (1 << 7) - 1,
};

/* "fault,pte,...": the kinds' mask in *mask; 0, or -1 with the name at
 * fault (or "" for an empty one) in bad. */
int memu_trace_events(const char *list, unsigned *mask, char *bad,
		      size_t badlen);
/* Write the trace of the run to out (the caller's, left open): the events
 * in mask from the guest's first instruction on, each with the guest's
 * instruction count and RIP.  Call before memu_load.  0, or -1 with a
 * reason in err. */
int memu_trace(struct memu *m, FILE *out, unsigned mask,
	       enum memu_trace_format format, char *err, size_t errlen);
/* End the trace (a Chrome trace's closing brackets) and flush it; no
 * event is written after.  0, or -1 if writing failed.  memu_free ends
 * it too. */
int memu_trace_end(struct memu *m);
/* Instructions the guest has retired, counted while a trace is on or
 * memu_count_instructions() asked for them (0 otherwise). */
uint64_t memu_instructions(struct memu *m);
/* Count the guest's instructions without a trace (a code hook on every
 * instruction: the guest runs several times slower).  Before memu_load;
 * 0, or -1 if the hook cannot be installed. */
int memu_count_instructions(struct memu *m);
/* Stop the guest for good once it has retired n instructions (before
 * the next starts): memu_run returns MEMU_STOP_LIMIT, exit status 124
 * (docs/campaigns.md, "hang").  Needs the counter on; 0, or -1. */
int memu_insn_limit(struct memu *m, uint64_t n);
/* Stop the guest once it has retired n instructions, before the next
 * starts: memu_run returns MEMU_STOP_PAUSE, and runs on when called
 * again (a campaign forks the machine there).  n not below the count
 * so far; needs the counter on; 0, or -1. */
int memu_pause_at(struct memu *m, uint64_t n);

/* ---- inspection (tests, coursework) */

enum memu_memtype {
	MEMU_MT_UC = 0,
	MEMU_MT_WC = 1,
	MEMU_MT_WT = 4,
	MEMU_MT_WP = 5,
	MEMU_MT_WB = 6,
	MEMU_MT_UC_MINUS = 7,
};

struct memu_pte {
	bool table; /* a page table holds an entry slot for va */
	bool present, writable, user, accessed, dirty, pcd, pwt;
	bool special;  /* zero frame or PFN map */
	bool protnone; /* frame kept, access revoked */
	uint64_t pfn;
	uint64_t raw;
	/* memory types of a present entry: the MTRR type of its frame, the
	 * PAT entry its PAT/PCD/PWT bits select, and the two combined */
	enum memu_memtype mtrr_type, pat_type, memtype;
};

/* The leaf PTE that maps va in the guest's page tables. */
void memu_pte(struct memu *m, uint64_t va, struct memu_pte *out);
uint64_t memu_zero_pfn(struct memu *m);
uint64_t memu_cr3(struct memu *m);
enum memu_frame_kind memu_frame_kind(struct memu *m, uint64_t pfn);

struct memu_rmap {
	uint64_t va; /* a virtual page mapping the frame */
	uint64_t vma_start, vma_end;
	uint64_t anon_vma; /* id of the anon_vma or shared object */
	int pid;	   /* the process whose address space it is */
};
/* The reverse map of a frame: fills up to max, returns how many exist. */
size_t memu_rmap(struct memu *m, uint64_t pfn, struct memu_rmap *out,
		 size_t max);

/* ---- guest processes (docs/processes.md) */

/* The pid of the process on the CPU now: memu_pte, memu_cr3 and
 * memu_vmas look at its address space. */
int memu_current_pid(struct memu *m);
/* memu_pte in the address space of live process pid: 0, or -1 when there
 * is no such process (or it has exited). */
int memu_pte_pid(struct memu *m, int pid, uint64_t va, struct memu_pte *out);
/* Copy-on-write faults taken while process pid ran, live or gone: copies
 * (a frame copied) and reuses (the last mapper's frame made writable,
 * Linux's wp_page_reuse).  0, or -1 when memu never had that pid. */
int memu_cow_counts(struct memu *m, int pid, uint64_t *copies,
		    uint64_t *reuses);

struct memu_vma {
	uint64_t start, end, flags, pgoff;
	uint64_t anon_vma; /* 0 when none yet */
	const char *name;
};
/* The VMAs of the guest, in address order: fills up to max. */
size_t memu_vmas(struct memu *m, struct memu_vma *out, size_t max);

/* Copy physical memory (RAM, the hole, the page-table bank). 0 or -1. */
int memu_read_phys(struct memu *m, uint64_t pa, void *buf, size_t len);

/* The VGA text screen (80x25 at 0xB8000): rows of printable text. */
void memu_vga_text(struct memu *m, char rows[25][81]);
void memu_print_vga(struct memu *m, FILE *out);

/* The address space: each VMA, then the runs of entries under it
 * (address, frame, bits with Accessed, Dirty and PROT_NONE, memory type);
 * docs/cli.md, "--pagetables". */
void memu_print_pagetables(struct memu *m, FILE *out);
/* Load a driver module (include/memu_driver.h, docs/drivers.md
 * "Modules") as /dev/NAME, before memu_load: 0, or -1 with the reason in
 * err. */
int memu_load_driver(struct memu *m, const char *path, char *err,
		     size_t errlen);

/* memu run --report (docs/report.md): memu_report_begin before
 * memu_load records the run's timeline; memu_write_report writes the
 * self-contained HTML page once the guest has ended (0, or -errno). */
void memu_report_begin(struct memu *m);
int memu_write_report(struct memu *m, const struct memu_result *r, FILE *out);
/* The whole page-table tree in xv6's vmprint format (docs/cli.md,
 * "--vmprint"). */
void memu_print_vmprint(struct memu *m, FILE *out);
/* The guest's VMAs as /proc/self/maps shows them. */
void memu_print_maps(struct memu *m, FILE *out);

/* The memory-range descriptors (FreeBSD MEMRANGE_GET order), as raw
 * 32-byte struct mem_range_desc: fills up to max, returns the count. */
int memu_memranges(struct memu *m, void *descs, int max);

/* The physical memory map, e820 / iomem style. */
void memu_print_machine(struct memu *m, FILE *out);

/* ---- fault injection: the primitives (docs/inject.md, "Primitives")
 *
 * Each is a fault the machine takes from now on, with Linux 6.1's
 * consequences; all are deterministic (a probability draws from a
 * generator seeded here, never from the host).  Each returns 0 or a
 * negative errno. */

/* Frame-allocation failure for user frames, as Linux's fail_page_alloc
 * (with ignore-gfp-highmem and ignore-gfp-wait N, min-order 0) and
 * fail-nth.  A fault retried after an injected failure is what Linux 6.1
 * does; a retry that can never succeed (times -1) stops the machine after
 * 1,000 (MEMU_STOP_ERROR, "livelock"). */
struct memu_fail_alloc {
	unsigned probability; /* percent, 0-100 */
	uint64_t interval;    /* fail every interval-th eligible allocation */
	int64_t times;	      /* failures at most; -1: no limit */
	uint64_t space;	      /* pages let through first (Linux's quirk:
				 space - 1 of them) */
	uint64_t nth;	      /* fail-nth: the nth allocation fails; 0 off */
	uint64_t seed;	      /* for the probability */
};
/* Arm (cfg) or disarm (NULL).  -EINVAL: probability > 100, times < -1. */
int memu_fail_alloc(struct memu *m, const struct memu_fail_alloc *cfg);

/* Hardware-poison frame pfn, as Linux's memory_failure() (the debugfs
 * hwpoison corrupt-pfn): its mappings become hwpoison entries (a later
 * access: SIGBUS BUS_MCEERR_AR, si_addr_lsb 12), a guest that asked for
 * the early kill gets BUS_MCEERR_AO as it resumes.  -EHWPOISON (already
 * poisoned), -EBUSY (a kernel, page-table, zero or driver frame: marked
 * only), -ENXIO (no such frame). */
int memu_poison_pfn(struct memu *m, uint64_t pfn);
/* Soft-offline frame pfn (its contents move to a new frame, the old one
 * is retired): -ENOMEM, -EIO (cannot move), -ENXIO. */
int memu_soft_offline_pfn(struct memu *m, uint64_t pfn);
/* vm.memory_failure_early_kill (default off). */
void memu_set_memory_failure_early_kill(struct memu *m, bool early);
/* Is frame pfn hardware-poisoned? */
bool memu_pfn_hwpoison(struct memu *m, uint64_t pfn);

/* Flip bit (0-7) of the byte at physical address pa (through the bus:
 * translated code from it is dropped).  -ENXIO: not memory. */
int memu_flip_phys_bit(struct memu *m, uint64_t pa, unsigned bit);
/* Flip bit (0-7) of the byte behind guest virtual address va (its entry
 * must hold a frame: -EFAULT otherwise).  No fault, no A bit. */
int memu_flip_virt_bit(struct memu *m, uint64_t va, unsigned bit);
/* The bits of a page-table entry, for memu_flip_pte_bit; 12-39 are the
 * frame number, 40-51 reserved (the CPU faults on them). */
enum memu_pte_bit {
	MEMU_PTE_PRESENT = 0,
	MEMU_PTE_WRITABLE = 1,
	MEMU_PTE_USER = 2,
	MEMU_PTE_PWT = 3,
	MEMU_PTE_PCD = 4,
	MEMU_PTE_ACCESSED = 5,
	MEMU_PTE_DIRTY = 6,
	MEMU_PTE_PAT_PS = 7,
	MEMU_PTE_GLOBAL = 8,
	MEMU_PTE_PFN0 = 12,
	MEMU_PTE_NX = 63,
};
/* Flip bit (0-63) of the entry at level (1 = PT, 2 = PD, 3 = PDPT,
 * 4 = PML4) the CPU would use for va.  No TLB flush: it takes effect at
 * the CPU's next walk of va.  -ENOENT: no table at that level. */
int memu_flip_pte_bit(struct memu *m, uint64_t va, int level, unsigned bit);

/* Why the kernel flushes the TLB (a mask). */
#define MEMU_FLUSH_UNMAP   1u /* munmap, MADV_DONTNEED, mremap, hwpoison */
#define MEMU_FLUSH_PROTECT 2u /* mprotect, write protection */
#define MEMU_FLUSH_COW	   4u /* an entry changed frame elsewhere */
#define MEMU_FLUSH_ANY	   7u
/* Lose the next n flushes with one of these reasons: the CPU keeps its
 * stale translations until a flush that is not lost.  n 0: lose no
 * more. */
int memu_lose_tlb_flushes(struct memu *m, unsigned n, unsigned reasons);

/* Arm a fault spec (docs/inject.md: WHAT:ARGS@WHEN), before memu_load:
 * 0, or -1 with one line in err (a bad spec, an address past RAM). */
int memu_inject(struct memu *m, const char *spec, char *err, size_t errlen);

/* Parse "256M", "1G", "65536", ...: 0 or -1. */
int memu_parse_size(const char *s, uint64_t *out);

#endif
