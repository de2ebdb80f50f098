/* Shared by the three teaching drivers (contig.c, scatter.c, lazy.c):
 * each serves a 16-page buffer whose page i starts with the text
 * "<driver> page i\n", so a guest can check what it mapped. */
#ifndef MEMU_DEVICES_TEACHING_H
#define MEMU_DEVICES_TEACHING_H

#include "device.h"

#define TEACHING_PAGES 16

/* Write the page's label into frame pfn. */
void teaching_label(struct mmu *m, uint64_t pfn, const char *driver,
		    unsigned page);
/* read(2) of a buffer given by its frames (PFN_NONE reads as zeros). */
int64_t teaching_read(struct file *f, const uint64_t *pfns, uint64_t buf,
		      uint64_t count, uint64_t *ppos);
/* lseek within the buffer (SEEK_END is its end). */
int64_t teaching_llseek(struct file *f, int64_t offset, int whence);
/* Check an mmap request against the buffer: 0 or -EINVAL. */
int teaching_check(const struct vma *vma);

#endif
