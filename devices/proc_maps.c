/* /proc/PID/maps: the address space's VMAs in Linux 6.1's format
 * (show_map_vma), built when the file is read, as seq_file builds it
 * (devices/proc_text.h; docs/memory.md, "/proc").  A zombie's is empty,
 * a reaped task's ESRCH (m_start).
 *
 *   start-end perms offset major:minor inode   name
 *
 * Addresses have at least 8 hex digits, the offset 8, the device numbers
 * 2; a name is padded to 72 columns and follows one space, and a line with
 * no name ends in a space.  What memu cannot know as Linux does: the
 * program's image is private memory, not a file on a disk, so its lines
 * name the program with device 00:00, inode 0 and offset 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../mmu/shmem.h"
#include "fs.h"
#include "proc_maps.h"
#include "proc_task.h"

/* Device, inode and offset of what backs v, as Linux shows them. */
static void backing_of(const struct vma *v, unsigned *major, unsigned *minor,
		       uint64_t *ino, uint64_t *off)
{
	*major = *minor = 0;
	*ino = *off = 0;
	const struct file *file = v->vm_file;
	if (file && file->inode) {
		/* A file of the tmpfs, or a memfd on the shmem mount. */
		*minor = file->inode->dev;
		*ino = file->inode->ino;
		*off = v->pgoff << PAGE_SHIFT;
	} else if (v->shm) {
		/* Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, or
		 * /dev/zero mapped shared): shmem's "/dev/zero (deleted)". */
		*minor = 1;
		*ino = v->shm->id;
		*off = v->pgoff << PAGE_SHIFT;
	} else if (v->vm_file) {
		/* A device file: devtmpfs (00:05), the inode fstat shows. */
		const struct file *f = v->vm_file;
		*minor = 5;
		*ino = 1000 + f->dev->major * 256 + f->dev->minor;
		*off = v->pgoff << PAGE_SHIFT;
	}
}

void show_map_vma(struct proc_text *t, const struct vma *v)
{
	unsigned major, minor;
	uint64_t ino, off;
	backing_of(v, &major, &minor, &ino, &off);
	size_t line = t->len;
	text_printf(t, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
		    (unsigned long long)v->start, (unsigned long long)v->end,
		    (v->flags & VM_READ) ? 'r' : '-',
		    (v->flags & VM_WRITE) ? 'w' : '-',
		    (v->flags & VM_EXEC) ? 'x' : '-',
		    (v->flags & VM_MAYSHARE) ? 's' : 'p',
		    (unsigned long long)off, major, minor,
		    (unsigned long long)ino);
	const char *name = v->name;
	char path[FS_PATH_MAX + 16];
	const struct file *file = v->vm_file;
	if (file && file->inode && file_path(file, path, sizeof(path)) >= 0)
		name = path; /* " (deleted)" once unlinked, as d_path */
	if (name) {
		text_pad(t, line);
		text_puts(t, name);
	}
	text_puts(t, "\n");
}

const struct vma vsyscall_gate = {
	.start = 0xffffffffff600000ULL,
	.end = 0xffffffffff601000ULL,
	.flags = VM_EXEC,
	.name = "[vsyscall]",
};

static void show_maps(struct proc_text *t, struct file *f)
{
	struct proc_task *task = proc_file_task(f);
	if (!task) {
		t->err = -ESRCH;
		return;
	}
	if (!task->mm)
		return;
	struct vma_tree *vmas = &task->mm->vmas;
	for (struct vma *v = vma_first(vmas); v; v = vma_next(vmas, v))
		show_map_vma(t, v);
	show_map_vma(t, &vsyscall_gate);
}

char *proc_maps_text(struct mm *mm)
{
	struct proc_text t = {0};
	struct vma_tree *vmas = &mm->vmas;
	for (struct vma *v = vma_first(vmas); v; v = vma_next(vmas, v))
		show_map_vma(&t, v);
	show_map_vma(&t, &vsyscall_gate);
	text_put(&t, "", 1); /* the NUL */
	if (t.failed) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

PROC_TEXT_FOPS(maps_fops, show_maps);
PROC_PID_FILE(maps, 0444, &maps_fops);
