/* Lab 5, a driver's mmap three ways (docs/labs/driver.md): your driver.
 * /dev/labdrv serves 48 pages, page i starting with "labdrv page i\n":
 *   pages  0-15  contiguous frames, mapped at once with remap_pfn_range;
 *   pages 16-31  frames allocated one by one, mapped with vm_insert_page;
 *   pages 32-47  made on the first touch by a fault handler.
 * An mmap must lie inside one region.  probe is written; write mmap and
 * the fault handler.
 *
 * Build it:  cc -shared -fPIC -I include -o labdrv.so starter.c
 * Grade it:  build/labs/grade-driver ./labdrv.so
 */
#include <stdio.h>
#include <stdlib.h>

#include "memu_driver.h"

#define REGION 16
#define PAGES  (3 * REGION)

struct labdrv {
	uint64_t pfns[PAGES]; /* MEMU_PFN_NONE: not made yet */
};

static void label(struct memu_device *dev, uint64_t pfn, unsigned page)
{
	snprintf(memu_frame_address(dev, pfn), 32, "labdrv page %u\n", page);
}

static int labdrv_probe(struct memu_device *dev)
{
	struct labdrv *d = malloc(sizeof(*d));
	if (!d)
		return -12;
	uint64_t first = memu_alloc_frames(dev, REGION);
	for (unsigned i = 0; i < PAGES; i++) {
		if (i < REGION)
			d->pfns[i] = first == MEMU_PFN_NONE ? first : first + i;
		else if (i < 2 * REGION)
			d->pfns[i] = memu_alloc_frames(dev, 1);
		else
			d->pfns[i] = MEMU_PFN_NONE;
		if (i < 2 * REGION && d->pfns[i] == MEMU_PFN_NONE) {
			free(d);
			return -12;
		}
		if (i < 2 * REGION)
			label(dev, d->pfns[i], i);
	}
	memu_device_set_data(dev, d);
	return 0;
}

static void labdrv_remove(struct memu_device *dev)
{
	free(memu_device_data(dev));
}

static unsigned labdrv_fault(struct memu_vm_fault *vmf)
{
	/* TODO 1: for a page of the third region: make it if no one did
	 * (memu_alloc_frames, label), hand its frame back in vmf->pfn and
	 * return 0.  Any other page: MEMU_VM_FAULT_SIGBUS. */
	(void)vmf;
	return MEMU_VM_FAULT_SIGBUS;
}

static const struct memu_vm_operations labdrv_vm_ops = {
	.fault = labdrv_fault,
};

static int labdrv_mmap(struct memu_file *f, struct memu_vma *vma)
{
	struct labdrv *d = memu_device_data(memu_file_device(f));
	uint64_t start = memu_vma_start(vma), end = memu_vma_end(vma);
	uint64_t first = memu_vma_pgoff(vma);
	uint64_t pages = (end - start) / MEMU_PAGE_SIZE;
	unsigned region = (unsigned)(first / REGION);
	if (first >= PAGES || (first + pages - 1) / REGION != region)
		return -22; /* EINVAL: not inside one region */
	/* TODO 2: region 0: one memu_remap_pfn_range for the whole VMA;
	 * region 1: memu_vm_insert_page for each page; region 2:
	 * memu_vma_set_ops with labdrv_vm_ops, nothing mapped now. */
	(void)d;
	(void)region;
	(void)labdrv_vm_ops;
	return -19; /* ENODEV, until it is written */
}

static const struct memu_file_operations labdrv_fops = {
	.mmap = labdrv_mmap,
};

static const struct memu_driver labdrv = {
	.abi = MEMU_DRIVER_ABI,
	.name = "labdrv",
	.mode = 0666,
	.fops = &labdrv_fops,
	.probe = labdrv_probe,
	.remove = labdrv_remove,
};

MEMU_DRIVER_MODULE(labdrv)
