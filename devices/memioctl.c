/* FreeBSD mem(4)'s ioctls, on /dev/mem and /dev/kmem alike (FreeBSD checks
 * neither the node nor the open mode):
 *
 *   MEM_EXTRACT_PADDR  a virtual address of the caller -> physical
 *                      address, NUMA domain and state; always returns 0
 *   MEMRANGE_GET       the memory-range descriptors (mmu/memrange.c)
 *   MEMRANGE_SET       update or remove one
 *
 * The ioctl numbers are FreeBSD's amd64 encodings; the generic layer's
 * copy-in, copy-out and their EFAULTs are done here as FreeBSD's
 * sys_ioctl does (_IOW: nothing copied back; _IOWR: copied back on
 * success).  Linux passes the command as a 32-bit unsigned int. */
#include <errno.h>
#include <string.h>

#include "../mmu/pagetable.h"
#include "../mmu/uaccess.h"
#include "../mmu/wprotect.h"
#include "memioctl.h"
#include "proc_task.h"

#define MEMRANGE_GET	  0xC0106D32u
#define MEMRANGE_SET	  0x80106D33u
#define MEM_EXTRACT_PADDR 0xC0406D34u

#define ME_STATE_INVALID 0
#define ME_STATE_VALID	 1
#define ME_STATE_MAPPED	 2

/* The calling process's pid (docs/processes.md): its holds go when it
 * exits. */
#define CALLER_PID(ctx) ((ctx)->task ? (ctx)->task->pid : 1)

struct mem_extract {
	uint64_t me_vaddr;
	uint64_t me_paddr;
	int32_t me_domain;
	int32_t me_state;
	uint64_t pad1[5];
};

struct mem_range_op {
	uint64_t mo_desc; /* guest pointer */
	int32_t mo_arg[2];
};

_Static_assert(sizeof(struct mem_extract) == 64, "FreeBSD ABI");
_Static_assert(sizeof(struct mem_range_op) == 16, "FreeBSD ABI");
_Static_assert(sizeof(struct mem_range_desc) == 32, "FreeBSD ABI");

static void extract(struct device_context *ctx, struct mem_extract *me)
{
	struct mm *mm = ctx->mm;
	if (!vma_lookup(&mm->vmas, me->me_vaddr)) {
		me->me_state = ME_STATE_INVALID;
		return;
	}
	struct pt_entry e;
	uint64_t pa =
		pt_lookup(mm, me->me_vaddr & PAGE_MASK, &e)
			? (e.pfn << PAGE_SHIFT) | (me->me_vaddr & ~PAGE_MASK)
			: 0;
	if (!pa) { /* pmap_extract gave 0: no page (yet) */
		me->me_state = ME_STATE_VALID;
		return;
	}
	me->me_paddr = pa;
	me->me_domain = (int32_t)mmu_numa_domain(ctx->mmu, pa);
	me->me_state = ME_STATE_MAPPED;
}

static int64_t extract_paddr(struct device_context *ctx, uint64_t arg)
{
	struct mem_extract me;
	if (copy_from_user(ctx->mm, &me, arg, sizeof(me)))
		return -EFAULT;
	extract(ctx, &me);
	return copy_to_user(ctx->mm, arg, &me, sizeof(me)) ? -EFAULT : 0;
}

/* The generic copy-in of the op, then memioctl_md's first checks: no
 * backend (no MTRRs), no descriptors (MTRRs left disabled). */
static int64_t range_op(struct device_context *ctx, uint64_t arg,
			struct mem_range_op *op)
{
	struct memrange *mr = &ctx->mmu->memrange;
	if (copy_from_user(ctx->mm, op, arg, sizeof(*op)))
		return -EFAULT;
	if (!mr->backend)
		return -EOPNOTSUPP;
	return mr->ndesc ? 0 : -ENXIO;
}

static int64_t range_get(struct device_context *ctx, uint64_t arg)
{
	struct memrange *mr = &ctx->mmu->memrange;
	struct mem_range_op op;
	int64_t err = range_op(ctx, arg, &op);
	if (err)
		return err;
	int nd = op.mo_arg[0] < mr->ndesc ? op.mo_arg[0] : mr->ndesc;
	if (nd > 0) {
		struct mem_range_desc descs[MEMRANGE_FIXED + MTRR_VAR_MAX];
		memrange_get(mr, descs, &nd);
		if (copy_to_user(ctx->mm, op.mo_desc, descs,
				 (size_t)nd * sizeof(descs[0])))
			return -EFAULT;
	} else {
		nd = mr->ndesc;
	}
	op.mo_arg[0] = nd;
	return copy_to_user(ctx->mm, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

static int64_t range_set(struct device_context *ctx, uint64_t arg)
{
	struct memrange *mr = &ctx->mmu->memrange;
	struct mem_range_op op;
	struct mem_range_desc d;
	int64_t err = range_op(ctx, arg, &op);
	if (err)
		return err;
	if (copy_from_user(ctx->mm, &d, op.mo_desc, sizeof(d)))
		return -EFAULT;
	d.mr_owner[7] = '\0';
	err = memrange_set(mr, &d, op.mo_arg[0], CALLER_PID(ctx));
	if (!err) {
		write_protect_sweep(ctx->mm);
		mm_flush_tlb(ctx->mm);
	}
	return err;
}

int64_t mem_ioctl(struct file *f, uint64_t cmd, uint64_t arg)
{
	switch ((uint32_t)cmd) {
	case MEM_EXTRACT_PADDR:
		return extract_paddr(f->ctx, arg);
	case MEMRANGE_GET:
		return range_get(f->ctx, arg);
	case MEMRANGE_SET:
		return range_set(f->ctx, arg);
	default:
		return -ENOTTY;
	}
}
