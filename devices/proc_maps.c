/* /proc/self/maps (and /proc/1/maps): the address space's VMAs in Linux
 * 6.1's format (fs/proc/task_mmu.c show_map_vma), built when the file is
 * opened, as seq_file builds it, so that reads at any offset and of any
 * size see one consistent text (docs/memory.md, "/proc").
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
#include <string.h>
#include <unistd.h>

#include "../mmu/shmem.h"
#include "../mmu/uaccess.h"
#include "device.h"
#include "fs.h"

#define NAME_COLUMN 72 /* seq_setwidth: 25 + sizeof(void *) * 6 - 1 */

struct maps_text {
	char *buf;
	size_t len, cap;
};

static int append(struct maps_text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *b = realloc(t->buf, cap);
		if (!b)
			return -ENOMEM;
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return 0;
}

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

static int show_vma(struct maps_text *t, const struct vma *v)
{
	unsigned major, minor;
	uint64_t ino, off;
	backing_of(v, &major, &minor, &ino, &off);
	const char *name = v->name;
	char path[FS_PATH_MAX + 16];
	const struct file *file = v->vm_file;
	if (file && file->inode && file_path(file, path, sizeof(path)) >= 0)
		name = path;
	char line[FS_PATH_MAX + 128];
	int n = snprintf(
		line, sizeof(line),
		"%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
		(unsigned long long)v->start, (unsigned long long)v->end,
		(v->flags & VM_READ) ? 'r' : '-',
		(v->flags & VM_WRITE) ? 'w' : '-',
		(v->flags & VM_EXEC) ? 'x' : '-',
		(v->flags & VM_MAYSHARE) ? 's' : 'p', (unsigned long long)off,
		major, minor, (unsigned long long)ino);
	if (name) {
		/* seq_pad: spaces up to the column, then one more. */
		int width = n - 1; /* the name's pad replaces the space */
		while (width < NAME_COLUMN && n < (int)sizeof(line) - 1) {
			line[n++] = ' ';
			width++;
		}
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s", name);
		if (n >= (int)sizeof(line) - 1)
			n = (int)sizeof(line) - 2;
	}
	line[n++] = '\n';
	return append(t, line, (size_t)n);
}

/* The vsyscall page memu emulates (Linux's gate VMA, shown last). */
static const struct vma vsyscall_gate = {
	.start = 0xffffffffff600000ULL,
	.end = 0xffffffffff601000ULL,
	.flags = VM_EXEC,
	.name = "[vsyscall]",
};

static int build_maps(struct mm *mm, struct maps_text *t)
{
	struct vma_tree *vmas = &mm->vmas;
	int err = 0;
	for (struct vma *v = vma_first(vmas); v && !err; v = vma_next(vmas, v))
		err = show_vma(t, v);
	if (err || show_vma(t, &vsyscall_gate)) {
		free(t->buf);
		return -ENOMEM;
	}
	return 0;
}

char *proc_maps_text(struct mm *mm)
{
	struct maps_text t = {0};
	if (build_maps(mm, &t))
		return NULL;
	if (t.buf)
		t.buf[t.len] = '\0'; /* append keeps room for it */
	return t.buf;
}

static int open_maps(struct file *f)
{
	struct maps_text *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (build_maps(f->ctx->mm, t)) {
		free(t);
		return -ENOMEM;
	}
	f->private_data = t;
	return 0;
}

static void release_maps(struct file *f)
{
	struct maps_text *t = f->private_data;
	if (t)
		free(t->buf);
	free(t);
}

static int64_t read_maps(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos)
{
	const struct maps_text *t = f->private_data;
	if (*pos >= t->len)
		return 0;
	uint64_t n = t->len - *pos < count ? t->len - *pos : count;
	if (copy_to_user(f->ctx->mm, ubuf, t->buf + *pos, n))
		return -EFAULT;
	*pos += n;
	return (int64_t)n;
}

/* seq_lseek: SEEK_SET and SEEK_CUR to any non-negative position. */
static int64_t lseek_maps(struct file *f, int64_t offset, int whence)
{
	int64_t at = whence == SEEK_SET	  ? offset
		     : whence == SEEK_CUR ? (int64_t)f->pos + offset
					  : -1;
	if (whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	if (at < 0)
		return -EINVAL;
	f->pos = (uint64_t)at;
	return at;
}

static const struct file_operations maps_fops = {
	.open = open_maps,
	.release = release_maps,
	.read = read_maps,
	.llseek = lseek_maps,
};

const struct chardev proc_self_maps_dev = {
	.path = "/proc/self/maps",
	.mode = 0444,
	.regular = true,
	.fops = &maps_fops,
};

const struct chardev proc_1_maps_dev = {
	.path = "/proc/1/maps",
	.mode = 0444,
	.regular = true,
	.fops = &maps_fops,
};
