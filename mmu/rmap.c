#include "rmap.h"

#include <stdlib.h>

#include "pagetable.h"
#include "reclaim_policy.h"
#include "shmem.h"

static void anon_vma_put(struct anon_vma *av)
{
	if (av && --av->refs == 0)
		free(av);
}

struct anon_vma *anon_vma_prepare(struct vma *v)
{
	if (v->anon_vma)
		return v->anon_vma;
	struct anon_vma *av = calloc(1, sizeof(*av));
	if (!av)
		return NULL;
	LIST_INIT(&av->vmas);
	av->id = ++v->mm->mmu->next_object_id;
	anon_vma_link(v, av);
	return av;
}

void anon_vma_link(struct vma *v, struct anon_vma *av)
{
	if (!av)
		return;
	v->anon_vma = av;
	LIST_INSERT_HEAD(&av->vmas, v, anon_link);
	av->refs++;
}

void anon_vma_unlink(struct vma *v)
{
	struct anon_vma *av = v->anon_vma;
	if (!av)
		return;
	LIST_REMOVE(v, anon_link);
	v->anon_vma = NULL;
	anon_vma_put(av);
}

void rmap_add_anon(struct mmu *m, uint64_t pfn, struct vma *v, uint64_t va)
{
	struct frame *f = mmu_frame(m, pfn);
	f->owner = v->anon_vma;
	f->index = v->pgoff + ((va - v->start) >> PAGE_SHIFT);
	f->mapcount = 1;
	v->anon_vma->refs++;
	/* Reclaimable from now on (docs/reclaim.md). */
	if (m->reclaim)
		m->reclaim->lru.policy->page_added(&m->reclaim->lru, pfn);
}

void rmap_dup(struct mmu *m, uint64_t pfn)
{
	struct frame *f = mmu_frame(m, pfn);
	if (f)
		f->mapcount++;
}

uint32_t rmap_remove(struct mmu *m, uint64_t pfn)
{
	struct frame *f = mmu_frame(m, pfn);
	if (!f || f->mapcount == 0)
		return 0;
	if (--f->mapcount)
		return f->mapcount;
	if (f->kind == FRAME_ANON) {
		struct anon_vma *av = f->owner;
		mmu_free_frame(m, pfn);
		anon_vma_put(av);
	} else if (f->kind == FRAME_FILE) {
		mmu_free_frame(m, pfn);
	}
	/* Shared-object frames live as long as their object. */
	return 0;
}

void rmap_sweep_orphans(struct mmu *m)
{
	struct zone *z = &m->ram;
	for (uint64_t i = 0; i < z->nr; i++) {
		struct frame *f = &z->frames[i];
		if (f->kind != FRAME_ANON || !f->owner)
			continue;
		struct anon_vma *av = f->owner;
		f->mapcount = 0;
		mmu_free_frame(m, z->base_pfn + i);
		anon_vma_put(av);
	}
}

static size_t collect(struct vma *v, uint64_t pfn, uint64_t index,
		      struct rmap_entry *out, size_t max, size_t n)
{
	uint64_t va = vma_address(v, index);
	if (index < v->pgoff || va >= v->end)
		return n;
	struct pt_entry e;
	pt_lookup(v->mm, va, &e);
	if (!e.has_frame || e.pfn != pfn)
		return n;
	if (n < max)
		out[n] = (struct rmap_entry){v->mm, v, va};
	return n + 1;
}

size_t rmap_walk(struct mmu *m, uint64_t pfn, struct rmap_entry *out,
		 size_t max)
{
	struct frame *f = mmu_frame(m, pfn);
	size_t n = 0;
	struct vma *v;
	if (!f || !f->owner)
		return 0;
	if (f->kind == FRAME_ANON) {
		struct anon_vma *av = f->owner;
		LIST_FOREACH(v, &av->vmas, anon_link)
		n = collect(v, pfn, f->index, out, max, n);
	} else if (frame_kind_shmem(f->kind)) {
		struct shmem *s = f->owner;
		LIST_FOREACH(v, &s->vmas, shm_link)
		n = collect(v, pfn, f->index, out, max, n);
	}
	return n;
}
