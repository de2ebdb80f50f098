/* /proc/PID/clear_refs, write-only, as Linux
 * 6.1's clear_refs_write (fs/proc/task_mmu.c; docs/memory.md, "/proc"):
 *
 *   1  clear the accessed bit of every page (Referenced in smaps)
 *   2  ... of anonymous VMAs only (no file behind them)
 *   3  ... of file-backed VMAs only (devices, shared memory, the image)
 *   4  clear soft-dirty: every VMA and entry, and take write permission
 *      away so that the next write faults and marks the page again
 *      (pagemap bit 55)
 *   5  reset the peak RSS (VmHWM) to the RSS now
 *
 * At most 12 bytes are read; the number, with spaces around it, is parsed
 * as kstrtoint does (EINVAL, or ERANGE beyond an int); PFN maps are left
 * alone.  A write returns its count.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "../mmu/clear_refs.h"
#include "../mmu/uaccess.h"
#include "proc_mm.h"
#include "proc_text.h"

#define PROC_NUMBUF 13

enum clear_refs_types {
	CLEAR_REFS_ALL = 1,
	CLEAR_REFS_ANON,
	CLEAR_REFS_MAPPED,
	CLEAR_REFS_SOFT_DIRTY,
	CLEAR_REFS_MM_HIWATER_RSS,
	CLEAR_REFS_LAST,
};

/* strstrip: the string without the spaces around it. */
static char *strstrip(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* kstrtoint(s, 10, out): digits, an optional sign, one newline after. */
static int kstrtoint(const char *s, int *out)
{
	bool neg = *s == '-';
	if (neg || *s == '+')
		s++;
	uint64_t v = 0;
	bool overflow = false;
	const char *d = s;
	for (; *d >= '0' && *d <= '9'; d++) {
		if (v > (UINT64_MAX - (uint64_t)(*d - '0')) / 10)
			overflow = true;
		v = v * 10 + (uint64_t)(*d - '0');
	}
	if (overflow)
		return -ERANGE;
	if (d == s)
		return -EINVAL;
	if (*d == '\n')
		d++;
	if (*d)
		return -EINVAL;
	if (neg ? v > (uint64_t)INT_MAX + 1 : v > (uint64_t)INT_MAX)
		return -ERANGE;
	*out = neg ? (int)-(int64_t)v : (int)v;
	return 0;
}

static int64_t write_clear_refs(struct file *f, uint64_t ubuf, uint64_t count,
				uint64_t *pos)
{
	(void)pos;
	char buffer[PROC_NUMBUF];
	memset(buffer, 0, sizeof(buffer));
	if (count > sizeof(buffer) - 1)
		count = sizeof(buffer) - 1;
	if (copy_from_user(f->ctx->mm, buffer, ubuf, count))
		return -EFAULT;
	int type;
	int err = kstrtoint(strstrip(buffer), &type);
	if (err)
		return err;
	if (type < CLEAR_REFS_ALL || type >= CLEAR_REFS_LAST)
		return -EINVAL;
	/* The task's address space: ESRCH once reaped, nothing to clear
	 * for a zombie. */
	struct proc_task *task = proc_file_task(f);
	if (!task)
		return -ESRCH;
	struct mm *mm = task->mm;
	if (!mm)
		return (int64_t)count;
	if (type == CLEAR_REFS_MM_HIWATER_RSS) {
		struct proc_rss rss;
		proc_rss_count(mm, &rss);
		task->hiwater_rss = proc_rss_total(&rss);
		return (int64_t)count;
	}
	if (type == CLEAR_REFS_SOFT_DIRTY) {
		clear_refs_soft_dirty(mm);
		return (int64_t)count;
	}
	struct vma_tree *t = &mm->vmas;
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v)) {
		bool file = proc_vma_has_file(task, v);
		if ((v->flags & VM_PFNMAP) ||
		    (type == CLEAR_REFS_ANON && file) ||
		    (type == CLEAR_REFS_MAPPED && !file))
			continue;
		clear_refs_young(mm, v);
	}
	return (int64_t)count;
}

/* noop_llseek: the position stays. */
static int64_t lseek_clear_refs(struct file *f, int64_t offset, int whence)
{
	(void)offset;
	(void)whence;
	return (int64_t)f->pos;
}

static const struct file_operations clear_refs_fops = {
	.write = write_clear_refs,
	.llseek = lseek_clear_refs,
};

PROC_PID_FILE(clear_refs, 0200, &clear_refs_fops);
