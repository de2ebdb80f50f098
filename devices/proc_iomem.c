/* /proc/iomem: the physical address map, as Linux 6.1's r_show prints
 * the resource tree to root: "start-end : name", the addresses of at
 * least 8 hex digits with the end inclusive, two spaces of indent per
 * level.  It is the map `memu machine` prints, without the unclaimed gaps
 * (they are no resource) or the busy marks (docs/memory.md, "/proc";
 * docs/machine.md).
 */
#include "../mmu/mmu.h"
#include "proc_text.h"

static void show_iomem(struct proc_text *t, struct file *f)
{
	const struct iomem *io = &f->ctx->mmu->iomem;
	for (int i = 0; i < io->count; i++) {
		const struct iomem_resource *r = &io->res[i];
		text_printf(t, "%*s%08llx-%08llx : %s\n", r->depth * 2, "",
			    (unsigned long long)r->start,
			    (unsigned long long)(r->end - 1), r->name);
	}
}

PROC_ENTRY_FOPS(iomem_fops, show_iomem);

const struct chardev proc_iomem_dev = {
	.path = "/proc/iomem",
	.mode = 0444,
	.regular = true,
	.fops = &iomem_fops,
};
