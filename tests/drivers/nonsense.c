/* A module that returns nonsense (tests/module_test.c): a read longer
 * than asked, a remap of a frame it does not own (page 0), a fault
 * result Linux does not define (page 1), a fault that hands back a
 * frame it does not own (page 2).  memu must turn each into EIO, EINVAL
 * or SIGBUS for the guest, and say so. */
#include "memu_driver.h"

static int64_t nonsense_read(struct memu_file *f, uint64_t buf, uint64_t count,
			     uint64_t *pos)
{
	(void)f, (void)buf, (void)pos;
	return (int64_t)count + 1;
}

static unsigned undefined_result(struct memu_vm_fault *vmf)
{
	(void)vmf;
	return 0x1234;
}

static unsigned foreign_frame(struct memu_vm_fault *vmf)
{
	vmf->pfn = 0x100; /* the zero frame: memu's */
	return 0;
}

static const struct memu_vm_operations undefined_ops = {
	.fault = undefined_result,
};
static const struct memu_vm_operations foreign_ops = {
	.fault = foreign_frame,
};

static int nonsense_mmap(struct memu_file *f, struct memu_vma *vma)
{
	(void)f;
	switch (memu_vma_pgoff(vma)) {
	case 0:
		return memu_remap_pfn_range(vma, memu_vma_start(vma), 0x100,
					    MEMU_PAGE_SIZE, MEMU_CACHE_WB);
	case 1:
		memu_vma_set_ops(vma, &undefined_ops);
		return 0;
	default:
		memu_vma_set_ops(vma, &foreign_ops);
		return 0;
	}
}

static const struct memu_file_operations nonsense_fops = {
	.read = nonsense_read,
	.mmap = nonsense_mmap,
};

static const struct memu_driver nonsense_driver = {
	.abi = MEMU_DRIVER_ABI,
	.name = "nonsense",
	.mode = 0666,
	.fops = &nonsense_fops,
};

MEMU_DRIVER_MODULE(nonsense_driver)
