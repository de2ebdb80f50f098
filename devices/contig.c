/* Teaching driver 1: a physically contiguous buffer, mapped whole with
 * remap_pfn_range.
 *
 * The buffer is TEACHING_PAGES frames in a row, allocated when the machine
 * starts.  mmap installs every PTE at once, so a guest that touches the
 * mapping takes no page fault at all; the VMA becomes VM_IO | VM_PFNMAP
 * and the entries are "special" (the frames are the driver's, not
 * counted as mapped pages).  This is how /dev/mem and most framebuffer
 * drivers map memory. */
#include <errno.h>
#include <stdlib.h>

#include "../mmu/remap.h"
#include "teaching.h"

extern const struct chardev contig_dev;

struct contig {
	uint64_t pfns[TEACHING_PAGES]; /* pfns[i] == pfns[0] + i */
};

static int contig_probe(struct device_context *ctx)
{
	struct contig *c = malloc(sizeof(*c));
	uint64_t first =
		frame_alloc_run(&ctx->mmu->ram, FRAME_DRIVER, TEACHING_PAGES);
	if (!c || first == PFN_NONE || device_set_data(ctx, &contig_dev, c)) {
		free(c);
		return -1;
	}
	for (unsigned i = 0; i < TEACHING_PAGES; i++) {
		c->pfns[i] = first + i;
		teaching_label(ctx->mmu, first + i, "contig", i);
	}
	return 0;
}

static int contig_mmap(struct file *f, struct vma *vma)
{
	struct contig *c = device_data(f->ctx, &contig_dev);
	int err = teaching_check(vma);
	if (err)
		return err;
	/* One call maps the whole range: pfn, pfn + 1, ... */
	return remap_pfn_range(vma, vma->start, c->pfns[vma->pgoff],
			       vma->end - vma->start, PAGE_CACHE_WB);
}

static int64_t contig_read(struct file *f, uint64_t buf, uint64_t count,
			   uint64_t *ppos)
{
	struct contig *c = device_data(f->ctx, &contig_dev);
	return teaching_read(f, c->pfns, buf, count, ppos);
}

static const struct file_operations contig_fops = {
	.read = contig_read,
	.llseek = teaching_llseek,
	.mmap = contig_mmap,
};

const struct chardev contig_dev = {
	.path = "/dev/contig",
	.major = 240,
	.minor = 0,
	.mode = 0666,
	.fops = &contig_fops,
	.probe = contig_probe,
};
