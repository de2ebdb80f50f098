/* Address-space figures for /proc (proc_mm.h). */
#include "proc_mm.h"

#include "../mmu/rmap.h"

#define RMAP_SCAN 16 /* mappings of a shared frame checked for D */

void proc_vm_count(struct mm *mm, struct proc_vm *vm)
{
	*vm = (struct proc_vm){0};
	struct vma_tree *t = &mm->vmas;
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v)) {
		uint64_t pages = (v->end - v->start) >> PAGE_SHIFT;
		uint64_t f = v->flags;
		vm->total += pages;
		if (f & VM_LOCKED)
			vm->locked += pages;
		if (f & VM_ACCOUNT)
			vm->committed += pages;
		/* vm_stat_account: is_exec_mapping, is_stack_mapping,
		 * is_data_mapping, in that order */
		if ((f & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) == VM_EXEC)
			vm->exec += pages;
		else if (f & VM_GROWSDOWN)
			vm->stack += pages;
		else if ((f & (VM_WRITE | VM_SHARED)) == VM_WRITE)
			vm->data += pages;
	}
}

enum proc_page proc_page_of(struct mm *mm, const struct pt_entry *e,
			    struct frame **f)
{
	*f = NULL;
	if (!e->has_frame || e->special)
		return PROC_PAGE_NONE;
	struct frame *fr = mmu_frame(mm->mmu, e->pfn);
	if (!fr)
		return PROC_PAGE_NONE; /* device memory: no struct page */
	*f = fr;
	switch (fr->kind) {
	case FRAME_ANON:
		return PROC_PAGE_ANON;
	case FRAME_SHARED:
		return PROC_PAGE_SHMEM;
	case FRAME_FILE:
		return e->dirty ? PROC_PAGE_ANON : PROC_PAGE_FILE;
	case FRAME_ZERO:
		return PROC_PAGE_NONE;
	default:
		return PROC_PAGE_FILE; /* a driver's page */
	}
}

bool proc_page_dirty(struct mm *mm, const struct pt_entry *e,
		     enum proc_page kind)
{
	if (e->dirty || kind == PROC_PAGE_ANON)
		return true;
	if (kind != PROC_PAGE_SHMEM)
		return false;
	/* PageDirty: a write through another mapping dirtied the page. */
	struct rmap_entry r[RMAP_SCAN];
	size_t n = rmap_walk(mm->mmu, e->pfn, r, RMAP_SCAN);
	for (size_t i = 0; i < n && i < RMAP_SCAN; i++) {
		struct pt_entry o;
		pt_lookup(r[i].mm, r[i].va, &o);
		if (o.has_frame && o.pfn == e->pfn && o.dirty)
			return true;
	}
	return false;
}

static void count_page(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)va;
	struct proc_rss *r = arg;
	struct pt_entry e;
	struct frame *f;
	pte_decode(pte, &e);
	switch (proc_page_of(mm, &e, &f)) {
	case PROC_PAGE_ANON:
		r->anon++;
		break;
	case PROC_PAGE_FILE:
		r->file++;
		break;
	case PROC_PAGE_SHMEM:
		r->shmem++;
		break;
	default:
		break;
	}
}

void proc_rss_count(struct mm *mm, struct proc_rss *r)
{
	*r = (struct proc_rss){0};
	pt_for_each(mm, 0, USER_VA_END, count_page, r);
}

bool proc_vma_has_file(const struct proc_task *task, const struct vma *v)
{
	return v->vm_file || v->shm ||
	       (task && task->exe && v->name == task->exe);
}
