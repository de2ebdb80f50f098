/* Teaching module 1 (devices/contig.c as a module): a physically
 * contiguous buffer, mapped whole with one remap_pfn_range.  The guest
 * takes no fault on it; the entries are special (the frames are the
 * driver's, not counted as mapped pages).
 *
 *     memu run --driver build/drivers/contig_mod.so GUEST ... (/dev/contig_mod)
 */
#define TEACHING_NAME "contig_mod"
#include <stdlib.h>

#include "teaching_module.h"

static int contig_probe(struct memu_device *dev)
{
	struct teaching *t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	uint64_t first = memu_alloc_frames(dev, TEACHING_PAGES);
	if (first == MEMU_PFN_NONE) {
		free(t);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < TEACHING_PAGES; i++) {
		t->pfns[i] = first + i;
		teaching_label(dev, first + i, i);
	}
	memu_device_set_data(dev, t);
	return 0;
}

static void contig_remove(struct memu_device *dev)
{
	free(memu_device_data(dev));
}

static int contig_mmap(struct memu_file *f, struct memu_vma *vma)
{
	struct teaching *t = memu_device_data(memu_file_device(f));
	int err = teaching_check(vma);
	if (err)
		return err;
	/* One call maps the whole range: pfn, pfn + 1, ... */
	return memu_remap_pfn_range(
		vma, memu_vma_start(vma), t->pfns[memu_vma_pgoff(vma)],
		memu_vma_end(vma) - memu_vma_start(vma), MEMU_CACHE_WB);
}

static const struct memu_file_operations contig_fops = {
	.read = teaching_read,
	.llseek = teaching_llseek,
	.mmap = contig_mmap,
};

static const struct memu_driver contig_driver = {
	.abi = MEMU_DRIVER_ABI,
	.name = TEACHING_NAME,
	.mode = 0666,
	.fops = &contig_fops,
	.probe = contig_probe,
	.remove = contig_remove,
};

MEMU_DRIVER_MODULE(contig_driver)
