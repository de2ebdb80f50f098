/* Teaching module 2 (devices/scatter.c as a module): a buffer of pages
 * allocated one by one, mapped page by page with vm_insert_page.  The
 * entries are ordinary (the frames' mapcounts go up); touching the
 * mapping takes no fault.
 *
 *     memu run --driver build/drivers/scatter_mod.so GUEST ...
 * (/dev/scatter_mod)
 */
#define TEACHING_NAME "scatter_mod"
#include <stdlib.h>

#include "teaching_module.h"

static int scatter_probe(struct memu_device *dev)
{
	struct teaching *t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < TEACHING_PAGES; i++) {
		t->pfns[i] = memu_alloc_frames(dev, 1);
		if (t->pfns[i] == MEMU_PFN_NONE) {
			free(t);
			return -ENOMEM;
		}
		teaching_label(dev, t->pfns[i], i);
	}
	memu_device_set_data(dev, t);
	return 0;
}

static void scatter_remove(struct memu_device *dev)
{
	free(memu_device_data(dev));
}

static int scatter_mmap(struct memu_file *f, struct memu_vma *vma)
{
	struct teaching *t = memu_device_data(memu_file_device(f));
	int err = teaching_check(vma);
	uint64_t start = memu_vma_start(vma), end = memu_vma_end(vma);
	for (uint64_t va = start; !err && va < end; va += MEMU_PAGE_SIZE) {
		uint64_t page =
			memu_vma_pgoff(vma) + (va - start) / MEMU_PAGE_SIZE;
		err = memu_vm_insert_page(vma, va, t->pfns[page]);
	}
	return err;
}

static const struct memu_file_operations scatter_fops = {
	.read = teaching_read,
	.llseek = teaching_llseek,
	.mmap = scatter_mmap,
};

static const struct memu_driver scatter_driver = {
	.abi = MEMU_DRIVER_ABI,
	.name = TEACHING_NAME,
	.mode = 0666,
	.fops = &scatter_fops,
	.probe = scatter_probe,
	.remove = scatter_remove,
};

MEMU_DRIVER_MODULE(scatter_driver)
