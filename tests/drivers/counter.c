/* A module written in the test (tests/module_test.c), the walkthrough's
 * /dev/counter of docs/drivers.md: one page whose first line says how
 * many times it was faulted in; read(2) says the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memu_driver.h"

struct counter {
	uint64_t pfn;
	unsigned faults;
};

static int counter_probe(struct memu_device *dev)
{
	struct counter *c = calloc(1, sizeof(*c));
	if (!c)
		return -12;
	c->pfn = memu_alloc_frames(dev, 1);
	memu_device_set_data(dev, c);
	return c->pfn == MEMU_PFN_NONE ? -12 : 0;
}

static void counter_remove(struct memu_device *dev)
{
	free(memu_device_data(dev));
}

static unsigned counter_fault(struct memu_vm_fault *vmf)
{
	struct memu_device *dev = memu_vma_device(vmf->vma);
	struct counter *c = memu_device_data(dev);
	c->faults++;
	snprintf(memu_frame_address(dev, c->pfn), 32, "faults: %u\n",
		 c->faults);
	vmf->pfn = c->pfn;
	return 0;
}

static const struct memu_vm_operations counter_vm_ops = {
	.fault = counter_fault,
};

static int counter_mmap(struct memu_file *f, struct memu_vma *vma)
{
	(void)f;
	if (memu_vma_pgoff(vma) != 0 ||
	    memu_vma_end(vma) - memu_vma_start(vma) != MEMU_PAGE_SIZE)
		return -22; /* EINVAL: one page, at offset 0 */
	memu_vma_set_ops(vma, &counter_vm_ops);
	return 0;
}

static int64_t counter_read(struct memu_file *f, uint64_t buf, uint64_t count,
			    uint64_t *pos)
{
	struct counter *c = memu_device_data(memu_file_device(f));
	char text[32];
	int n = snprintf(text, sizeof(text), "counter: %u faults\n", c->faults);
	if (*pos >= (uint64_t)n)
		return 0;
	uint64_t len = (uint64_t)n - *pos < count ? (uint64_t)n - *pos : count;
	if (memu_copy_to_user(f, buf, text + *pos, len))
		return -14; /* EFAULT */
	*pos += len;
	return (int64_t)len;
}

static const struct memu_file_operations counter_fops = {
	.read = counter_read,
	.mmap = counter_mmap,
};

static const struct memu_driver counter_driver = {
	.abi = MEMU_DRIVER_ABI,
	.name = "counter",
	.mode = 0666,
	.fops = &counter_fops,
	.probe = counter_probe,
	.remove = counter_remove,
};

MEMU_DRIVER_MODULE(counter_driver)
