/* `monitor` commands of the gdb stub (qRcmd; docs/gdb.md, "monitor"):
 * the machine underneath the process, read without side effects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mmu/pagetable.h"
#include "gdbstub.h"
#include "machine.h"

#define PHYS_MAX 4096 /* bytes a `phys` dump shows at most */

static const char help[] =
	"monitor commands (docs/gdb.md):\n"
	"  pt VA        the page walk of VA: each level's index, entry,\n"
	"               bits and the table or frame it points to\n"
	"  vmprint      the page-table tree, as xv6's vmprint prints it\n"
	"  vmas         the address space, as /proc/self/maps\n"
	"  phys PA LEN  a hex dump of physical memory (RAM only)\n"
	"  frame PFN    a frame: its kind, mapcount and reverse map\n"
	"  mtrr         the physical map, NUMA domains and MTRRs, as\n"
	"               memu machine prints them\n"
	"  stats        the counters of --stats\n"
	"  events N     the last N events (at most 4096), as --trace\n"
	"               writes them\n"
	"  inject SPEC  arm a fault now, as --inject SPEC would have\n"
	"               (docs/inject.md)\n"
	"  history      the snapshots reverse execution goes back to\n"
	"  help         this text\n";

static bool number(const char *s, uint64_t *v)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	*v = strtoull(s, &end, 0);
	return !*end;
}

static void pt(struct memu *m, FILE *f, uint64_t va)
{
	static const char *const table[] = {"", "PT", "PD", "PDPT", "PML4"};
	struct pt_level lv[4];
	struct pt_peek_out o;
	int n = pt_peek(gdb_process(m)->mm, va, lv, &o);
	fprintf(f, "va 0x%llx: cr3 0x%llx\n", (unsigned long long)va,
		(unsigned long long)memu_cr3(m));
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s[%u] at 0x%llx = 0x%016llx", table[lv[i].level],
			lv[i].index, (unsigned long long)lv[i].table_pa,
			(unsigned long long)lv[i].entry);
		for (int b = 0; b < 64; b++)
			if (pt_bit_names[b] && (lv[i].entry >> b & 1))
				fprintf(f, " %s", pt_bit_names[b]);
		if (!(lv[i].entry & 1))
			fprintf(f, " (not present)\n");
		else
			fprintf(f, " -> %s pfn 0x%llx\n",
				lv[i].leaf ? "frame" : "table",
				(unsigned long long)lv[i].next_pfn);
	}
	if (o.pa != PT_PEEK_NONE)
		fprintf(f, "pa 0x%llx%s%s\n", (unsigned long long)o.pa,
			o.user ? " user" : " supervisor",
			o.writable ? " writable" : " read-only");
	else
		fprintf(f, "not mapped\n");
}

static void phys(struct memu *m, FILE *f, uint64_t pa, uint64_t len)
{
	if (len > PHYS_MAX)
		len = PHYS_MAX;
	for (uint64_t off = 0; off < len; off += 16) {
		uint8_t b[16];
		uint64_t n = len - off < 16 ? len - off : 16;
		if (pa + off < pa || memu_read_phys(m, pa + off, b, n)) {
			fprintf(f, "0x%llx: not RAM\n",
				(unsigned long long)(pa + off));
			return;
		}
		fprintf(f, "0x%llx:", (unsigned long long)(pa + off));
		for (uint64_t i = 0; i < n; i++)
			fprintf(f, " %02x", b[i]);
		fputc('\n', f);
	}
}

static void frame(struct memu *m, FILE *f, uint64_t pfn)
{
	struct frame *fr = mmu_frame(&m->mmu, pfn);
	if (!fr) {
		fprintf(f, "pfn 0x%llx: no such frame\n",
			(unsigned long long)pfn);
		return;
	}
	fprintf(f, "pfn 0x%llx: %s, mapcount %u%s\n", (unsigned long long)pfn,
		frame_kind_name(fr->kind), fr->mapcount,
		fr->hwpoison ? ", hwpoison" : "");
	struct memu_rmap r[16];
	/* The reverse map of the frames that have one (docs/memory.md). */
	size_t n = fr->kind == FRAME_ANON || fr->kind == FRAME_SHARED
			   ? memu_rmap(m, pfn, r, 16)
			   : 0;
	for (size_t i = 0; i < n && i < 16; i++)
		fprintf(f, "  va 0x%llx in vma 0x%llx-0x%llx (owner %llu)\n",
			(unsigned long long)r[i].va,
			(unsigned long long)r[i].vma_start,
			(unsigned long long)r[i].vma_end,
			(unsigned long long)r[i].anon_vma);
	if (n > 16)
		fprintf(f, "  ... %zu mappings in all\n", n);
}

/* How many events a trigger of s has seen so far: the event point's
 * counters (docs/inject.md, "Triggers"). */
static uint64_t seen_so_far(struct memu *m, const struct inject_spec *s)
{
	const struct events *ev = &m->mmu.events;
	if (s->when != WHEN_EVENT)
		return 0;
	switch (s->ev) {
	case IEV_FAULT:
		return s->ev_kind < 0 ? ev->count[EV_FAULT]
				      : ev->faults[s->ev_kind];
	case IEV_SYSCALL:
		return s->ev_kind < 0
			       ? ev->count[EV_SYSCALL]
			       : ev->syscalls[s->ev_kind < SYSCALL_SLOTS
						      ? s->ev_kind
						      : SYSCALL_SLOTS - 1];
	case IEV_TLB_FLUSH:
		return ev->count[EV_TLB_FLUSH];
	case IEV_FRAME_ALLOC:
		return ev->count[EV_FRAME_ALLOC];
	case IEV_SIGNAL:
		return ev->count[EV_SIGNAL];
	}
	return 0;
}

/* Arm SPEC where the guest stands (inject_add_now). */
static void inject_now(struct memu *m, FILE *f, const char *text)
{
	struct inject_spec spec;
	char err[256];
	if (inject_parse(text, &spec, err, sizeof(err))) {
		fprintf(f, "inject: %s\n", err);
		return;
	}
	if (inject_add_now(m, text, seen_so_far(m, &spec), err, sizeof(err))) {
		fprintf(f, "inject: %s\n", err);
		return;
	}
	char canon[INJECT_SPEC_MAX];
	inject_format(&spec, canon, sizeof(canon));
	fprintf(f, "armed %s at insn %llu\n", canon,
		(unsigned long long)memu_instructions(m));
	/* The future changed: the history before would not replay it. */
	rev_forget(gdb_rev_of(m), memu_instructions(m));
}

char *gdb_monitor(struct memu *m, const char *cmd)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	char *line = strdup(cmd), *save = NULL;
	char *word = line ? strtok_r(line, " \t", &save) : NULL;
	char *a1 = word ? strtok_r(NULL, " \t", &save) : NULL;
	char *a2 = a1 ? strtok_r(NULL, " \t", &save) : NULL;
	uint64_t x, y;
	bool space = gdb_process(m)->mm && m->proc->mm;
	if (!word || !strcmp(word, "help"))
		fputs(help, f);
	else if (!space && (!strcmp(word, "pt") || !strcmp(word, "vmprint") ||
			    !strcmp(word, "vmas")))
		/* An exit's stop, with no process of gdb's left. */
		fputs("no address space: the process has exited\n", f);
	else if (!strcmp(word, "pt") && number(a1, &x))
		pt(m, f, x);
	else if (!strcmp(word, "vmprint"))
		pagetable_vmprint(gdb_process(m)->mm, f);
	else if (!strcmp(word, "vmas"))
		memu_print_maps(m, f);
	else if (!strcmp(word, "phys") && number(a1, &x) && number(a2, &y))
		phys(m, f, x, y);
	else if (!strcmp(word, "frame") && number(a1, &x))
		frame(m, f, x);
	else if (!strcmp(word, "mtrr"))
		memu_print_machine(m, f);
	else if (!strcmp(word, "stats"))
		memu_print_stats(m, f);
	else if (!strcmp(word, "events") && number(a1, &x) && !a2)
		gdb_events_print(gdb_events_of(m),
				 x > 4096 ? 4096 : (unsigned)x, f);
	else if (!strcmp(word, "inject") && a1 && !a2)
		inject_now(m, f, a1);
	else if (!strcmp(word, "history"))
		rev_print(gdb_rev_of(m), memu_instructions(m), f);
	else
		fprintf(f, "unknown monitor command: %s (monitor help)\n", cmd);
	free(line);
	fclose(f);
	return text;
}
