/* Open files: one struct file per open(2), shared by dup'ed descriptors
 * and by the VMAs that map it; freed when the last holder lets go. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "device.h"
#include "eventpoll.h"
#include "fs.h"
#include "proc_task.h"

int file_open(const struct chardev *dev, struct device_context *ctx, int flags,
	      struct file **out)
{
	return file_open_pid(dev, ctx, flags, NULL, out);
}

int file_open_pid(const struct chardev *dev, struct device_context *ctx,
		  int flags, struct proc_pid *pid, struct file **out)
{
	struct file *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->dev = dev;
	f->ctx = ctx;
	f->flags = flags;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		f->fmode = FMODE_READ;
		break;
	case O_WRONLY:
		f->fmode = FMODE_WRITE;
		break;
	case O_ACCMODE: /* Linux's "3": neither read nor write */
		f->fmode = 0;
		break;
	default:
		f->fmode = FMODE_READ | FMODE_WRITE;
		break;
	}
	f->refs = 1;
	if (pid)
		f->pid = proc_pid_get(pid);
	if (dev->fops->open) {
		int err = dev->fops->open(f);
		if (err) {
			proc_pid_put(f->pid);
			free(f);
			return err;
		}
	}
	*out = f;
	return 0;
}

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (--f->refs)
		return;
	if (f->f_ep)
		eventpoll_release(f);
	if (f->dev->fops->release)
		f->dev->fops->release(f);
	if (f->dentry && !f->inode)
		dput(f->dentry);
	proc_pid_put(f->pid);
	free(f);
}

static void vma_file_get(void *file)
{
	file_get(file);
}

static void vma_file_put(void *file)
{
	file_put(file);
}

static const struct vm_file_ops vma_file_refs = {vma_file_get, vma_file_put};

void file_vma_attach(struct vma *vma, struct file *f)
{
	vma->vm_file = f;
	vma->vm_file_ops = &vma_file_refs;
	file_get(f);
}

void pseudo_file_stat(struct stat *st, uint64_t dev, uint64_t ino,
		      unsigned mode, uint64_t time_ns)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = dev;
	st->st_ino = ino;
	st->st_mode = mode;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec =
		(time_t)(time_ns / 1000000000ULL);
	st->st_atim.tv_nsec = st->st_mtim.tv_nsec = st->st_ctim.tv_nsec =
		(long)(time_ns % 1000000000ULL);
}
