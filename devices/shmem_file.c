/* Open files of the file system (fs.h): regular files over the page
 * cache (Linux mm/shmem.c's file operations) and directories (fs/libfs.c
 * dcache_readdir).  A regular file's bytes are its shared object's
 * frames (mmu/shmem.h): read(2) and write(2) copy to and from them, and
 * every mapping maps them, so all see the same data (docs/files.md).
 */
#include <errno.h>
#ifndef O_PATH
#define O_PATH 010000000
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../mmu/shmem.h"
#include "../mmu/uaccess.h"
#include "fs.h"
#include "memfd.h"

#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif
#define FALLOC_FL_KEEP_SIZE  0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#define MAX_LFS_FILESIZE     INT64_MAX

struct inode *file_inode(const struct file *f)
{
	return f->inode;
}

int file_path(const struct file *f, char *buf, int size)
{
	if (f->dentry)
		return d_path(f->dentry, buf, size);
	if (f->inode && f->inode->name) {
		int n = snprintf(buf, (size_t)size, "/%s (deleted)",
				 f->inode->name);
		return n < size ? n : -ENAMETOOLONG;
	}
	return -ENOENT;
}

static uint64_t pages_of(uint64_t size)
{
	return PAGE_ALIGN(size) >> PAGE_SHIFT;
}

/* Linux's relatime: a read updates atime when it is not newer than the
 * last change. */
static void file_accessed(struct inode *i)
{
	if (i->atime <= i->mtime || i->atime <= i->ctime)
		i->atime = fs_now(i->fs);
}

static int64_t read_file(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos)
{
	struct inode *i = f->inode;
	struct mmu *m = f->ctx->mmu;
	file_accessed(i);
	if (*pos >= i->size)
		return 0;
	if (count > i->size - *pos)
		count = i->size - *pos;
	static const uint8_t zeros[PAGE_SIZE];
	uint64_t done = 0;
	while (done < count) {
		uint64_t at = *pos + done, idx = at >> PAGE_SHIFT;
		uint64_t n = PAGE_SIZE - (at & ~PAGE_MASK);
		if (n > count - done)
			n = count - done;
		uint64_t pfn = shmem_find_page(i->shm, idx);
		if (shmem_page_hwpoison(m, i->shm, idx))
			return done ? (int64_t)done : -EIO;
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

int shmem_read_kernel(struct inode *i, uint64_t off, void *buf, uint64_t n)
{
	struct mmu *m = i->fs->mmu;
	uint8_t *dst = buf;
	if (off > i->size || n > i->size - off)
		return -EINVAL;
	for (uint64_t done = 0; done < n;) {
		uint64_t at = off + done, idx = at >> PAGE_SHIFT;
		uint64_t k = PAGE_SIZE - (at & ~PAGE_MASK);
		if (k > n - done)
			k = n - done;
		if (shmem_page_hwpoison(m, i->shm, idx))
			return -EIO;
		uint64_t pfn = shmem_find_page(i->shm, idx);
		if (pfn == PFN_NONE)
			memset(dst + done, 0, k);
		else
			memcpy(dst + done,
			       (const uint8_t *)mmu_pfn_host(m, pfn) +
				       (at & ~PAGE_MASK),
			       k);
		done += k;
	}
	file_accessed(i);
	return 0;
}

/* Zero the bytes of the page holding `from` past it (a partial page at a
 * new end of file, or at a hole's edges). */
static void zero_tail(struct mmu *m, struct inode *i, uint64_t from,
		      uint64_t to)
{
	uint64_t pfn = shmem_find_page(i->shm, from >> PAGE_SHIFT);
	if (from >= to || pfn == PFN_NONE)
		return;
	static const uint8_t zeros[PAGE_SIZE];
	mmu_phys_write(m, (pfn << PAGE_SHIFT) | (from & ~PAGE_MASK), zeros,
		       to - from);
}

static int resize(struct inode *i, uint64_t size)
{
	struct mmu *m = i->fs->mmu;
	if (size > MAX_LFS_FILESIZE)
		return -EFBIG;
	if (size < i->size && (size & ~PAGE_MASK))
		zero_tail(m, i, size, PAGE_ALIGN(size));
	uint64_t pages = pages_of(size);
	shmem_resize(m, i->shm, pages);
	i->size = size;
	return 0;
}

int shmem_setsize(struct inode *i, uint64_t size)
{
	if (!S_ISREG(i->mode))
		return S_ISDIR(i->mode) ? -EISDIR : -EINVAL;
	if ((size > i->size && (i->seals & F_SEAL_GROW)) ||
	    (size < i->size && (i->seals & F_SEAL_SHRINK)))
		return -EPERM;
	int err = size == i->size ? 0 : resize(i, size);
	if (!err) {
		i->mtime = i->ctime = fs_now(i->fs);
	}
	return err;
}

/* Copy n bytes to the file at off, from the guest (ubuf) or the host
 * (kbuf); bytes moved, which is short when a frame runs out (*err:
 * EFAULT, ENOMEM for a failed allocation, EIO for a poisoned page). */
static uint64_t copy_in(struct device_context *ctx, struct inode *i,
			uint64_t off, uint64_t ubuf, const uint8_t *kbuf,
			uint64_t count, int *err)
{
	struct mmu *m = i->fs->mmu;
	uint64_t done = 0;
	uint8_t buf[PAGE_SIZE];
	while (done < count) {
		uint64_t at = off + done, idx = at >> PAGE_SHIFT;
		uint64_t n = PAGE_SIZE - (at & ~PAGE_MASK);
		if (n > count - done)
			n = count - done;
		const uint8_t *src = kbuf ? kbuf + done : buf;
		*err = -EFAULT;
		if (!kbuf && copy_from_user(ctx->mm, buf, ubuf + done, n))
			break;
		uint64_t pfn = shmem_get_page(ctx->mm, i->shm, idx, PFN_NONE);
		*err = m->fail_alloc.injected ? -ENOMEM : -EFAULT;
		if (pfn == PFN_NONE)
			break;
		*err = -EIO; /* shmem_write_begin: a poisoned page */
		if (shmem_page_hwpoison(m, i->shm, idx))
			break;
		/* Through the bus: code the CPU translated from the page
		 * is dropped. */
		mmu_phys_write(m, (pfn << PAGE_SHIFT) | (at & ~PAGE_MASK), src,
			       n);
		done += n;
	}
	return done;
}

/* Make room for [off, off + count): the new size, or -errno. */
static int64_t prepare_write(struct inode *i, uint64_t off, uint64_t count)
{
	if (i->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	uint64_t end = off + count;
	if (end > i->size) {
		if (i->seals & F_SEAL_GROW)
			return -EPERM;
		uint64_t old = i->size;
		int err = resize(i, end);
		if (err)
			return err == -EFBIG ? -EFBIG : -ENOSPC;
		i->size = old; /* the write sets it, to what it wrote */
	}
	return 0;
}

static int64_t write_file(struct file *f, uint64_t ubuf, uint64_t count,
			  uint64_t *pos)
{
	struct inode *i = f->inode;
	if (f->flags & O_APPEND)
		*pos = i->size;
	if (!count)
		return 0;
	int64_t err = prepare_write(i, *pos, count);
	if (err)
		return err;
	int why = -EFAULT;
	uint64_t done = copy_in(f->ctx, i, *pos, ubuf, NULL, count, &why);
	if (*pos + done > i->size)
		i->size = *pos + done;
	if (pages_of(i->size) < i->shm->pages)
		shmem_resize(i->fs->mmu, i->shm, pages_of(i->size));
	if (!done)
		return why;
	i->mtime = i->ctime = fs_now(i->fs);
	*pos += done;
	return (int64_t)done;
}

int shmem_write_kernel(struct device_context *ctx, struct inode *i,
		       uint64_t off, const void *buf, uint64_t n)
{
	int64_t err = prepare_write(i, off, n);
	if (err)
		return (int)err;
	int why;
	uint64_t done = copy_in(ctx, i, off, 0, buf, n, &why);
	if (off + done > i->size)
		i->size = off + done;
	return done == n ? 0 : -ENOSPC;
}

/* SEEK_DATA and SEEK_HOLE over the pages the file has (tmpfs: a page in
 * the cache is data, even of zeros; one fallocate made and nothing wrote
 * is a hole). */
static int64_t seek_data_hole(struct inode *i, uint64_t off, bool data)
{
	if (off >= i->size)
		return -ENXIO;
	uint64_t page = shmem_seek(i->shm, off >> PAGE_SHIFT, data);
	if (page == UINT64_MAX)
		return data ? -ENXIO : (int64_t)i->size;
	uint64_t at = page << PAGE_SHIFT;
	if (at < off)
		at = off; /* within the page off is in */
	return (int64_t)(at < i->size ? at : i->size);
}

static int64_t lseek_file(struct file *f, int64_t offset, int whence)
{
	struct inode *i = f->inode;
	int64_t to;
	switch (whence) {
	case SEEK_SET:
		to = offset;
		break;
	case SEEK_CUR:
		to = (int64_t)f->pos + offset;
		break;
	case SEEK_END:
		to = (int64_t)i->size + offset;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (offset < 0)
			return -ENXIO;
		to = seek_data_hole(i, (uint64_t)offset, whence == SEEK_DATA);
		if (to < 0)
			return to;
		break;
	default:
		return -EINVAL;
	}
	if (to < 0)
		return -EINVAL;
	f->pos = (uint64_t)to;
	return to;
}

static int mmap_file(struct file *f, struct vma *v)
{
	struct inode *i = f->inode;
	/* A write seal refuses shared writable mappings, and takes the
	 * chance to become writable from the ones it allows. */
	if ((i->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) &&
	    (v->flags & VM_SHARED)) {
		if (v->flags & VM_WRITE)
			return -EPERM;
		v->flags &= ~VM_MAYWRITE;
	}
	shmem_link(v, i->shm);
	v->name = NULL; /* /proc/self/maps asks the file (file_path) */
	file_accessed(i);
	return 0;
}

static void release_file(struct file *f)
{
	if (f->dentry)
		dput(f->dentry);
	inode_put(f->inode);
}

static void stat_file(struct file *f, struct stat *st)
{
	inode_stat(f->inode, st);
}

static const struct file_operations shmem_file_fops = {
	.release = release_file,
	.read = read_file,
	.write = write_file,
	.llseek = lseek_file,
	.mmap = mmap_file,
	.stat = stat_file,
};

/* Not reachable by path itself: inodes of the tree open through it. */
const struct chardev shmem_file_dev = {
	.mode = 0644,
	.regular = true,
	.fops = &shmem_file_fops,
};

int shmem_fallocate(struct device_context *ctx, struct inode *i, int mode,
		    uint64_t off, uint64_t len)
{
	struct mmu *m = i->fs->mmu;
	uint64_t end = off + len;
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		if (i->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
			return -EPERM;
		if (end > i->size)
			end = i->size;
		if (off >= end)
			return 0;
		uint64_t first = PAGE_ALIGN(off), last = end & PAGE_MASK;
		if (first > last) { /* within one page */
			zero_tail(m, i, off, end);
		} else {
			zero_tail(m, i, off, first);
			zero_tail(m, i, last, end);
			shmem_punch(m, i->shm, first >> PAGE_SHIFT,
				    last >> PAGE_SHIFT);
		}
		i->mtime = i->ctime = fs_now(i->fs);
		return 0;
	}
	uint64_t old_size = i->size;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i->size) {
		if (i->seals & F_SEAL_GROW)
			return -EPERM;
		int err = resize(i, end);
		if (err)
			return err == -EFBIG ? -EFBIG : -ENOSPC;
	}
	int err = shmem_prealloc(ctx->mm, i->shm, off >> PAGE_SHIFT,
				 pages_of(end));
	if (!err)
		i->ctime = fs_now(i->fs);
	else if (i->size != old_size)
		resize(i, old_size); /* Linux sets the size only at the end */
	return err;
}

/* ---- directories */

#define DT_CHR_ 2
#define DT_DIR_ 4
#define DT_REG_ 8
#define DT_LNK_ 10

static unsigned dtype(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return DT_DIR_;
	case S_IFREG:
		return DT_REG_;
	case S_IFLNK:
		return DT_LNK_;
	case S_IFCHR:
		return DT_CHR_;
	default:
		return 0;
	}
}

static int64_t read_dir(struct file *f, uint64_t ubuf, uint64_t count,
			uint64_t *pos)
{
	(void)f, (void)ubuf, (void)count, (void)pos;
	return -EISDIR;
}

/* The cursor: an entry with no inode in the directory's list, after the
 * last entry read (dcache_readdir's). */
static struct dentry *cursor_of(struct file *f)
{
	return f->private_data;
}

static void cursor_move_after(struct dentry *cur, struct dentry *d)
{
	struct dentry *dir = cur->parent;
	TAILQ_REMOVE(&dir->children, cur, sibling);
	if (d)
		TAILQ_INSERT_AFTER(&dir->children, d, cur, sibling);
	else
		TAILQ_INSERT_HEAD(&dir->children, cur, sibling);
}

static struct dentry *next_entry(struct dentry *from)
{
	struct dentry *d = TAILQ_NEXT(from, sibling);
	while (d && (!d->inode || d->inode->proc_hidden))
		d = TAILQ_NEXT(d, sibling);
	return d;
}

static int64_t lseek_dir(struct file *f, int64_t offset, int whence)
{
	if (whence == SEEK_CUR)
		offset += (int64_t)f->pos;
	else if (whence != SEEK_SET)
		return -EINVAL;
	if (offset < 0)
		return -EINVAL;
	if ((uint64_t)offset != f->pos) {
		struct dentry *cur = cursor_of(f);
		/* dcache_dir_lseek: the cursor goes after offset - 2
		 * entries. */
		struct dentry *after = NULL;
		cursor_move_after(cur, NULL);
		for (int64_t n = offset - 2; n > 0; n--) {
			struct dentry *d = next_entry(after ? after : cur);
			if (!d)
				break;
			after = d;
		}
		if (after)
			cursor_move_after(cur, after);
		f->pos = (uint64_t)offset;
	}
	return offset;
}

struct dirent_buf {
	uint8_t *buf;
	uint64_t len, cap;
};

/* linux_dirent64: ino, off, reclen, type, name; 8-byte aligned. */
static bool emit(struct dirent_buf *b, const char *name, uint64_t ino,
		 uint64_t next, unsigned type)
{
	size_t n = strlen(name);
	uint64_t reclen = (19 + n + 1 + 7) & ~7ULL;
	if (b->len + reclen > b->cap)
		return false;
	uint8_t *p = b->buf + b->len;
	memset(p, 0, reclen);
	memcpy(p, &ino, 8);
	memcpy(p + 8, &next, 8);
	uint16_t rl = (uint16_t)reclen;
	memcpy(p + 16, &rl, 2);
	p[18] = (uint8_t)type;
	memcpy(p + 19, name, n);
	b->len += reclen;
	return true;
}

#define GETDENTS_CHUNK 65536

int64_t dir_getdents64(struct file *f, uint64_t ubuf, uint64_t count)
{
	struct dentry *cur = cursor_of(f);
	struct dentry *dir = cur->parent;
	if (dir->unlinked)
		return -ENOENT;
	if (dir->inode->pid)
		proc_pid_fill(dir); /* fd/: the descriptors now */
	if (!access_ok(ubuf, count))
		return -EFAULT;
	struct dirent_buf b = {.cap = count < GETDENTS_CHUNK ? count
							     : GETDENTS_CHUNK};
	b.buf = malloc(b.cap ? b.cap : 1);
	if (!b.buf)
		return -ENOMEM;
	uint64_t pos = f->pos;
	bool full = false;
	if (pos == 0) {
		full = !emit(&b, ".", dir->inode->ino, 1, DT_DIR_);
		if (!full)
			pos = 1;
	}
	if (!full && pos == 1) {
		full = !emit(&b, "..", dir->parent->inode->ino, 2, DT_DIR_);
		if (!full)
			pos = 2;
	}
	for (struct dentry *d; !full && (d = next_entry(cur));) {
		full = !emit(&b, d->name, d->inode->ino, pos + 1,
			     dtype(d->inode->mode));
		if (full)
			break;
		pos++;
		cursor_move_after(cur, d);
	}
	int64_t ret;
	if (full && b.len == 0)
		ret = -EINVAL; /* not even one entry fits */
	else if (copy_to_user(f->ctx->mm, ubuf, b.buf, b.len))
		ret = -EFAULT;
	else
		ret = (int64_t)b.len;
	free(b.buf);
	f->pos = pos;
	file_accessed(dir->inode);
	return ret;
}

static void release_dir(struct file *f)
{
	struct dentry *cur = cursor_of(f);
	if (cur->parent != cur)
		TAILQ_REMOVE(&cur->parent->children, cur, sibling);
	dput(cur);
	if (f->dentry)
		dput(f->dentry);
	inode_put(f->inode);
}

static const struct file_operations dir_fops = {
	.release = release_dir,
	.read = read_dir,
	.llseek = lseek_dir,
	.stat = stat_file,
};

const struct chardev dir_dev = {
	.mode = 0755,
	.fops = &dir_fops,
};

/* O_PATH: a descriptor that names a file and does nothing else (fstat,
 * fchdir, the *at calls); every other use is EBADF. */
static int64_t lseek_path(struct file *f, int64_t offset, int whence)
{
	(void)f, (void)offset, (void)whence;
	return -EBADF;
}

static const struct file_operations path_fops = {
	.release = release_file,
	.llseek = lseek_path,
	.stat = stat_file,
};

const struct chardev path_dev = {
	.fops = &path_fops,
};

int fs_open_inode(struct device_context *ctx, struct inode *inode,
		  struct dentry *d, int flags, struct file **out)
{
	if (flags & O_PATH) {
		int err = file_open(&path_dev, ctx, flags, out);
		if (err)
			return err;
		(*out)->fmode = 0;
		(*out)->inode = inode;
		inode_get(inode);
		if (d) {
			(*out)->dentry = d;
			dget(d);
		}
		return 0;
	}
	bool dir = S_ISDIR(inode->mode);
	struct dentry *cur = NULL;
	if (dir) {
		/* /proc/PID's files, before the cursor that lists them */
		if (inode->pid)
			proc_pid_fill(inode->dir);
		cur = calloc(1, sizeof(*cur));
		if (!cur)
			return -ENOMEM;
		TAILQ_INIT(&cur->children);
		cur->refs = 1;
		cur->parent = inode->dir;
		dget(inode->dir);
		TAILQ_INSERT_HEAD(&inode->dir->children, cur, sibling);
	}
	int err = file_open(dir ? &dir_dev : &shmem_file_dev, ctx, flags, out);
	if (err) {
		if (cur) {
			TAILQ_REMOVE(&inode->dir->children, cur, sibling);
			dput(cur);
		}
		return err;
	}
	(*out)->private_data = cur;
	(*out)->inode = inode;
	inode_get(inode);
	if (d) {
		(*out)->dentry = d;
		dget(d);
	}
	return 0;
}
