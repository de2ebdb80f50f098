/* mincore(2) (Linux mm/mincore.c): which pages of a range have a frame
 * behind them.  A present entry is resident, and so is a PROT_NONE one
 * (its frame is kept); an unmapped page of a file or shared object is
 * resident when its page cache holds it (and it is not a page fallocate
 * made and nothing wrote: not up to date).  memu has no swap.
 */
#include "mmap.h"

#include <errno.h>

#include "pagetable.h"
#include "shmem.h"
#include "uaccess.h"

#define MINCORE_BATCH 4096 /* pages a pass, as Linux's one bounce page */

int do_mincore(struct mm *mm, uint64_t start, uint64_t len, uint64_t vec)
{
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!access_ok(start, len))
		return -ENOMEM;
	uint64_t pages = (len >> PAGE_SHIFT) + ((len & ~PAGE_MASK) != 0);
	if (!access_ok(vec, pages))
		return -EFAULT;
	uint8_t buf[MINCORE_BATCH];
	while (pages) {
		/* One VMA at a time; a hole ends it with ENOMEM. */
		struct vma *v = vma_lookup(&mm->vmas, start);
		if (!v)
			return -ENOMEM;
		uint64_t n = (v->end - start) >> PAGE_SHIFT;
		if (n > pages)
			n = pages;
		if (n > MINCORE_BATCH)
			n = MINCORE_BATCH;
		for (uint64_t i = 0; i < n; i++) {
			uint64_t va = start + i * PAGE_SIZE;
			struct pt_entry e;
			pt_lookup(mm, va, &e);
			/* Nothing mapped: a file's page may still be in its
			 * page cache (Linux's mincore_page). */
			/* A hwpoison entry is resident, as Linux's
			 * non-swap entries are. */
			buf[i] = e.has_frame || e.hwpoison ||
				 (v->shm &&
				  shmem_page_uptodate(
					  v->shm, v->pgoff + ((va - v->start) >>
							      PAGE_SHIFT)));
		}
		if (copy_to_user(mm, vec, buf, n))
			return -EFAULT;
		pages -= n;
		vec += n;
		start += n * PAGE_SIZE;
	}
	return 0;
}
