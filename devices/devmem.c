/* /dev/mem: physical memory as a file, with Linux 6.1's semantics
 * (drivers/char/mem.c and arch/x86; docs/devmem.md has the rules).
 *
 * The file position is a physical address.  mmap installs every PTE at
 * once with remap_pfn_range, so touching the mapping takes no fault at
 * all - unlike anonymous memory, which gets no PTE until it is touched.
 * What may be reached depends on the machine's policy (--devmem):
 *
 *   strict     CONFIG_STRICT_DEVMEM: RAM above 1 MiB is refused (EPERM);
 *              RAM below it reads as zeros through read() but shows its
 *              real contents through mmap;
 *   io-strict  CONFIG_IO_STRICT_DEVMEM as well: ranges a driver claimed
 *              are refused above 1 MiB too;
 *   open       no STRICT_DEVMEM and no PAT: every valid address.
 *
 * One memu rule on top: page-table frames can be read and mapped
 * read-only but never written (EPERM): a PTE changed behind memu's back
 * would point the CPU at one frame while the host alias shows another.
 */
#include <errno.h>
#include <fcntl.h>

#include "../mmu/remap.h"
#include "../mmu/uaccess.h"
#include "device.h"
#include "memioctl.h"

#define FIRST_MB_PFN 256 /* pages below 1 MiB */
#define MAX_ERRNO    4095
#define MAX_RW_COUNT 0x7ffff000ULL

/* arch/x86/mm/init.c devmem_is_allowed: 0 deny, 1 allow, 2 allow but
 * read as zeros. */
static int devmem_is_allowed(struct device_context *ctx, uint64_t pfn)
{
	struct iomem *io = &ctx->mmu->iomem;
	uint64_t pa = pfn << PAGE_SHIFT;
	if (iomem_intersects_ram(io, pa, pa + PAGE_SIZE))
		return pfn < FIRST_MB_PFN ? 2 : 0;
	if (iomem_is_exclusive(io, pa, ctx->devmem == DEVMEM_IO_STRICT))
		return pfn < FIRST_MB_PFN ? 1 : 0;
	return 1;
}

/* drivers/char/mem.c page_is_allowed / range_is_allowed. */
static int page_is_allowed(struct device_context *ctx, uint64_t pfn)
{
	return ctx->devmem == DEVMEM_OPEN ? 1 : devmem_is_allowed(ctx, pfn);
}

static bool range_is_allowed(struct device_context *ctx, uint64_t pfn,
			     uint64_t pages)
{
	if (ctx->devmem == DEVMEM_OPEN)
		return true;
	for (uint64_t i = 0; i < pages; i++)
		if (!devmem_is_allowed(ctx, pfn + i))
			return false;
	return true;
}

static bool is_pagetable_frame(struct device_context *ctx, uint64_t pfn)
{
	return zone_contains(&ctx->mmu->ptbank, pfn);
}

/* x86 valid_phys_addr_range: the request must end inside the highest
 * RAM range (count 0 at address 0 wraps, and fails, as in Linux). */
static bool valid_phys_addr_range(struct device_context *ctx, uint64_t p,
				  uint64_t count)
{
	return p + count - 1 <= mmu_ram_end(ctx->mmu) - 1 &&
	       p + count - 1 >= p - (count == 0);
}

static uint64_t size_inside_page(uint64_t p, uint64_t count)
{
	uint64_t left = PAGE_SIZE - (p & ~PAGE_MASK);
	return count < left ? count : left;
}

/* What read_mem and write_mem check first: the whole request must lie
 * below the end of RAM (EFAULT, nothing moved); then at most
 * MAX_RW_COUNT bytes go. */
static int64_t rw_prologue(struct device_context *ctx, uint64_t p,
			   uint64_t *count)
{
	if (!valid_phys_addr_range(ctx, p, *count))
		return -EFAULT;
	if (*count > MAX_RW_COUNT)
		*count = MAX_RW_COUNT;
	return 0;
}

static int64_t read_mem(struct file *f, uint64_t buf, uint64_t count,
			uint64_t *ppos)
{
	struct device_context *ctx = f->ctx;
	uint64_t p = *ppos, read = 0;
	int64_t err = rw_prologue(ctx, p, &count);
	if (err)
		return err;
	uint8_t bounce[PAGE_SIZE];
	while (count) {
		uint64_t sz = size_inside_page(p, count);
		int allowed = page_is_allowed(ctx, p >> PAGE_SHIFT);
		if (!allowed)
			return -EPERM;
		if (allowed == 2) {
			if (clear_user(ctx->mm, buf, sz))
				return -EFAULT;
		} else {
			mmu_phys_read(ctx->mmu, p, bounce, sz);
			if (copy_to_user(ctx->mm, buf, bounce, sz))
				return -EFAULT;
		}
		buf += sz;
		p += sz;
		count -= sz;
		read += sz;
	}
	*ppos += read;
	return (int64_t)read;
}

static int64_t write_mem(struct file *f, uint64_t buf, uint64_t count,
			 uint64_t *ppos)
{
	struct device_context *ctx = f->ctx;
	uint64_t p = *ppos, written = 0;
	int64_t err = rw_prologue(ctx, p, &count);
	if (err)
		return err;
	uint8_t bounce[PAGE_SIZE];
	while (count) {
		uint64_t sz = size_inside_page(p, count);
		int allowed = page_is_allowed(ctx, p >> PAGE_SHIFT);
		if (!allowed || is_pagetable_frame(ctx, p >> PAGE_SHIFT))
			return -EPERM;
		if (allowed == 1) {
			/* low RAM under STRICT_DEVMEM (2): skipped, counted */
			if (copy_from_user(ctx->mm, bounce, buf, sz))
				return written ? (int64_t)written : -EFAULT;
			mmu_phys_write(ctx->mmu, p, bounce, sz);
		}
		buf += sz;
		p += sz;
		count -= sz;
		written += sz;
	}
	*ppos += written;
	return (int64_t)written;
}

/* memory_lseek: positions are unsigned (FMODE_UNSIGNED_OFFSET). */
static int64_t memory_lseek(struct file *f, int64_t offset, int whence)
{
	uint64_t pos = (uint64_t)offset;
	switch (whence) {
	case SEEK_CUR:
		pos += f->pos;
		/* fall through */
	case SEEK_SET:
		if (pos >= -(uint64_t)MAX_ERRNO)
			return -EOVERFLOW;
		f->pos = pos;
		return (int64_t)pos;
	default:
		return -EINVAL;
	}
}

static const struct vm_operations mmap_mem_ops = {.name = "mem"};

/* With PAT, a WB request for memory that is not RAM (outside the ISA
 * hole, which is always WB) becomes UC- (track_pfn_remap). */
static enum page_cache mem_cache(struct file *f, uint64_t pfn, uint64_t pages)
{
	struct device_context *ctx = f->ctx;
	if (f->flags & O_DSYNC) /* O_SYNC includes it */
		return PAGE_CACHE_UC_MINUS;
	if (ctx->devmem == DEVMEM_OPEN) /* nopat: granted as asked */
		return PAGE_CACHE_WB;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pa = (pfn + i) << PAGE_SHIFT;
		bool isa = pa >= ISA_HOLE_START && pa < ISA_HOLE_END;
		if (!isa &&
		    !iomem_intersects_ram(&ctx->mmu->iomem, pa, pa + PAGE_SIZE))
			return PAGE_CACHE_UC_MINUS;
	}
	return PAGE_CACHE_WB;
}

static bool touches_pagetables(struct device_context *ctx, uint64_t pfn,
			       uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++)
		if (is_pagetable_frame(ctx, pfn + i))
			return true;
	return false;
}

static int mmap_mem(struct file *f, struct vma *vma)
{
	struct device_context *ctx = f->ctx;
	uint64_t size = vma->end - vma->start;
	uint64_t offset = vma->pgoff << PAGE_SHIFT;
	uint64_t pfn = vma->pgoff, pages = size >> PAGE_SHIFT;
	if (offset + size - 1 < offset)
		return -EINVAL;
	/* valid_mmap_phys_addr_range: the last byte within phys_bits */
	if ((offset + size - 1) >> PHYS_ADDR_BITS)
		return -EINVAL;
	if (!range_is_allowed(ctx, pfn, pages))
		return -EPERM;
	if ((vma->flags & VM_SHARED) && touches_pagetables(ctx, pfn, pages)) {
		if (vma->flags & VM_WRITE)
			return -EPERM;
		vma->flags &= ~VM_MAYWRITE;
	}
	vma->ops = &mmap_mem_ops;
	if (remap_pfn_range(vma, vma->start, pfn, size,
			    mem_cache(f, pfn, pages)))
		return -EAGAIN;
	return 0;
}

static const struct file_operations mem_fops = {
	.ioctl = mem_ioctl,
	.read = read_mem,
	.write = write_mem,
	.llseek = memory_lseek,
	.mmap = mmap_mem,
};

const struct chardev mem_dev = {
	.path = "/dev/mem",
	.major = 1,
	.minor = 1,
	.mode = 0600,
	.unsigned_offset = true,
	.fops = &mem_fops,
};
