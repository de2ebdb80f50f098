/* The page tables as a student reads them (docs/cli.md, "--pagetables"
 * and "--vmprint"): memu's own view, each VMA with the runs of entries
 * under it, and xv6's vmprint, the whole tree entry by entry.  Both read
 * the tables through mmu/pagetable.h's walkers and decode entries with
 * pte_decode; neither knows a PTE bit.
 */
#include <inttypes.h>
#include <stdio.h>

#include "../devices/fs.h"
#include "../mmu/memtype.h"
#include "../mmu/pagetable.h"
#include "../mmu/vma.h"
#include "../mmu/vmscan.h"
#include "machine.h"

/* A run: consecutive pages whose entries print alike and lie in one VMA,
 * mapping either consecutive frames or one frame over and over (the zero
 * frame under a read-only anonymous region). */
struct pt_run {
	uint64_t start, end, pfn;
	bool same_frame;   /* every page maps pfn */
	struct pt_entry e; /* the first entry's bits stand for the run */
	enum mem_type type;
	const struct vma *vma;
};

struct pt_view {
	FILE *out; /* NULL: count only */
	struct mm *mm;
	const struct memtype *types;
	struct pt_run run;
	const struct vma *shown; /* the last VMA whose header is out */
	uint64_t by_type[8];	 /* present pages by effective type */
};

/* The VMA's header, as /proc/self/maps names it. */
static void show_vma(struct pt_view *d, const struct vma *v)
{
	const char *name = v->name;
	char path[FS_PATH_MAX + 16];
	const struct file *file = v->vm_file;
	if (file && file->inode && file_path(file, path, sizeof(path)) >= 0)
		name = path;
	fprintf(d->out, "  vma %012" PRIx64 "-%012" PRIx64 " %c%c%c%c%s%s\n",
		v->start, v->end, (v->flags & VM_READ) ? 'r' : '-',
		(v->flags & VM_WRITE) ? 'w' : '-',
		(v->flags & VM_EXEC) ? 'x' : '-',
		(v->flags & VM_MAYSHARE) ? 's' : 'p', name ? " " : "",
		name ? name : "");
	d->shown = v;
}

/* Every VMA's header below va (all of them for UINT64_MAX) not yet out:
 * a VMA with no entries (never touched, PROT_NONE) is shown too. */
static void show_vmas_below(struct pt_view *d, uint64_t va)
{
	struct vma_tree *t = &d->mm->vmas;
	const struct vma *v =
		d->shown ? vma_next(t, (struct vma *)d->shown) : vma_first(t);
	for (; v && v->start <= va; v = vma_next(t, (struct vma *)v))
		show_vma(d, v);
}

static void flush_run(struct pt_view *d)
{
	const struct pt_run *r = &d->run;
	if (!d->out || r->end == r->start)
		return;
	show_vmas_below(d, r->start);
	const struct pt_entry *e = &r->e;
	uint64_t pages = (r->end - r->start) >> PAGE_SHIFT;
	char times[32] = "";
	if (r->same_frame && pages > 1)
		snprintf(times, sizeof(times), " x%" PRIu64, pages);
	fprintf(d->out,
		"    %012" PRIx64 "-%012" PRIx64 " -> pfn %#" PRIx64
		"%s %c%c%c%c%c%c%c%c%s%s %s\n",
		r->start, r->end - 1, r->pfn, times, e->present ? 'r' : '-',
		e->writable ? 'w' : '-', e->user ? 'u' : '-',
		e->exec ? 'x' : '-', e->accessed ? 'a' : '-',
		e->dirty ? 'd' : '-', e->special ? 's' : '-',
		e->protnone ? 'p' : '-', e->nocache ? " pcd" : "",
		e->writethru ? " pwt" : "", mem_type_name(r->type));
}

/* Entries that print alike and select the same PAT entry. */
static bool same_bits(const struct pt_entry *a, const struct pt_entry *b)
{
	return a->present == b->present && a->writable == b->writable &&
	       a->user == b->user && a->exec == b->exec &&
	       a->accessed == b->accessed && a->dirty == b->dirty &&
	       a->special == b->special && a->protnone == b->protnone &&
	       a->nocache == b->nocache && a->writethru == b->writethru &&
	       a->pat == b->pat;
}

/* Does the entry at va continue the run? */
static bool extends(struct pt_run *r, uint64_t va, const struct pt_entry *e,
		    enum mem_type type, const struct vma *v)
{
	if (r->end == r->start || va != r->end || !same_bits(e, &r->e) ||
	    type != r->type || v != r->vma)
		return false;
	uint64_t pages = (va - r->start) >> PAGE_SHIFT;
	if (e->pfn == r->pfn + pages && !r->same_frame)
		return true;
	if (e->pfn == r->pfn && (r->same_frame || pages == 1)) {
		r->same_frame = true;
		return true;
	}
	return false;
}

static void show_swapped(struct pt_view *d, uint64_t va,
			 const struct pt_entry *e)
{
	/* A page on swap (docs/reclaim.md): where it is. */
	flush_run(d);
	d->run.start = d->run.end = 0;
	show_vmas_below(d, va);
	fprintf(d->out,
		"    %012" PRIx64 "-%012" PRIx64
		" -> swap type %u slot %" PRIu64 "\n",
		va, (uint64_t)(va + PAGE_SIZE - 1), e->swap_type,
		e->swap_offset);
}

static void view_pte(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	struct pt_view *d = arg;
	struct pt_run *r = &d->run;
	struct pt_entry e;
	pte_decode(pte, &e);
	if (e.swapped && d->out && swap_entry_count(mm->mmu, &e)) {
		show_swapped(d, va, &e);
		return;
	}
	if (!e.has_frame)
		return; /* a hwpoison entry, or a flipped bit: no frame */
	enum mem_type type = effective_type(
		mtrr_type_of(d->types, e.pfn << PAGE_SHIFT),
		pat_type_of(d->types, e.pat, e.nocache, e.writethru));
	if (e.present)
		d->by_type[type & 7]++;
	const struct vma *v = vma_lookup(&mm->vmas, va);
	if (!extends(r, va, &e, type, v)) {
		flush_run(d);
		*r = (struct pt_run){va, va, e.pfn, false, e, type, v};
	}
	r->end = va + PAGE_SIZE;
}

static void view(struct memu *m, struct mm *mm, FILE *out, uint64_t by_type[8])
{
	struct pt_view d = {.out = out, .mm = mm, .types = &m->mmu.memtype};
	pt_for_each(mm, 0, USER_VA_END, view_pte, &d);
	flush_run(&d);
	if (out)
		show_vmas_below(&d, UINT64_MAX);
	if (by_type)
		for (int t = 0; t < 8; t++)
			by_type[t] = d.by_type[t];
}

void pagetable_count_types(struct memu *m, uint64_t by_type[8])
{
	view(m, m->proc->mm, NULL, by_type);
}

void memu_print_pagetables(struct memu *m, FILE *out)
{
	fprintf(out,
		"page tables (CR3 %#" PRIx64
		"): each VMA as /proc/self/maps shows it, then its runs of "
		"entries: address range -> first pfn (xN: the same frame N "
		"times), r=present w=writable u=user x=executable a=accessed "
		"d=dirty s=special p=PROT_NONE, memory type\n",
		memu_cr3(m));
	view(m, m->proc->mm, out, NULL);
}

/* ---- xv6's vmprint */

static void vmprint_entry(int level, unsigned index, pte_t entry,
			  uint64_t next_pa, void *arg)
{
	FILE *f = arg;
	for (int d = 4; d >= level; d--)
		fputs(" ..", f);
	fprintf(f, "%u: pte 0x%016" PRIx64 " pa 0x%016" PRIx64 "\n", index,
		(uint64_t)entry, next_pa);
}

void pagetable_vmprint(struct mm *mm, FILE *out)
{
	fprintf(out, "page table 0x%016" PRIx64 "\n", pt_root(mm));
	pt_walk_tree(mm, vmprint_entry, out);
}

void memu_print_vmprint(struct memu *m, FILE *out)
{
	pagetable_vmprint(m->proc->mm, out);
}
