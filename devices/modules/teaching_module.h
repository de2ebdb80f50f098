/* What the three teaching modules share (contig.c, scatter.c, lazy.c
 * here; docs/drivers.md, "Modules"): the built-in teaching drivers of
 * devices/contig.c, scatter.c and lazy.c, rewritten against the public
 * driver interface (include/memu_driver.h) and loaded with --driver.
 * Each serves a 16-page buffer whose page i starts with
 * "<name> page i\n", so a guest can check what it mapped. */
#ifndef MEMU_TEACHING_MODULE_H
#define MEMU_TEACHING_MODULE_H

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "memu_driver.h"

/* Each module defines TEACHING_NAME, its device's name, first. */

#define TEACHING_PAGES 16

/* The buffer: its frames, MEMU_PFN_NONE for a page not made yet. */
struct teaching {
	uint64_t pfns[TEACHING_PAGES];
};

/* Write the page's label into a frame of the driver. */
static inline void teaching_label(struct memu_device *dev, uint64_t pfn,
				  unsigned page)
{
	snprintf(memu_frame_address(dev, pfn), MEMU_PAGE_SIZE, "%s page %u\n",
		 TEACHING_NAME, page);
}

/* An mmap inside the buffer: 0 or -EINVAL. */
static inline int teaching_check(struct memu_vma *vma)
{
	uint64_t pages =
		(memu_vma_end(vma) - memu_vma_start(vma)) / MEMU_PAGE_SIZE;
	uint64_t pgoff = memu_vma_pgoff(vma);
	if (pgoff >= TEACHING_PAGES || pages > TEACHING_PAGES - pgoff)
		return -EINVAL;
	return 0;
}

/* read(2): the buffer's bytes from *pos (a page not made yet reads as
 * zeros). */
static inline int64_t teaching_read(struct memu_file *f, uint64_t buf,
				    uint64_t count, uint64_t *pos)
{
	struct memu_device *dev = memu_file_device(f);
	struct teaching *t = memu_device_data(dev);
	uint64_t size = TEACHING_PAGES * MEMU_PAGE_SIZE, done = 0;
	while (done < count && *pos < size) {
		uint64_t page = *pos / MEMU_PAGE_SIZE;
		uint64_t off = *pos % MEMU_PAGE_SIZE;
		uint64_t n = MEMU_PAGE_SIZE - off;
		if (n > count - done)
			n = count - done;
		const char *bytes =
			t->pfns[page] == MEMU_PFN_NONE
				? NULL
				: memu_frame_address(dev, t->pfns[page]);
		int err =
			bytes ? memu_copy_to_user(f, buf + done, bytes + off, n)
			      : memu_clear_user(f, buf + done, n);
		if (err)
			return done ? (int64_t)done : err;
		done += n;
		*pos += n;
	}
	return (int64_t)done;
}

/* lseek within the buffer (SEEK_END is its end). */
static inline int64_t teaching_llseek(struct memu_file *f, int64_t offset,
				      int whence)
{
	int64_t size = TEACHING_PAGES * (int64_t)MEMU_PAGE_SIZE;
	int64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? (int64_t)memu_file_pos(f)
		       : whence == SEEK_END ? size
					    : -1;
	if (base < 0 || (offset < 0 && -offset > base))
		return -EINVAL;
	return base + offset;
}

#endif
