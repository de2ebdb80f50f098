#include "pagetable.h"

#include <errno.h>
#include <string.h>

#include "pte.h"

#define LEVELS	    4
#define ENTRIES	    512
#define UPPER_FLAGS (PTE_P | PTE_W)

static unsigned index_at(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (ENTRIES - 1);
}

/* A page table of the bank, as memu's kernel reaches it; NULL for a frame
 * that is not one.  memu's kernel never follows an upper entry out of the
 * bank (one a bit flip bent, docs/inject.md): a lookup through it finds
 * nothing and an insert fails.  The CPU's walker goes wherever the entry
 * points (cpu_entry). */
static pte_t *table(struct mm *mm, uint64_t pfn)
{
	struct frame *f = zone_frame(&mm->mmu->ptbank, pfn);
	if (!f || f->kind != FRAME_PAGETABLE)
		return NULL;
	return mmu_pfn_host(mm->mmu, pfn);
}

/* Note that a flush is owed, and why (TLB_FLUSH_*). */
static void owe_flush(struct mm *mm, unsigned reason)
{
	mm->flush_pending = true;
	mm->flush_reasons |= reason;
}

static bool user_va(uint64_t va)
{
	return va < USER_VA_END;
}

static void emit_pte(struct mm *mm, enum event_kind k, uint64_t va, pte_t new,
		     pte_t old, int level)
{
	struct event e = {k, va, new, old, (uint64_t)level};
	event_emit(&mm->mmu->events, &e);
}

static void write_entry(struct mm *mm, pte_t *slot, uint64_t va, pte_t new,
			int level)
{
	pte_t old = *slot;
	*slot = new;
	emit_pte(mm, new ? EV_PTE_SET : EV_PTE_CLEAR, va, new, old, level);
}

int pt_create(struct mm *mm)
{
	uint64_t pfn = frame_alloc_dense(&mm->mmu->ptbank, FRAME_PAGETABLE);
	if (pfn == PFN_NONE)
		return -ENOMEM;
	mm->pml4_pfn = pfn;
	return 0;
}

static void free_tables(struct mm *mm, uint64_t pfn, int level)
{
	pte_t *t = table(mm, pfn);
	if (!t)
		return; /* not a table (a flipped entry): not ours to free */
	for (unsigned i = 0; level > 1 && i < ENTRIES; i++)
		if (t[i] & PTE_P)
			free_tables(mm, pte_pfn(t[i]), level - 1);
	mmu_free_frame(mm->mmu, pfn);
}

void pt_free_tables(struct mm *mm)
{
	free_tables(mm, mm->pml4_pfn, LEVELS);
}

uint64_t pt_root(struct mm *mm)
{
	return mm->pml4_pfn << PAGE_SHIFT;
}

/* The slot for va at level 1 (the PT), allocating tables on the way when
 * alloc is set.  NULL when a table is absent (or cannot be allocated). */
static pte_t *walk(struct mm *mm, uint64_t va, bool alloc)
{
	uint64_t pfn = mm->pml4_pfn;
	for (int level = LEVELS; level > 1; level--) {
		pte_t *t = table(mm, pfn);
		if (!t)
			return NULL;
		pte_t *slot = &t[index_at(va, level)];
		if (!(*slot & PTE_P)) {
			if (!alloc)
				return NULL;
			uint64_t t = frame_alloc_dense(&mm->mmu->ptbank,
						       FRAME_PAGETABLE);
			if (t == PFN_NONE)
				return NULL;
			/* Upper levels grant everything; the leaf decides.
			 * U only in the user half, so user code can never
			 * reach the kernel half. */
			pte_t e = (t << PAGE_SHIFT) | UPPER_FLAGS |
				  (user_va(va) ? PTE_U : 0);
			write_entry(mm, slot, va, e, level);
		}
		pfn = pte_pfn(*slot);
	}
	pte_t *t = table(mm, pfn);
	return t ? &t[index_at(va, 1)] : NULL;
}

pte_t pt_get(struct mm *mm, uint64_t va)
{
	pte_t *slot = walk(mm, va, false);
	return slot ? *slot : 0;
}

void pte_decode(pte_t p, struct pt_entry *e)
{
	bool frame = pte_has_frame(p), poison = pte_hwpoison(p);
	bool swapped = pte_swap(p) && !poison;
	*e = (struct pt_entry){
		.present = pte_present(p),
		.has_frame = frame,
		.writable = pte_write(p),
		.user = p & PTE_U,
		.exec = frame && !(p & PTE_NX),
		.accessed = p & PTE_A,
		.dirty = p & PTE_D,
		.nocache = p & PTE_PCD,
		.writethru = p & PTE_PWT,
		.pat = p & PTE_PAT,
		.soft_dirty = p & PTE_SOFT_DIRTY,
		.special = pte_special(p),
		.protnone = p & PTE_PROTNONE,
		.swap = pte_swap(p),
		.hwpoison = poison,
		.pfn = frame || poison ? pte_pfn(p) : 0,
		.swapped = swapped,
		.swap_type = swapped ? pte_swp_type(p) : 0,
		.swap_offset = swapped ? pte_swp_offset(p) : 0,
	};
	if (swapped) /* the type and offset bits are no rights */
		e->writable = e->user = e->accessed = e->dirty = e->nocache =
			e->writethru = e->pat = e->special = false;
}

bool pt_lookup(struct mm *mm, uint64_t va, struct pt_entry *e)
{
	pte_decode(pt_get(mm, va), e);
	return e->present;
}

static pte_t make_pte(uint64_t pfn, unsigned ptf)
{
	pte_t p = (pfn << PAGE_SHIFT) | PTE_P;
	if (ptf & PTF_WRITE)
		p |= PTE_W;
	if (ptf & PTF_USER)
		p |= PTE_U;
	if (ptf & PTF_SPECIAL)
		p |= PTE_SPECIAL;
	if (ptf & PTF_NOCACHE)
		p |= PTE_PCD;
	if (ptf & PTF_WRITETHRU)
		p |= PTE_PWT;
	if (!(ptf & PTF_EXEC))
		p |= PTE_NX;
	if (ptf & PTF_SOFT_DIRTY)
		p |= PTE_SOFT_DIRTY;
	/* A and D stay clear: the CPU sets them when it uses the entry. */
	return p;
}

int pt_enter(struct mm *mm, uint64_t va, uint64_t pfn, unsigned ptf)
{
	pte_t *slot = walk(mm, va, true);
	if (!slot)
		return -ENOMEM;
	/* The TLB may hold the old entry: a new frame (COW) needs a flush,
	 * more rights on the same frame do not (the refused access misses
	 * and refills). */
	if (pte_present(*slot) && pte_pfn(*slot) != pfn) {
		if (mm->flush_page == NO_PAGE && !mm->flush_pending)
			mm->flush_page = va;
		else if (mm->flush_page != va)
			mm->flush_pending = true;
		mm->flush_reasons |= TLB_FLUSH_COW;
	}
	write_entry(mm, slot, va, make_pte(pfn, ptf), 1);
	return 0;
}

int pt_enter_kernel(struct mm *mm, uint64_t va, uint64_t pfn)
{
	return pt_enter(mm, va, pfn, PTF_WRITE | PTF_EXEC);
}

pte_t pt_clear(struct mm *mm, uint64_t va)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot || !*slot)
		return 0;
	pte_t old = *slot;
	write_entry(mm, slot, va, 0, 1);
	if (pte_present(old))
		owe_flush(mm, TLB_FLUSH_UNMAP);
	return old;
}

pte_t pt_set_hwpoison(struct mm *mm, uint64_t va)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot || !pte_has_frame(*slot))
		return 0;
	pte_t old = *slot;
	write_entry(mm, slot, va, (old & PTE_ADDR) | PTE_HWPOISON, 1);
	if (pte_present(old))
		owe_flush(mm, TLB_FLUSH_UNMAP);
	return old;
}

pte_t pt_set_swap(struct mm *mm, uint64_t va, unsigned type, uint64_t offset)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot || !pte_has_frame(*slot))
		return 0;
	pte_t old = *slot;
	write_entry(mm, slot, va,
		    swp_entry_to_pte(type, offset) | (old & PTE_SOFT_DIRTY), 1);
	if (pte_present(old))
		owe_flush(mm, TLB_FLUSH_UNMAP);
	return old;
}

int pt_enter_swap(struct mm *mm, uint64_t va, unsigned type, uint64_t offset,
		  bool soft_dirty)
{
	pte_t *slot = walk(mm, va, true);
	if (!slot)
		return -ENOMEM;
	write_entry(mm, slot, va,
		    swp_entry_to_pte(type, offset) |
			    (soft_dirty ? PTE_SOFT_DIRTY : 0),
		    1);
	return 0;
}

int pt_replace_pfn(struct mm *mm, uint64_t va, uint64_t pfn)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot || !pte_has_frame(*slot))
		return -ENOENT;
	pte_t old = *slot;
	write_entry(mm, slot, va, (old & ~PTE_ADDR) | (pfn << PAGE_SHIFT), 1);
	if (pte_present(old))
		owe_flush(mm, TLB_FLUSH_COW);
	return 0;
}

void pt_set_writable(struct mm *mm, uint64_t va, bool writable)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot || !pte_present(*slot) || pte_write(*slot) == writable)
		return;
	write_entry(mm, slot, va, writable ? *slot | PTE_W : *slot & ~PTE_W, 1);
	if (!writable)
		owe_flush(mm, TLB_FLUSH_PROTECT);
}

void pt_set_protnone(struct mm *mm, uint64_t va, bool none, bool writable)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot || !pte_has_frame(*slot))
		return;
	pte_t p = *slot & ~(PTE_P | PTE_W | PTE_PROTNONE);
	if (none) {
		p |= PTE_PROTNONE;
		if (pte_present(*slot))
			owe_flush(mm, TLB_FLUSH_PROTECT);
	} else {
		p |= PTE_P | (writable ? PTE_W : 0);
	}
	if (p != *slot)
		write_entry(mm, slot, va, p, 1);
}

void pt_set_exec(struct mm *mm, uint64_t va, bool exec)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot || !pte_has_frame(*slot) || !(*slot & PTE_NX) == exec)
		return;
	write_entry(mm, slot, va, exec ? *slot & ~PTE_NX : *slot | PTE_NX, 1);
	if (!exec && pte_present(*slot))
		owe_flush(mm, TLB_FLUSH_PROTECT);
}

int pt_move(struct mm *mm, uint64_t from, uint64_t to)
{
	pte_t *src = walk(mm, from, false);
	if (!src || !*src)
		return 0;
	pte_t *dst = walk(mm, to, true);
	if (!dst)
		return -ENOMEM;
	src = walk(mm, from, false); /* tables may not move, but be plain */
	pte_t p = *src;
	write_entry(mm, dst, to, p, 1);
	write_entry(mm, src, from, 0, 1);
	if (pte_present(p))
		owe_flush(mm, TLB_FLUSH_UNMAP);
	return 0;
}

/* The bits a write sets: D, and soft-dirty on an ordinary frame (Linux
 * sets it in the write fault's pte_mkdirty; a PFN map's entry never gets
 * it there). */
static pte_t write_bits(pte_t p)
{
	return PTE_D | (pte_special(p) ? 0 : PTE_SOFT_DIRTY);
}

void pt_touch(struct mm *mm, uint64_t va, bool write)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot || !pte_present(*slot))
		return;
	pte_t p = *slot | PTE_A | (write ? write_bits(*slot) : 0);
	if (p != *slot)
		write_entry(mm, slot, va, p, 1);
}

void pt_clear_young(struct mm *mm, uint64_t va)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot || !pte_has_frame(*slot) || !(*slot & PTE_A))
		return;
	write_entry(mm, slot, va, *slot & ~PTE_A, 1);
	if (pte_present(*slot))
		mm->flush_pending = true;
}

void pt_clear_soft_dirty(struct mm *mm, uint64_t va)
{
	pte_t *slot = walk(mm, va, false);
	if (slot && pte_swap(*slot) && !pte_hwpoison(*slot) &&
	    (*slot & PTE_SOFT_DIRTY)) {
		/* A swapped page's entry (Linux pte_swp_clear_soft_dirty). */
		write_entry(mm, slot, va, *slot & ~PTE_SOFT_DIRTY, 1);
		return;
	}
	if (!slot || !pte_has_frame(*slot))
		return;
	pte_t p = *slot & ~(PTE_W | PTE_SOFT_DIRTY);
	if (p == *slot)
		return;
	if (pte_present(*slot) && pte_write(*slot))
		mm->flush_pending = true;
	write_entry(mm, slot, va, p, 1);
}

static uint64_t count_tables(struct mm *mm, uint64_t pfn, int level)
{
	pte_t *t = table(mm, pfn);
	uint64_t n = 0;
	for (unsigned i = 0; i < ENTRIES; i++)
		if ((t[i] & PTE_P) &&
		    zone_contains(&mm->mmu->ptbank, pte_pfn(t[i])))
			n += 1 + (level > 2 ? count_tables(mm, pte_pfn(t[i]),
							   level - 1)
					    : 0);
	return n;
}

uint64_t pt_table_pages(struct mm *mm)
{
	pte_t *pml4 = table(mm, mm->pml4_pfn);
	uint64_t n = 0;
	/* The lower half of the PML4: the kernel half is not the mm's. */
	for (unsigned i = 0; i < ENTRIES / 2; i++)
		if (pml4[i] & PTE_P)
			n += 1 + count_tables(mm, pte_pfn(pml4[i]), LEVELS - 1);
	return n;
}

uint64_t pt_neighbour_pfn(struct mm *mm, uint64_t va)
{
	pte_t *slot = walk(mm, va, false);
	if (!slot)
		return PFN_NONE;
	unsigned i = index_at(va, 1);
	pte_t *pt = slot - i;
	/* Nearest mapped ordinary frame within FRAME_BLOCK entries. */
	for (unsigned d = 1; d <= FRAME_BLOCK; d++) {
		if (i >= d && pte_present(pt[i - d]) && !pte_special(pt[i - d]))
			return pte_pfn(pt[i - d]) + d;
		if (i + d < ENTRIES && pte_present(pt[i + d]) &&
		    !pte_special(pt[i + d]) && pte_pfn(pt[i + d]) >= d)
			return pte_pfn(pt[i + d]) - d;
	}
	return PFN_NONE;
}

static uint64_t span(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * (level - 1));
}

/* The upper half of the PML4 maps the sign-extended (canonical) top. */
static uint64_t canonical(uint64_t va)
{
	return va & (1ULL << 47) ? va | 0xffff000000000000ULL : va;
}

static void visit(struct mm *mm, uint64_t pfn, int level, uint64_t base,
		  uint64_t start, uint64_t end, pt_visit_fn fn, void *arg)
{
	pte_t *t = table(mm, pfn);
	uint64_t size = span(level);
	if (!t)
		return;
	/* Start at start's slot when it lies in this table, not at slot 0. */
	for (unsigned i = start > base ? index_at(start, level) : 0;
	     i < ENTRIES; i++) {
		uint64_t lo = canonical(base + i * size);
		/* last byte, not lo + size: the top slot ends at 2^64 */
		if (lo + (size - 1) < start)
			continue;
		if (lo >= end)
			break;
		pte_t e = t[i];
		if (level == 1) {
			if (e)
				fn(mm, lo, e, arg);
		} else if (e & PTE_P) {
			visit(mm, pte_pfn(e), level - 1, lo, start, end, fn,
			      arg);
		}
	}
}

void pt_for_each(struct mm *mm, uint64_t start, uint64_t end, pt_visit_fn fn,
		 void *arg)
{
	if (start >= end)
		return;
	visit(mm, mm->pml4_pfn, LEVELS, 0, start, end, fn, arg);
}

/* ---- the CPU's page walker */

/* Bits that must be zero: above MAXPHYADDR (bits 51:40), and PS in a
 * PML4 entry.  Bit 63 is XD, not reserved, with EFER.NXE on. */
#define RSVD_ADDR   (0x000fffffffffffffULL & ~((1ULL << PHYS_ADDR_BITS) - 1))
#define PTE_PS	    PTE_PAT /* bit 7 above the leaf level */
#define RIGHTS_MASK (PTE_W | PTE_U)

static bool reserved_bits(pte_t e, int level)
{
	return (e & RSVD_ADDR) || (level == LEVELS && (e & PTE_PS));
}

/* One entry as the CPU reads it: from the bank directly, and wherever
 * else an entry points (a flipped bit) through the bus, as the hardware
 * would: RAM as it is, device memory through its callbacks, empty bus as
 * all ones (reserved bits set). */
struct cpu_slot {
	pte_t *host; /* in the bank: the entry itself */
	uint64_t pa; /* elsewhere: its physical address */
	pte_t e;
};

static void cpu_read(struct mm *mm, uint64_t table_pfn, unsigned i,
		     struct cpu_slot *s)
{
	if (zone_contains(&mm->mmu->ptbank, table_pfn)) {
		s->host = (pte_t *)mmu_pfn_host(mm->mmu, table_pfn) + i;
		s->e = *s->host;
		return;
	}
	s->host = NULL;
	s->pa = (table_pfn << PAGE_SHIFT) + i * sizeof(pte_t);
	mmu_phys_read(mm->mmu, s->pa, &s->e, sizeof(s->e));
}

static void cpu_write(struct mm *mm, struct cpu_slot *s, pte_t e)
{
	s->e = e;
	if (s->host)
		*s->host = e;
	else
		mmu_phys_write(mm->mmu, s->pa, &e, sizeof(e));
}

static void set_bits(struct mm *mm, struct cpu_slot *s, pte_t bits)
{
	/* The CPU writes A and D itself: no event, as on hardware. */
	if ((s->e & bits) != bits)
		cpu_write(mm, s, s->e | bits);
}

int pt_walk(struct mm *mm, uint64_t va, enum pt_access access, bool user,
	    struct pt_walk *w)
{
	uint32_t err = (user ? PF_USER : 0) |
		       (access == PT_WRITE ? PF_WRITE : 0) |
		       (access == PT_FETCH ? PF_INSTR : 0);
	pte_t rights = RIGHTS_MASK, nx = 0;
	uint64_t pfn = mm->pml4_pfn;
	struct cpu_slot slot;
	int level;
	for (level = LEVELS; level >= 1; level--) {
		cpu_read(mm, pfn, index_at(va, level), &slot);
		pte_t e = slot.e;
		if (!(e & PTE_P))
			goto fault;
		if (reserved_bits(e, level)) {
			err |= PF_PROT | PF_RSVD;
			goto fault;
		}
		rights &= e;
		nx |= e & PTE_NX;
		if (level == 1 || (level < LEVELS && (e & PTE_PS)))
			break;
		set_bits(mm, &slot, PTE_A);
		pfn = pte_pfn(e);
	}
	/* A large page (PS at level 2 or 3) covers the low bits of va. */
	uint64_t span_mask = (1ULL << (PAGE_SHIFT + 9 * (level - 1))) - 1;
	bool writable = (rights & PTE_W) != 0;
	if ((user && !(rights & PTE_U)) ||
	    (access == PT_WRITE && !writable) /* CR0.WP is set */ ||
	    (access == PT_FETCH && nx)) {
		err |= PF_PROT;
		goto fault;
	}
	set_bits(mm, &slot,
		 PTE_A | (access == PT_WRITE ? write_bits(slot.e) : 0));
	w->pa = ((slot.e & PTE_ADDR & ~span_mask) | (va & span_mask)) &
		PAGE_MASK;
	/* Write permission in the TLB only once D is set: the first write
	 * to a clean page misses and comes back here to set it. */
	w->writable = writable && (slot.e & PTE_D);
	w->exec = !nx;
	w->error = 0;
	return 0;
fault:
	w->error = err;
	return -1;
}

int pt_peek(struct mm *mm, uint64_t va, struct pt_level lv[4],
	    struct pt_peek_out *out)
{
	pte_t rights = RIGHTS_MASK;
	uint64_t pfn = mm->pml4_pfn;
	*out = (struct pt_peek_out){PT_PEEK_NONE, false, false, false};
	for (int level = LEVELS, n = 0; level >= 1; level--, n++) {
		struct cpu_slot slot;
		unsigned i = index_at(va, level);
		cpu_read(mm, pfn, i, &slot);
		pte_t e = slot.e;
		bool leaf = level == 1 || (level < LEVELS && (e & PTE_PS));
		lv[n] = (struct pt_level){level, i,	     pfn << PAGE_SHIFT,
					  e,	 pte_pfn(e), leaf};
		if (!(e & PTE_P) || reserved_bits(e, level))
			return n + 1;
		rights &= e;
		if (leaf) {
			uint64_t span =
				(1ULL << (PAGE_SHIFT + 9 * (level - 1))) - 1;
			out->pa = (e & PTE_ADDR & ~span) | (va & span);
			out->user = (rights & PTE_U) != 0;
			out->writable = (rights & PTE_W) != 0;
			out->dirty = (e & PTE_D) != 0;
			return n + 1;
		}
		pfn = pte_pfn(e);
	}
	return LEVELS;
}

static void walk_tree(struct mm *mm, uint64_t pfn, int level, pt_tree_fn fn,
		      void *arg)
{
	for (unsigned i = 0; i < 512; i++) {
		struct cpu_slot slot;
		cpu_read(mm, pfn, i, &slot);
		pte_t e = slot.e;
		if (!(e & PTE_P))
			continue;
		fn(level, i, e, e & PTE_ADDR, arg);
		bool leaf = level == 1 || (level < LEVELS && (e & PTE_PS));
		if (!leaf && !reserved_bits(e, level))
			walk_tree(mm, pte_pfn(e), level - 1, fn, arg);
	}
}

void pt_walk_tree(struct mm *mm, pt_tree_fn fn, void *arg)
{
	walk_tree(mm, mm->pml4_pfn, LEVELS, fn, arg);
}

const char *const pt_bit_names[64] = {
	[0] = "p", [1] = "rw", [2] = "us", [3] = "pwt", [4] = "pcd",
	[5] = "a", [6] = "d",  [7] = "ps", [8] = "g",	[63] = "nx",
};

int pt_flip_bit(struct mm *mm, uint64_t va, int level, unsigned bit, pte_t *old)
{
	if (level < 1 || level > LEVELS || bit > 63)
		return -EINVAL;
	/* The entry the CPU would use for va at that level: the walk
	 * follows present entries wherever they point, as the CPU does. */
	uint64_t pfn = mm->pml4_pfn;
	struct cpu_slot slot;
	for (int l = LEVELS;; l--) {
		cpu_read(mm, pfn, index_at(va, l), &slot);
		if (l == level)
			break;
		if (!(slot.e & PTE_P) || reserved_bits(slot.e, l) ||
		    (l < LEVELS && (slot.e & PTE_PS)))
			return -ENOENT;
		pfn = pte_pfn(slot.e);
	}
	*old = slot.e;
	/* A fault in the memory holding the table: no event, no flush. */
	cpu_write(mm, &slot, slot.e ^ (1ULL << bit));
	return 0;
}
