/* Teaching driver 2: a buffer of scattered pages, mapped page by page
 * with vm_insert_page.
 *
 * Each of the TEACHING_PAGES frames is allocated on its own (they are not
 * contiguous), so no single remap_pfn_range can map them.  mmap inserts
 * them one at a time; the PTEs are ordinary (the frames' mapcounts go up,
 * the VMA is VM_MIXEDMAP) and, again, touching the mapping takes no
 * fault.  Drivers with vmalloc'ed or page-list buffers work this way. */
#include <errno.h>
#include <stdlib.h>

#include "../mmu/remap.h"
#include "teaching.h"

extern const struct chardev scatter_dev;

struct scatter {
	uint64_t pfns[TEACHING_PAGES];
};

static int scatter_probe(struct device_context *ctx)
{
	struct scatter *s = malloc(sizeof(*s));
	if (!s || device_set_data(ctx, &scatter_dev, s)) {
		free(s);
		return -1;
	}
	for (unsigned i = 0; i < TEACHING_PAGES; i++) {
		/* No neighbour hint: each frame starts a fresh block. */
		s->pfns[i] =
			frame_alloc(&ctx->mmu->ram, FRAME_DRIVER, PFN_NONE, i);
		if (s->pfns[i] == PFN_NONE)
			return -1;
		teaching_label(ctx->mmu, s->pfns[i], "scatter", i);
	}
	return 0;
}

static int scatter_mmap(struct file *f, struct vma *vma)
{
	struct scatter *s = device_data(f->ctx, &scatter_dev);
	int err = teaching_check(vma);
	for (uint64_t va = vma->start; !err && va < vma->end; va += PAGE_SIZE) {
		uint64_t page = vma->pgoff + ((va - vma->start) >> PAGE_SHIFT);
		err = vm_insert_page(vma, va, s->pfns[page]);
	}
	return err;
}

static int64_t scatter_read(struct file *f, uint64_t buf, uint64_t count,
			    uint64_t *ppos)
{
	struct scatter *s = device_data(f->ctx, &scatter_dev);
	return teaching_read(f, s->pfns, buf, count, ppos);
}

static const struct file_operations scatter_fops = {
	.read = scatter_read,
	.llseek = teaching_llseek,
	.mmap = scatter_mmap,
};

const struct chardev scatter_dev = {
	.path = "/dev/scatter",
	.major = 240,
	.minor = 1,
	.mode = 0666,
	.fops = &scatter_fops,
	.probe = scatter_probe,
};
