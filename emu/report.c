/* Human-readable views of the machine: --stats and `memu machine`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../devices/vga.h"
#include "../mmu/pagetable.h"
#include "../mmu/reclaim_policy.h"
#include "../mmu/vmscan.h"
#include "machine.h"
#include "syscall.h"

static const char *const fault_names[FAULT_KINDS] = {
	"anon first-touch",    "zero-page read", "COW",
	"write-protect reuse", "shared",	 "device",
	"file read",	       "file write",	 "file COW",
	"stack growth",	       "SIGSEGV/SIGBUS", "swap (major)",
};

static const char *const frame_names[FRAME_KINDS] = {
	"free", "reserved",   "kernel", "zero",	  "file",
	"anon", "page table", "shared", "driver", "page cache",
};

const char *fault_kind_name(unsigned kind)
{
	return kind < FAULT_KINDS ? fault_names[kind] : "?";
}

const char *frame_kind_name(unsigned kind)
{
	return kind < FRAME_KINDS ? frame_names[kind] : "?";
}

/* What the fault-injection primitives did (docs/inject.md), when any was
 * used. */
static void print_injected(struct memu *m, FILE *out)
{
	const struct mmu *u = &m->mmu;
	const struct fail_alloc *fa = &u->fail_alloc;
	if (!fa->armed && !fa->calls && !u->hwpoisoned && !u->bit_flips &&
	    !u->lost_flush.lost && !u->lost_flush.pending)
		return;
	fprintf(out, "  injected faults:\n");
	fprintf(out, "    %-20s %" PRIu64 " (of %" PRIu64 " asked)\n",
		"frame allocations", fa->failed, fa->calls);
	fprintf(out, "    %-20s %" PRIu64 " (%" PRIu64 " soft offline)\n",
		"hwpoisoned frames", u->hwpoisoned, u->soft_offlined);
	fprintf(out, "    %-20s %" PRIu64 "\n", "bit flips", u->bit_flips);
	fprintf(out, "    %-20s %" PRIu64 " (%u still to lose)\n",
		"TLB flushes lost", u->lost_flush.lost, u->lost_flush.pending);
}

/* Memory pressure (docs/reclaim.md), with a swap device. */
static void print_reclaim(struct memu *m, FILE *out)
{
	const struct reclaim *r = m->mmu.reclaim;
	if (!r)
		return;
	fprintf(out, "  major faults: %" PRIu64 "\n", m->mmu.events.majflt);
	fprintf(out, "  reclaim (%s):\n", r->lru.policy->name);
	fprintf(out, "    %-20s %" PRIu64 "\n", "pages scanned", r->pgscan);
	fprintf(out, "    %-20s %" PRIu64 "\n", "pages reclaimed", r->pgsteal);
	fprintf(out, "    %-20s %" PRIu64 "\n", "swapped out", r->swap.pswpout);
	fprintf(out, "    %-20s %" PRIu64 "\n", "swapped in", r->swap.pswpin);
	fprintf(out,
		"    %-20s %" PRIu64 " of %" PRIu64 " (peak %" PRIu64 ")\n",
		"swap slots in use", r->swap.inuse, swap_total(&r->swap),
		r->swap.peak);
	fprintf(out, "    %-20s %" PRIu64 "\n", "OOM kills", r->oom_kills);
}

void memu_print_maps(struct memu *m, FILE *out)
{
	char *text = proc_maps_text(m->proc->mm);
	if (text)
		fputs(text, out);
	free(text);
}

/* Processes, once the guest has forked (docs/processes.md): their COW
 * faults, live ones then reaped ones by pid, at most PROCESS_LINES. */
#define PROCESS_LINES 32

static void print_processes(struct memu *m, FILE *out)
{
	if (!m->forks)
		return;
	sched_account(m);
	fprintf(out,
		"  processes: %" PRIu64 " made, %" PRIu64 " context switches\n",
		m->forks, m->switches);
	fprintf(out, "  COW by process (copies, reuses):\n");
	unsigned lines = 0, n = m->ntasks + m->nrecords;
	for (unsigned i = 0; i < n && lines < PROCESS_LINES; i++, lines++) {
		bool live = i < m->ntasks;
		int pid = live ? m->tasks[i]->task.pid
			       : m->records[i - m->ntasks].pid;
		uint64_t c = live ? m->tasks[i]->cow_copies
				  : m->records[i - m->ntasks].cow_copies;
		uint64_t r = live ? m->tasks[i]->cow_reuses
				  : m->records[i - m->ntasks].cow_reuses;
		fprintf(out, "    pid %-16d %" PRIu64 ", %" PRIu64 "%s\n", pid,
			c, r, live ? "" : " (reaped)");
	}
	if (n > lines)
		fprintf(out, "    (%u more)\n", n - lines);
}

void memu_print_stats(struct memu *m, FILE *out)
{
	const struct events *ev = &m->mmu.events;
	fprintf(out, "memu stats:\n");
	fprintf(out, "  minor faults: %" PRIu64 "\n", ev->minflt);
	for (int i = 0; i < FAULT_SWAP; i++)
		fprintf(out, "    %-20s %" PRIu64 "\n", fault_names[i],
			ev->faults[i]);
	print_reclaim(m, out);
	fprintf(out, "  frames in use (peak, allocated):\n");
	for (int i = FRAME_KERNEL; i < FRAME_KINDS; i++)
		fprintf(out,
			"    %-20s %" PRIu64 " (%" PRIu64 ", %" PRIu64 ")\n",
			frame_names[i], ev->frames_now[i], ev->frames_peak[i],
			ev->frames_alloc[i]);
	fprintf(out, "  PTE writes: %" PRIu64 "\n",
		ev->count[EV_PTE_SET] + ev->count[EV_PTE_CLEAR]);
	fprintf(out, "  TLB flushes: %" PRIu64 "\n", ev->count[EV_TLB_FLUSH]);
	fprintf(out, "  signals delivered: %" PRIu64 "\n",
		ev->count[EV_SIGNAL]);
	print_processes(m, out);
	print_injected(m, out);
	inject_report(m, out);
	uint64_t by_type[8];
	pagetable_count_types(m, by_type);
	fprintf(out, "  mapped pages by memory type:");
	for (int t = 0; t < 8; t++)
		if (by_type[t])
			fprintf(out, " %s %" PRIu64, mem_type_name(t),
				by_type[t]);
	fprintf(out, "\n");
	fprintf(out, "  syscalls: %" PRIu64 "\n", ev->count[EV_SYSCALL]);
	for (unsigned nr = 0; nr < SYSCALL_SLOTS; nr++) {
		if (!ev->syscalls[nr])
			continue;
		const char *name = nr == SYSCALL_SLOTS - 1
					   ? "(others)"
					   : memu_syscall_name(nr);
		fprintf(out, "    %-20s %" PRIu64, name, ev->syscalls[nr]);
		if (ev->syscalls_enosys[nr])
			fprintf(out, " (ENOSYS %" PRIu64 ")",
				ev->syscalls_enosys[nr]);
		fprintf(out, "\n");
	}
}

static void print_mtrrs(struct memu *m, FILE *out)
{
	const struct memtype *t = &m->mmu.memtype;
	if (t->mode == MTRR_OFF) {
		fprintf(out, "MTRRs: none (the CPU has no MTRRs)\n");
		return;
	}
	fprintf(out,
		"MTRRs: %u variable ranges, %s, default type %s; firmware "
		"ranges: memcontrol list\n",
		(unsigned)(t->cap & MTRR_CAP_VCNT),
		(t->def_type & MTRR_DEF_E) ? "enabled" : "disabled by firmware",
		mem_type_name((enum mem_type)(t->def_type & MTRR_DEF_TYPE)));
}

void memu_print_machine(struct memu *m, FILE *out)
{
	const struct phys *p = &m->mmu.phys;
	uint64_t ram_kib = (p->ram_top - (ISA_HOLE_END - ISA_HOLE_START)) >> 10;
	fprintf(out,
		"memu machine: %" PRIu64 " KiB RAM below 0x%" PRIx64
		", %" PRIu64
		" KiB page-table bank, %d-bit physical addresses\n",
		ram_kib, p->ram_top, (uint64_t)(p->ptbank_size >> 10),
		PHYS_ADDR_BITS);
	fprintf(out, "physical memory map (iomem):\n");
	iomem_print(&m->mmu.iomem, out);
	fprintf(out,
		"zero frame: pfn 0x%" PRIx64 "; frames are never taken from "
		"the ISA hole\n",
		m->mmu.zero_pfn);
	fprintf(out,
		"kernel half: 0x%llx-0x%llx (entry stub, GDT, kernel stack; "
		"supervisor-only)\n",
		(unsigned long long)KERNEL_BASE,
		(unsigned long long)(KERNEL_STACK_TOP - 1));
	fprintf(out, "user space: 0x10000-0x%llx\n",
		(unsigned long long)(TASK_SIZE - 1));
	const struct zone *z = &m->mmu.ram;
	for (unsigned i = 0; i < z->nr_nodes; i++)
		fprintf(out, "NUMA domain %u: 0x%" PRIx64 "-0x%" PRIx64 "%s\n",
			i,
			(z->nodes[i].first_block * FRAME_BLOCK) << PAGE_SHIFT,
			((z->nodes[i].end_block * FRAME_BLOCK) << PAGE_SHIFT) -
				1,
			i == 0 ? " (the CPU's node; also the page-table bank)"
			       : "");
	print_mtrrs(m, out);
	fprintf(out, "devices:");
	for (const struct chardev *const *d = chardev_all(); *d; d++)
		if ((*d)->path)
			fprintf(out, " %s", (*d)->path);
	fprintf(out, "\n");
}

void memu_vga_text(struct memu *m, char rows[25][81])
{
	vga_screen(&m->mmu, rows);
}

void memu_print_vga(struct memu *m, FILE *out)
{
	char rows[VGA_ROWS][VGA_COLS + 1];
	vga_screen(&m->mmu, rows);
	fprintf(out, "+");
	for (int c = 0; c < VGA_COLS; c++)
		fputc('-', out);
	fprintf(out, "+\n");
	for (int r = 0; r < VGA_ROWS; r++)
		fprintf(out, "|%s|\n", rows[r]);
	fprintf(out, "+");
	for (int c = 0; c < VGA_COLS; c++)
		fputc('-', out);
	fprintf(out, "+\n");
}
