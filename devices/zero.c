/* /dev/zero and /dev/null (drivers/char/mem.c).
 *
 * /dev/zero reads as zeros and swallows writes.  Mapped MAP_SHARED it is
 * a shared object, like MAP_SHARED|MAP_ANONYMOUS (shmem_zero_setup);
 * mapped MAP_PRIVATE it is plain anonymous memory - zero frame, COW - but
 * the VMA still names /dev/zero, so it never merges with true anonymous
 * memory.  /dev/null reads as end of file and cannot be mapped. */
#include <errno.h>

#include "../mmu/shmem.h"
#include "../mmu/uaccess.h"
#include "device.h"

static int64_t read_zero(struct file *f, uint64_t buf, uint64_t count,
			 uint64_t *ppos)
{
	(void)ppos;
	uint64_t done = 0;
	while (done < count) {
		uint64_t c = PAGE_SIZE - ((buf + done) & ~PAGE_MASK);
		if (c > count - done)
			c = count - done;
		if (clear_user(f->ctx->mm, buf + done, c))
			return done ? (int64_t)done : -EFAULT;
		done += c;
	}
	return (int64_t)done;
}

static int64_t write_null(struct file *f, uint64_t buf, uint64_t count,
			  uint64_t *ppos)
{
	(void)f;
	(void)buf;
	(void)ppos;
	return (int64_t)count;
}

static int64_t read_null(struct file *f, uint64_t buf, uint64_t count,
			 uint64_t *ppos)
{
	(void)f;
	(void)buf;
	(void)count;
	(void)ppos;
	return 0;
}

/* null_lseek: the position is always 0. */
static int64_t null_lseek(struct file *f, int64_t offset, int whence)
{
	(void)offset;
	(void)whence;
	f->pos = 0;
	return 0;
}

static int mmap_zero(struct file *f, struct vma *vma)
{
	(void)f;
	if (vma->flags & VM_SHARED)
		return shmem_zero_setup(vma);
	vma->ops = NULL; /* vma_set_anonymous; vm_file stays /dev/zero */
	return 0;
}

static const struct file_operations zero_fops = {
	.read = read_zero,
	.write = write_null,
	.llseek = null_lseek,
	.mmap = mmap_zero,
};

static const struct file_operations null_fops = {
	.read = read_null,
	.write = write_null,
	.llseek = null_lseek,
};

const struct chardev zero_dev = {
	.path = "/dev/zero",
	.major = 1,
	.minor = 5,
	.mode = 0666,
	.fops = &zero_fops,
};

const struct chardev null_dev = {
	.path = "/dev/null",
	.major = 1,
	.minor = 3,
	.mode = 0666,
	.fops = &null_fops,
};
