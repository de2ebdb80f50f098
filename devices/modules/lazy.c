/* Teaching module 3 (devices/lazy.c as a module): a buffer served
 * lazily by a fault handler.  mmap installs nothing; the first touch of
 * each page faults, and the handler makes that page (if no one touched
 * it before) and hands its frame back for memu to map: one fault per
 * page.  A page past the buffer gets SIGBUS.
 *
 *     memu run --driver build/drivers/lazy_mod.so GUEST ...    (/dev/lazy_mod)
 */
#define TEACHING_NAME "lazy_mod"
#include <stdlib.h>

#include "teaching_module.h"

static int lazy_probe(struct memu_device *dev)
{
	struct teaching *t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < TEACHING_PAGES; i++)
		t->pfns[i] = MEMU_PFN_NONE;
	memu_device_set_data(dev, t);
	return 0;
}

static void lazy_remove(struct memu_device *dev)
{
	free(memu_device_data(dev));
}

static unsigned lazy_fault(struct memu_vm_fault *vmf)
{
	struct memu_device *dev = memu_vma_device(vmf->vma);
	struct teaching *t = memu_device_data(dev);
	if (vmf->pgoff >= TEACHING_PAGES)
		return MEMU_VM_FAULT_SIGBUS;
	uint64_t *pfn = &t->pfns[vmf->pgoff];
	if (*pfn == MEMU_PFN_NONE) {
		*pfn = memu_alloc_frames(dev, 1);
		if (*pfn == MEMU_PFN_NONE)
			return MEMU_VM_FAULT_OOM;
		teaching_label(dev, *pfn, (unsigned)vmf->pgoff);
	}
	vmf->pfn = *pfn; /* memu maps it: like returning vmf->page */
	return 0;
}

static const struct memu_vm_operations lazy_vm_ops = {
	.fault = lazy_fault,
};

static int lazy_mmap(struct memu_file *f, struct memu_vma *vma)
{
	(void)f;
	int err = teaching_check(vma);
	if (err)
		return err;
	memu_vma_set_ops(vma, &lazy_vm_ops);
	return 0;
}

static const struct memu_file_operations lazy_fops = {
	.read = teaching_read,
	.llseek = teaching_llseek,
	.mmap = lazy_mmap,
};

static const struct memu_driver lazy_driver = {
	.abi = MEMU_DRIVER_ABI,
	.name = TEACHING_NAME,
	.mode = 0666,
	.fops = &lazy_fops,
	.probe = lazy_probe,
	.remove = lazy_remove,
};

MEMU_DRIVER_MODULE(lazy_driver)
