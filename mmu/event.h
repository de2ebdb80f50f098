/* The machine's one event point.
 *
 * Every fault, PTE write, frame allocation and free, TLB flush, syscall,
 * signal delivery and injected fault is reported here, and nowhere else.
 * The event point keeps the counters behind `memu run --stats` and hands
 * each event to a sink if one is attached: emu/trace.c's event trace
 * (docs/trace.md).  It sits at the bottom of the layering (mmu) so that
 * mmu, devices and emu can all report without calling up; the sink is a
 * function pointer the layer above registers.
 */
#ifndef MEMU_MMU_EVENT_H
#define MEMU_MMU_EVENT_H

#include <stdbool.h>
#include <stdint.h>

enum fault_kind {
	FAULT_ANON,	  /* first write to private anonymous memory */
	FAULT_ZERO,	  /* read of untouched private anonymous: zero frame */
	FAULT_COW,	  /* write to a read-only shared frame: copied */
	FAULT_WP_REUSE,	  /* write to a read-only exclusive frame: reused */
	FAULT_SHARED,	  /* fault on shared memory (shmem object) */
	FAULT_DEVICE,	  /* served by a driver's vm_ops->fault */
	FAULT_FILE_READ,  /* a file's page mapped on a read (or a private
			   * mapping's read): the page cache */
	FAULT_FILE_WRITE, /* a write to a shared mapping of a file */
	FAULT_FILE_COW,	  /* a write to a private mapping of a file */
	FAULT_STACK_GROW, /* not a separate fault: growths of a stack VMA */
	FAULT_SEGV,	  /* access error: the guest gets SIGSEGV */
	FAULT_SWAP,	  /* a major fault: a page read back from swap */
	FAULT_KINDS
};

enum frame_kind {
	FRAME_FREE,
	FRAME_RESERVED,	 /* not allocatable: the ISA hole, firmware */
	FRAME_KERNEL,	 /* memu's kernel half: entry stub, GDT, stack */
	FRAME_ZERO,	 /* the shared zero frame */
	FRAME_FILE,	 /* ELF image contents */
	FRAME_ANON,	 /* private anonymous memory */
	FRAME_PAGETABLE, /* a page of the 4-level page tables */
	FRAME_SHARED,	 /* page of a shared object (shmem) */
	FRAME_DRIVER,	 /* owned by a device driver */
	FRAME_PAGECACHE, /* a file's page: tmpfs files and memfds */
	FRAME_KINDS
};

/* A frame owned by a shared object (mmu/shmem.h). */
static inline bool frame_kind_shmem(int kind)
{
	return kind == FRAME_SHARED || kind == FRAME_PAGECACHE;
}

enum event_kind {
	EV_FAULT,	/* a = address, b = enum fault_kind, c = error code */
	EV_PTE_SET,	/* a = va, b = new entry, c = old, d = level (1 = PT) */
	EV_PTE_CLEAR,	/* a = va, c = old entry, d = level */
	EV_FRAME_ALLOC, /* a = pfn, b = enum frame_kind */
	EV_FRAME_FREE,	/* a = pfn, b = enum frame_kind */
	EV_TLB_FLUSH,	/* a = reasons: TLB_FLUSH_* (mm.h) */
	/* a = va, b = pa, c = enum pt_access, d = rights.  How many there
	 * are depends on the TLB's size, which QEMU adapts with host time:
	 * not part of memu's deterministic statistics. */
	EV_TLB_FILL,
	EV_SYSCALL, /* a = number, b = result */
	/* A signal delivered: a = signal, b = si_code, c = si_addr (a
	 * fault's; 0 otherwise), d = the handler it runs, 0: its default
	 * action, which ends the guest.  Reported by emu/signal.c. */
	EV_SIGNAL,
	/* An injected fault: a = the spec's index (--inject; INJECT_NO_SPEC
	 * for one the guest or a library call made), b = enum inject_what,
	 * c = target, d = value (docs/trace.md, "inject"). */
	EV_INJECT,
	EV_KINDS
};

#define INJECT_NO_SPEC UINT64_MAX

/* What an injected fault did (EV_INJECT's b); the trace names them
 * (docs/trace.md, docs/inject.md). */
enum inject_what {
	INJECT_BITFLIP_FRAME, /* target physical address, value the bit */
	INJECT_BITFLIP_VA,    /* target virtual address, value the bit */
	INJECT_BITFLIP_REG,   /* target register (UC_X86_REG_*), value bit */
	INJECT_BITFLIP_PTE,   /* target va, value bit | level << 8 */
	INJECT_LOST_FLUSH,    /* target the flush's reasons (TLB_FLUSH_*) */
	INJECT_ALLOC_FAIL,    /* target enum frame_kind, value failures */
	INJECT_HWPOISON,      /* target pfn, value result (0 or -errno) */
	INJECT_SYSCALL,	      /* target syscall number, value its result */
	INJECT_SIGNAL,	      /* target signal number */
	INJECT_SOFT_OFFLINE,  /* target pfn, value result, or the new pfn */
	INJECT_KINDS
};

struct event {
	enum event_kind kind;
	uint64_t a, b, c, d;
};

#define SYSCALL_SLOTS 512

/* Where an event goes after it is counted (emu/trace.c registers one). */
typedef void (*event_sink_fn)(void *ctx, const struct event *e);

struct events {
	uint64_t count[EV_KINDS];
	uint64_t faults[FAULT_KINDS];
	uint64_t frames_now[FRAME_KINDS]; /* frames of each kind in use */
	uint64_t frames_peak[FRAME_KINDS];
	uint64_t frames_alloc[FRAME_KINDS]; /* allocations ever made */
	uint64_t syscalls[SYSCALL_SLOTS];   /* by number; last slot: others */
	uint64_t syscalls_enosys[SYSCALL_SLOTS];
	uint64_t minflt; /* getrusage(2) ru_minflt */
	uint64_t majflt; /* ru_majflt: FAULT_SWAP */
	/* The --inject spec being injected now, for EV_INJECT's a
	 * (INJECT_NO_SPEC: none). */
	uint64_t inject_spec;
	event_sink_fn sink; /* NULL: none (the trace is off) */
	void *sink_ctx;
};

void event_emit(struct events *ev, const struct event *e);

/* Counters are reset when the guest starts; state (frames_now) is kept. */
void events_reset_counters(struct events *ev);

static inline void event_fault(struct events *ev, uint64_t addr,
			       enum fault_kind k, uint64_t code)
{
	struct event e = {EV_FAULT, addr, k, code, 0};
	event_emit(ev, &e);
}

#endif
