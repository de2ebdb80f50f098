/* /dev/kmem, with FreeBSD's semantics (sys/amd64/amd64/mem.c memrw):
 * Linux removed it in 5.13, FreeBSD keeps it.
 *
 * The file position is a kernel virtual address of memu's kernel half:
 *   - the direct map, KMEM_DMAP_BASE + pa for pa below the DMAP limit
 *     (all RAM, at least 4 GiB), read and written with no RAM check;
 *   - memu's own kernel pages (entry stub, GDT, kernel stack at
 *     0xffffffff80000000), which can be read but not written;
 *   - anything else is not mapped: EFAULT.
 * Each step moves at most one page; a short count is returned when an
 * error follows a transfer, EFAULT only when nothing moved.  The
 * device cannot be mapped (mmap gives EINVAL).
 */
#include <errno.h>
#include <fcntl.h>

#include "../mmu/pagetable.h"
#include "../mmu/uaccess.h"
#include "device.h"
#include "memioctl.h"

/* FreeBSD amd64's DMAP_MIN_ADDRESS */
#define KMEM_DMAP_BASE 0xfffff80000000000ULL
#define MAX_RW_COUNT   0x7ffff000ULL

static uint64_t dmap_limit(struct device_context *ctx)
{
	uint64_t top = ctx->mmu->phys.ram_top;
	uint64_t four_gib = 4ULL << 30;
	return top > four_gib ? top : four_gib;
}

/* The physical address behind kernel address v for this access, or
 * -EFAULT (kernacc / pmap_extract failing). */
static int64_t kva_to_pa(struct device_context *ctx, uint64_t v, bool write)
{
	if (v >= KMEM_DMAP_BASE && v - KMEM_DMAP_BASE < dmap_limit(ctx))
		return (int64_t)(v - KMEM_DMAP_BASE);
	if (v < USER_VA_END)
		return -EFAULT; /* not a kernel address */
	struct pt_entry e;
	if (!pt_lookup(ctx->mm, v & PAGE_MASK, &e) || e.user || write)
		return -EFAULT; /* unmapped, or memu's read-only kernel */
	return (int64_t)((e.pfn << PAGE_SHIFT) | (v & ~PAGE_MASK));
}

static int64_t kmem_rw(struct file *f, uint64_t buf, uint64_t count,
		       uint64_t *ppos, bool write)
{
	struct device_context *ctx = f->ctx;
	uint64_t v = *ppos, done = 0;
	uint8_t bounce[PAGE_SIZE];
	int64_t err = 0;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	while (done < count) {
		uint64_t c = PAGE_SIZE - (v & ~PAGE_MASK);
		if (c > count - done)
			c = count - done;
		int64_t pa = kva_to_pa(ctx, v, write);
		if (pa < 0) {
			err = pa;
			break;
		}
		if (write) {
			if (copy_from_user(ctx->mm, bounce, buf + done, c)) {
				err = -EFAULT;
				break;
			}
			mmu_phys_write(ctx->mmu, (uint64_t)pa, bounce, c);
		} else {
			mmu_phys_read(ctx->mmu, (uint64_t)pa, bounce, c);
			if (copy_to_user(ctx->mm, buf + done, bounce, c)) {
				err = -EFAULT;
				break;
			}
		}
		done += c;
		v += c;
	}
	*ppos += done;
	return done ? (int64_t)done : err;
}

static int64_t kmem_read(struct file *f, uint64_t buf, uint64_t count,
			 uint64_t *ppos)
{
	return kmem_rw(f, buf, count, ppos, false);
}

static int64_t kmem_write(struct file *f, uint64_t buf, uint64_t count,
			  uint64_t *ppos)
{
	return kmem_rw(f, buf, count, ppos, true);
}

/* A character device's offset may be anything (a KVA is "negative");
 * its size is 0, so SEEK_END is the offset itself. */
static int64_t kmem_lseek(struct file *f, int64_t offset, int whence)
{
	switch (whence) {
	case SEEK_SET:
	case SEEK_END:
		f->pos = (uint64_t)offset;
		break;
	case SEEK_CUR:
		f->pos += (uint64_t)offset;
		break;
	default:
		return -EINVAL;
	}
	return (int64_t)f->pos;
}

/* memmmap returns -1 for minor 1: the pager refuses (EINVAL). */
static int kmem_mmap(struct file *f, struct vma *vma)
{
	(void)f;
	(void)vma;
	return -EINVAL;
}

static const struct file_operations kmem_fops = {
	.ioctl = mem_ioctl,
	.read = kmem_read,
	.write = kmem_write,
	.llseek = kmem_lseek,
	.mmap = kmem_mmap,
};

const struct chardev kmem_dev = {
	.path = "/dev/kmem",
	.major = 1,
	.minor = 2,
	.mode = 0640,
	.unsigned_offset = true,
	.fops = &kmem_fops,
};
