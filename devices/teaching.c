#include "teaching.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../mmu/uaccess.h"

void teaching_label(struct mmu *m, uint64_t pfn, const char *driver,
		    unsigned page)
{
	snprintf(mmu_pfn_host(m, pfn), PAGE_SIZE, "%s page %u\n", driver, page);
}

int64_t teaching_read(struct file *f, const uint64_t *pfns, uint64_t buf,
		      uint64_t count, uint64_t *ppos)
{
	uint64_t size = TEACHING_PAGES * PAGE_SIZE, done = 0;
	while (done < count && *ppos < size) {
		uint64_t page = *ppos >> PAGE_SHIFT, off = *ppos & ~PAGE_MASK;
		uint64_t c = PAGE_SIZE - off;
		if (c > count - done)
			c = count - done;
		int err = pfns[page] == PFN_NONE
				  ? clear_user(f->ctx->mm, buf + done, c)
				  : copy_to_user(
					    f->ctx->mm, buf + done,
					    (uint8_t *)mmu_pfn_host(
						    f->ctx->mmu, pfns[page]) +
						    off,
					    c);
		if (err)
			return done ? (int64_t)done : -EFAULT;
		done += c;
		*ppos += c;
	}
	return (int64_t)done;
}

int teaching_check(const struct vma *vma)
{
	uint64_t pages = (vma->end - vma->start) >> PAGE_SHIFT;
	if (vma->pgoff >= TEACHING_PAGES || pages > TEACHING_PAGES - vma->pgoff)
		return -EINVAL;
	return 0;
}

int64_t teaching_llseek(struct file *f, int64_t offset, int whence)
{
	int64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? (int64_t)f->pos
		       : whence == SEEK_END
			       ? TEACHING_PAGES * (int64_t)PAGE_SIZE
			       : -1;
	if (base < 0 || (offset < 0 && -offset > base))
		return -EINVAL;
	f->pos = (uint64_t)(base + offset);
	return (int64_t)f->pos;
}
