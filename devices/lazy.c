/* Teaching driver 3: a buffer served lazily by vm_ops->fault.
 *
 * mmap installs nothing; it only attaches lazy_vm_ops to the VMA.  The
 * first touch of each page faults, and the fault handler allocates that
 * page of the buffer (if no one touched it before) and hands its frame
 * back for memu to map: one fault per page touched, as with anonymous
 * memory, but the pages are the driver's.  A page past the buffer gets
 * SIGBUS. */
#include <errno.h>
#include <stdlib.h>

#include "teaching.h"

extern const struct chardev lazy_dev;

struct lazy {
	struct mmu *mmu;
	uint64_t pfns[TEACHING_PAGES]; /* PFN_NONE until first touched */
};

static int lazy_probe(struct device_context *ctx)
{
	struct lazy *l = malloc(sizeof(*l));
	if (!l || device_set_data(ctx, &lazy_dev, l)) {
		free(l);
		return -1;
	}
	l->mmu = ctx->mmu;
	for (unsigned i = 0; i < TEACHING_PAGES; i++)
		l->pfns[i] = PFN_NONE;
	return 0;
}

static vm_fault_t lazy_fault(struct vm_fault *vmf)
{
	struct lazy *l = vmf->vma->private_data;
	if (vmf->pgoff >= TEACHING_PAGES)
		return VM_FAULT_SIGBUS;
	uint64_t *pfn = &l->pfns[vmf->pgoff];
	if (*pfn == PFN_NONE) {
		*pfn = frame_alloc(&l->mmu->ram, FRAME_DRIVER, PFN_NONE, 0);
		if (*pfn == PFN_NONE)
			return VM_FAULT_OOM;
		teaching_label(l->mmu, *pfn, "lazy", (unsigned)vmf->pgoff);
	}
	vmf->pfn = *pfn; /* memu maps it: like returning vmf->page */
	return 0;
}

static const struct vm_operations lazy_vm_ops = {
	.name = "lazy",
	.fault = lazy_fault,
};

static int lazy_mmap(struct file *f, struct vma *vma)
{
	int err = teaching_check(vma);
	if (err)
		return err;
	vma->ops = &lazy_vm_ops;
	vma->private_data = device_data(f->ctx, &lazy_dev);
	return 0;
}

static int64_t lazy_read(struct file *f, uint64_t buf, uint64_t count,
			 uint64_t *ppos)
{
	struct lazy *l = device_data(f->ctx, &lazy_dev);
	return teaching_read(f, l->pfns, buf, count, ppos);
}

static const struct file_operations lazy_fops = {
	.read = lazy_read,
	.llseek = teaching_llseek,
	.mmap = lazy_mmap,
};

const struct chardev lazy_dev = {
	.path = "/dev/lazy",
	.major = 240,
	.minor = 2,
	.mode = 0666,
	.fops = &lazy_fops,
	.probe = lazy_probe,
};
