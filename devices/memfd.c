/* memfd_create(2) files (Linux mm/memfd.c over shmem): an anonymous file
 * whose pages are a shared object's (mmu/shmem.c), so read(2), write(2)
 * and every mapping of it see the same frames; ftruncate sizes it; a
 * mapping past its end gets SIGBUS; and file seals (F_ADD_SEALS,
 * F_GET_SEALS) freeze what they name, with Linux's EBUSY and EPERM
 * (docs/files.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../mmu/shmem.h"
#include "../mmu/uaccess.h"
#include "device.h"
#include "memfd.h"

#define MFD_NAME_MAX 249 /* NAME_MAX - strlen("memfd:") */

struct memfd {
	struct shmem *shm;
	uint64_t size; /* bytes */
	unsigned seals;
	char name[MFD_NAME_MAX + 32]; /* "/memfd:NAME (deleted)" */
};

static struct memfd *memfd_of(struct file *f)
{
	return f->dev == &memfd_dev ? f->private_data : NULL;
}

static int64_t read_memfd(struct file *f, uint64_t ubuf, uint64_t count,
			  uint64_t *pos)
{
	struct memfd *mf = f->private_data;
	struct mmu *m = f->ctx->mmu;
	if (*pos >= mf->size)
		return 0;
	if (count > mf->size - *pos)
		count = mf->size - *pos;
	static const uint8_t zeros[PAGE_SIZE];
	uint64_t done = 0;
	while (done < count) {
		uint64_t at = *pos + done, idx = at >> PAGE_SHIFT;
		uint64_t n = PAGE_SIZE - (at & ~PAGE_MASK);
		if (n > count - done)
			n = count - done;
		uint64_t pfn = mf->shm->pfns[idx];
		const uint8_t *src =
			pfn == PFN_NONE
				? zeros
				: (const uint8_t *)mmu_pfn_host(m, pfn) +
					  (at & ~PAGE_MASK);
		if (copy_to_user(f->ctx->mm, ubuf + done, src, n))
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	*pos += done;
	return (int64_t)done;
}

static int grow(struct memfd *mf, struct mmu *m, uint64_t size)
{
	/* memu keeps a memfd's frames in one table: no bigger than RAM. */
	if (size > m->ram.nr << PAGE_SHIFT)
		return -EFBIG;
	uint64_t pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	if (pages != mf->shm->pages && shmem_resize(m, mf->shm, pages))
		return -ENOMEM;
	mf->size = size;
	return 0;
}

static int64_t write_memfd(struct file *f, uint64_t ubuf, uint64_t count,
			   uint64_t *pos)
{
	struct memfd *mf = f->private_data;
	struct mmu *m = f->ctx->mmu;
	if (mf->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	if (f->flags & O_APPEND)
		*pos = mf->size;
	if (!count)
		return 0;
	uint64_t end = *pos + count;
	if (end > mf->size) {
		if (mf->seals & F_SEAL_GROW)
			return -EPERM;
		int err = grow(mf, m, end);
		if (err)
			return err == -EFBIG ? -EFBIG : -ENOSPC;
	}
	uint64_t done = 0;
	uint8_t buf[PAGE_SIZE];
	while (done < count) {
		uint64_t at = *pos + done, idx = at >> PAGE_SHIFT;
		uint64_t n = PAGE_SIZE - (at & ~PAGE_MASK);
		if (n > count - done)
			n = count - done;
		if (copy_from_user(f->ctx->mm, buf, ubuf + done, n))
			break;
		uint64_t pfn =
			shmem_get_page(f->ctx->mm, mf->shm, idx, PFN_NONE);
		if (pfn == PFN_NONE)
			break;
		/* Through the bus: code the CPU translated from the page
		 * is dropped. */
		mmu_phys_write(m, (pfn << PAGE_SHIFT) | (at & ~PAGE_MASK), buf,
			       n);
		done += n;
	}
	if (!done)
		return -EFAULT;
	*pos += done;
	return (int64_t)done;
}

static int64_t lseek_memfd(struct file *f, int64_t offset, int whence)
{
	struct memfd *mf = f->private_data;
	int64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? (int64_t)f->pos
		       : whence == SEEK_END ? (int64_t)mf->size
					    : -1;
	if (base < 0 || (offset < 0 && -offset > base))
		return -EINVAL;
	f->pos = (uint64_t)(base + offset);
	return (int64_t)f->pos;
}

static int mmap_memfd(struct file *f, struct vma *v)
{
	struct memfd *mf = f->private_data;
	/* A write seal refuses shared writable mappings, and takes the
	 * chance to become writable from the ones it allows. */
	if ((mf->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) &&
	    (v->flags & VM_SHARED)) {
		if (v->flags & VM_WRITE)
			return -EPERM;
		v->flags &= ~VM_MAYWRITE;
	}
	shmem_link(v, mf->shm);
	v->name = mf->name;
	return 0;
}

static void release_memfd(struct file *f)
{
	struct memfd *mf = f->private_data;
	shmem_put(f->ctx->mmu, mf->shm);
	free(mf);
}

static void stat_memfd(struct file *f, struct stat *st)
{
	struct memfd *mf = f->private_data;
	st->st_mode = S_IFREG | 0777;
	st->st_size = (off_t)mf->size;
	st->st_blocks = (blkcnt_t)(PAGE_ALIGN(mf->size) / 512);
	st->st_dev = 1; /* the shmem mount, 00:01 */
	st->st_ino = mf->shm->id;
	st->st_rdev = 0;
}

static const struct file_operations memfd_fops = {
	.release = release_memfd,
	.read = read_memfd,
	.write = write_memfd,
	.llseek = lseek_memfd,
	.mmap = mmap_memfd,
	.stat = stat_memfd,
};

/* Not reachable by path: memfd_create makes them. */
const struct chardev memfd_dev = {
	.mode = 0777,
	.regular = true,
	.fops = &memfd_fops,
};

int memfd_new(struct device_context *ctx, const char *name, unsigned flags,
	      struct file **out)
{
	struct memfd *mf = calloc(1, sizeof(*mf));
	if (!mf)
		return -ENOMEM;
	mf->shm = shmem_create(ctx->mmu, 0);
	if (!mf->shm) {
		free(mf);
		return -ENOMEM;
	}
	shmem_get(mf->shm);
	snprintf(mf->name, sizeof(mf->name), "/memfd:%s (deleted)", name);
	/* Without MFD_ALLOW_SEALING the file is born sealed against seals. */
	mf->seals = (flags & MFD_ALLOW_SEALING) ? 0 : F_SEAL_SEAL;
	int err = file_open(&memfd_dev, ctx, O_RDWR, out);
	if (err) {
		shmem_put(ctx->mmu, mf->shm);
		free(mf);
		return err;
	}
	(*out)->private_data = mf;
	return 0;
}

int memfd_truncate(struct file *f, uint64_t size)
{
	struct memfd *mf = memfd_of(f);
	if (!mf || !(f->fmode & FMODE_WRITE))
		return -EINVAL;
	if ((size > mf->size && (mf->seals & F_SEAL_GROW)) ||
	    (size < mf->size && (mf->seals & F_SEAL_SHRINK)))
		return -EPERM;
	return grow(mf, f->ctx->mmu, size);
}

int64_t memfd_fcntl_seals(struct file *f, bool add, unsigned seals)
{
	struct memfd *mf = memfd_of(f);
	if (!mf)
		return -EINVAL;
	if (!add)
		return mf->seals;
	/* Linux memfd_add_seals, in its order. */
	if (!(f->fmode & FMODE_WRITE))
		return -EPERM;
	if (seals & ~(unsigned)(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EINVAL;
	if (mf->seals & F_SEAL_SEAL)
		return -EPERM;
	if ((seals & F_SEAL_WRITE) && !(mf->seals & F_SEAL_WRITE) &&
	    shmem_writably_mapped(mf->shm))
		return -EBUSY;
	mf->seals |= seals;
	return 0;
}
