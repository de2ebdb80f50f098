/* The tree of the file system (fs.h): inodes, directory entries and the
 * directory operations, with tmpfs's semantics (Linux mm/shmem.c and
 * fs/libfs.c) and the VFS's errnos (fs/namei.c).  docs/files.md says
 * what a guest sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../mmu/shmem.h"
#include "fs.h"
#include "proc_task.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1u << 0)
#define RENAME_EXCHANGE	 (1u << 1)
#endif

/* inode_new's mode bit for a regular file whose data is a driver's (a
 * /proc file): no page cache. */
#define INODE_NO_PAGES 0x10000000u

/* tmpfs's made-up directory size: 20 bytes an entry, "." and ".." too. */
#define BOGO_DIRENT_SIZE 20

uint64_t fs_now(const struct fs *fs)
{
	return fs->epoch_ns + *fs->clock_ns;
}

static void touch(struct inode *i, bool data)
{
	uint64_t now = fs_now(i->fs);
	i->ctime = now;
	if (data)
		i->mtime = now;
}

struct inode *inode_new(struct fs *fs, unsigned mode)
{
	return inode_new_on(fs, mode, FS_ROOT_DEV);
}

struct inode *inode_new_on(struct fs *fs, unsigned mode, uint32_t dev)
{
	struct inode *i = calloc(1, sizeof(*i));
	if (!i)
		return NULL;
	i->fs = fs;
	i->ino = fs->next_ino[dev]++;
	i->mode = mode;
	i->dev = dev;
	i->atime = i->mtime = i->ctime = fs_now(fs);
	if (S_ISREG(mode) && !(mode & INODE_NO_PAGES)) {
		i->shm = shmem_create(fs->mmu, 0);
		if (!i->shm) {
			free(i);
			return NULL;
		}
		shmem_set_pagecache(i->shm);
		shmem_get(i->shm);
	}
	fs->ninodes++;
	return i;
}

struct inode *inode_new_file(struct fs *fs, unsigned mode)
{
	return inode_new(fs, S_IFREG | (mode & 07777));
}

void inode_get(struct inode *i)
{
	i->refs++;
}

void inode_put(struct inode *i)
{
	if (--i->refs > 0)
		return;
	if (i->shm)
		shmem_put(i->fs->mmu, i->shm);
	i->fs->ninodes--;
	proc_pid_put(i->pid);
	free(i->target);
	free(i->name);
	free(i);
}

void dget(struct dentry *d)
{
	d->refs++;
}

void dput(struct dentry *d)
{
	while (d && --d->refs == 0) {
		struct dentry *parent = d->parent == d ? NULL : d->parent;
		if (d->inode)
			inode_put(d->inode);
		free(d);
		d = parent;
	}
}

static bool is_cursor(const struct dentry *d)
{
	return !d->inode;
}

struct dentry *d_lookup(struct dentry *dir, const char *name)
{
	struct dentry *d;
	if (dir->inode->pid)
		proc_pid_fill(dir); /* its files, its descriptors now */
	TAILQ_FOREACH(d, &dir->children, sibling)
	if (!is_cursor(d) && !strcmp(d->name, name))
		return d;
	return NULL;
}

static struct dentry *d_alloc(struct dentry *parent, const char *name)
{
	struct dentry *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	snprintf(d->name, sizeof(d->name), "%s", name);
	TAILQ_INIT(&d->children);
	d->refs = 1; /* the parent's link */
	d->parent = parent ? parent : d;
	if (parent) {
		dget(parent);
		TAILQ_INSERT_HEAD(&parent->children, d, sibling);
	}
	return d;
}

struct dentry *d_add(struct dentry *dir, const char *name, struct inode *inode)
{
	struct dentry *d = d_alloc(dir, name);
	if (!d)
		return NULL;
	d->inode = inode;
	inode_get(inode);
	if (S_ISDIR(inode->mode))
		inode->dir = d;
	dir->inode->size += BOGO_DIRENT_SIZE;
	return d;
}

/* Take d out of its directory; its name stays for d_path. */
static void d_delete(struct dentry *d)
{
	struct dentry *dir = d->parent;
	TAILQ_REMOVE(&dir->children, d, sibling);
	dir->inode->size -= BOGO_DIRENT_SIZE;
	touch(dir->inode, true);
	d->unlinked = true;
	dput(d);
}

int d_path(const struct dentry *d, char *buf, int size)
{
	char tmp[FS_PATH_MAX];
	int at = FS_PATH_MAX - 1;
	tmp[at] = '\0';
	bool deleted = d->unlinked;
	for (; d->parent != d; d = d->parent) {
		int n = (int)strlen(d->name);
		if (at < n + 1)
			return -ENAMETOOLONG;
		at -= n;
		memcpy(tmp + at, d->name, (size_t)n);
		tmp[--at] = '/';
	}
	if (at == FS_PATH_MAX - 1)
		tmp[--at] = '/';
	int n = snprintf(buf, (size_t)size, "%s%s", tmp + at,
			 deleted ? " (deleted)" : "");
	return n >= size ? -ENAMETOOLONG : n;
}

bool d_is_under(const struct dentry *d, const struct dentry *a)
{
	for (;; d = d->parent) {
		if (d == a)
			return true;
		if (d->parent == d)
			return false;
	}
}

static bool d_empty(const struct dentry *d)
{
	const struct dentry *c;
	TAILQ_FOREACH(c, &d->children, sibling)
	if (!is_cursor(c))
		return false;
	return true;
}

/* /proc is a mount of its own: no new names there. */
static bool in_proc(const struct dentry *dir)
{
	return dir->inode->proc;
}

/* A new inode i (NULL: out of memory) in dir as name: its link count,
 * a directory's size and its parent's extra link; NULL, and i freed,
 * when out of memory. */
static struct dentry *add_new(struct dentry *dir, const char *name,
			      struct inode *i)
{
	if (!i)
		return NULL;
	bool isdir = S_ISDIR(i->mode);
	i->nlink = isdir ? 2 : 1;
	if (isdir)
		i->size = 2 * BOGO_DIRENT_SIZE;
	struct dentry *d = d_add(dir, name, i);
	if (!d) {
		i->refs = 1;
		inode_put(i);
		return NULL;
	}
	if (isdir)
		dir->inode->nlink++;
	return d;
}

int fs_mknod(struct fs *fs, struct dentry *dir, const char *name, unsigned mode,
	     struct dentry **out)
{
	if (dir->unlinked)
		return -ENOENT;
	if (in_proc(dir))
		return S_ISREG(mode) ? -EACCES : -EPERM;
	struct dentry *d =
		add_new(dir, name, inode_new_on(fs, mode, dir->inode->dev));
	if (!d)
		return -ENOMEM;
	touch(dir->inode, true);
	if (out)
		*out = d;
	return 0;
}

int fs_unlink(struct dentry *dir, struct dentry *d)
{
	if (in_proc(dir))
		return -EPERM;
	if (S_ISDIR(d->inode->mode))
		return -EISDIR;
	d->inode->nlink--;
	touch(d->inode, false);
	d_delete(d);
	return 0;
}

int fs_rmdir(struct dentry *dir, struct dentry *d)
{
	if (!S_ISDIR(d->inode->mode))
		return -ENOTDIR;
	if (d->parent == d)
		return -EBUSY;
	if (in_proc(dir))
		return -EPERM;
	if (!d_empty(d))
		return -ENOTEMPTY;
	d->inode->nlink = 0;
	dir->inode->nlink--;
	d_delete(d);
	return 0;
}

int fs_link(struct dentry *dir, const char *name, struct inode *inode)
{
	if (dir->unlinked)
		return -ENOENT;
	if (dir->inode->dev != inode->dev)
		return -EXDEV;
	if (in_proc(dir))
		return -EPERM;
	if (S_ISDIR(inode->mode))
		return -EPERM;
	if (!d_add(dir, name, inode))
		return -ENOMEM;
	inode->nlink++;
	touch(inode, false);
	touch(dir->inode, true);
	return 0;
}

int fs_symlink(struct fs *fs, struct dentry *dir, const char *name,
	       const char *target)
{
	char *t = strdup(target);
	if (!t)
		return -ENOMEM;
	struct dentry *d;
	int err = fs_mknod(fs, dir, name, S_IFLNK | 0777, &d);
	if (err) {
		free(t);
		return err;
	}
	d->inode->target = t;
	d->inode->size = strlen(t);
	return 0;
}

/* Move d under ndir as name, at the head of its list (d_move). */
static void d_move(struct dentry *d, struct dentry *ndir, const char *name)
{
	struct dentry *odir = d->parent;
	TAILQ_REMOVE(&odir->children, d, sibling);
	odir->inode->size -= BOGO_DIRENT_SIZE;
	snprintf(d->name, sizeof(d->name), "%s", name);
	dget(ndir);
	d->parent = ndir;
	TAILQ_INSERT_HEAD(&ndir->children, d, sibling);
	ndir->inode->size += BOGO_DIRENT_SIZE;
	if (S_ISDIR(d->inode->mode) && odir != ndir) {
		odir->inode->nlink--;
		ndir->inode->nlink++;
	}
	dput(odir);
}

static int rename_exchange(struct dentry *old, struct dentry *target)
{
	struct dentry *odir = old->parent, *ndir = target->parent;
	if (d_is_under(target, old) || d_is_under(old, target))
		return -EINVAL;
	char oname[FS_NAME_MAX + 1];
	memcpy(oname, old->name, sizeof(oname));
	d_move(old, ndir, target->name);
	d_move(target, odir, oname);
	touch(old->inode, false);
	touch(target->inode, false);
	return 0;
}

int fs_rename(struct dentry *odir, struct dentry *old, struct dentry *ndir,
	      const char *newname, struct dentry *target, unsigned flags)
{
	if (odir->inode->dev != ndir->inode->dev)
		return -EXDEV;
	if (in_proc(odir))
		return -EPERM;
	if (ndir->unlinked)
		return -ENOENT;
	if (flags & RENAME_EXCHANGE)
		return rename_exchange(old, target);
	if (target && target->inode == old->inode)
		return 0;
	/* The source may not be an ancestor of the target, nor the target
	 * of the source (fs/namei.c lock_rename's trap). */
	if (d_is_under(ndir, old))
		return -EINVAL;
	bool dir = S_ISDIR(old->inode->mode);
	if (target) {
		if (d_is_under(old, target))
			return -ENOTEMPTY;
		bool tdir = S_ISDIR(target->inode->mode);
		if (dir && !tdir)
			return -ENOTDIR;
		if (!dir && tdir)
			return -EISDIR;
		int err =
			tdir ? fs_rmdir(ndir, target) : fs_unlink(ndir, target);
		if (err)
			return err;
	}
	d_move(old, ndir, newname);
	touch(old->inode, false);
	touch(odir->inode, true);
	touch(ndir->inode, true);
	return 0;
}

void inode_stat(const struct inode *i, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = i->dev;
	st->st_ino = i->ino;
	st->st_mode = i->mode;
	st->st_nlink = i->nlink;
	st->st_uid = i->uid;
	st->st_gid = i->gid;
	st->st_size = (off_t)i->size;
	st->st_blksize = FS_BLOCKSIZE;
	st->st_blocks =
		i->shm ? (blkcnt_t)(shmem_nr_frames(i->shm) * (PAGE_SIZE / 512))
		       : 0;
	st->st_atim.tv_sec = (time_t)(i->atime / 1000000000ULL);
	st->st_atim.tv_nsec = (long)(i->atime % 1000000000ULL);
	st->st_mtim.tv_sec = (time_t)(i->mtime / 1000000000ULL);
	st->st_mtim.tv_nsec = (long)(i->mtime % 1000000000ULL);
	st->st_ctim.tv_sec = (time_t)(i->ctime / 1000000000ULL);
	st->st_ctim.tv_nsec = (long)(i->ctime % 1000000000ULL);
}

/* ---- the tree at boot */

/* The directory at path, made with its parents as needed. */
static struct dentry *mkdir_p(struct fs *fs, const char *path, unsigned mode)
{
	struct dentry *d = fs->root;
	char part[FS_NAME_MAX + 1];
	while (*path) {
		while (*path == '/')
			path++;
		size_t n = strcspn(path, "/");
		if (!n)
			break;
		snprintf(part, sizeof(part), "%.*s", (int)n, path);
		path += n;
		struct dentry *c = d_lookup(d, part);
		if (!c && fs_mknod(fs, d, part, S_IFDIR | mode, &c))
			return NULL;
		d = c;
	}
	return d;
}

/* A node for cdev in dir as name (NULL when out of memory). */
static struct dentry *add_node(struct fs *fs, struct dentry *dir,
			       const char *name, const struct chardev *dev,
			       unsigned mode)
{
	unsigned type = dev->readlink  ? S_IFLNK
			: dev->regular ? S_IFREG
				       : S_IFCHR;
	struct inode *i = inode_new_on(
		fs, type | (mode & 07777) | INODE_NO_PAGES, dir->inode->dev);
	if (!i)
		return NULL;
	i->mode &= ~INODE_NO_PAGES;
	i->cdev = dev;
	i->nlink = 1;
	struct dentry *d = d_add(dir, name, i);
	if (!d) {
		i->refs = 1;
		inode_put(i);
	}
	return d;
}

/* A node for a device or /proc file at its path. */
int fs_add_chardev(struct fs *fs, const struct chardev *dev)
{
	char path[FS_PATH_MAX];
	snprintf(path, sizeof(path), "%s", dev->path);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	bool proc = !strncmp(path, "/proc", 5);
	struct dentry *dir = mkdir_p(fs, path, proc ? 0555 : 0755);
	if (!dir)
		return -ENOMEM;
	struct dentry *d = add_node(fs, dir, slash + 1, dev, dev->mode);
	if (!d)
		return -ENOMEM;
	d->inode->ino = 1000 + dev->major * 256 + dev->minor; /* as stat */
	return 0;
}

struct dentry *fs_proc_entry(struct fs *fs, struct dentry *dir,
			     const char *name, unsigned mode,
			     const struct chardev *cdev)
{
	if (cdev)
		return add_node(fs, dir, name, cdev, mode);
	struct dentry *d = add_new(
		dir, name,
		inode_new_on(fs, S_IFDIR | (mode & 07777), FS_PROC_DEV));
	if (d)
		d->inode->proc = true;
	return d;
}

void fs_proc_remove(struct dentry *d)
{
	if (d->unlinked)
		return;
	struct dentry *c, *next;
	for (c = TAILQ_FIRST(&d->children); c; c = next) {
		next = TAILQ_NEXT(c, sibling);
		if (!is_cursor(c))
			fs_proc_remove(c);
	}
	struct dentry *dir = d->parent;
	if (S_ISDIR(d->inode->mode)) {
		d->inode->nlink = 0;
		dir->inode->nlink--;
	} else {
		d->inode->nlink--;
	}
	d_delete(d);
}

/* The root directory of another mount at dir/name: inode 1 of st_dev
 * dev. */
static int mount_dir(struct fs *fs, struct dentry *dir, const char *name,
		     unsigned mode, uint32_t dev, struct dentry **out)
{
	struct dentry *d =
		add_new(dir, name, inode_new_on(fs, S_IFDIR | mode, dev));
	if (!d)
		return -ENOMEM;
	if (out)
		*out = d;
	return 0;
}

static void mark_proc(struct dentry *d)
{
	d->inode->proc = true;
	struct dentry *c;
	TAILQ_FOREACH(c, &d->children, sibling)
	if (S_ISDIR(c->inode->mode))
		mark_proc(c);
}

int fs_init(struct fs *fs, struct mmu *mmu, const uint64_t *clock_ns,
	    uint64_t epoch_ns)
{
	memset(fs, 0, sizeof(*fs));
	fs->mmu = mmu;
	fs->clock_ns = clock_ns;
	fs->epoch_ns = epoch_ns;
	for (int d = 0; d < FS_DEVS; d++)
		fs->next_ino[d] = 1; /* each mount from 1, its root */
	struct inode *ri = inode_new(fs, S_IFDIR | 0755);
	if (!ri)
		return -ENOMEM;
	ri->nlink = 2;
	ri->size = 2 * BOGO_DIRENT_SIZE;
	fs->root = d_alloc(NULL, "/");
	if (!fs->root) {
		ri->refs = 1;
		inode_put(ri);
		return -ENOMEM;
	}
	fs->root->inode = ri;
	inode_get(ri);
	ri->dir = fs->root;
	struct dentry *tmp, *dev, *proc;
	if (fs_mknod(fs, fs->root, "tmp", S_IFDIR | 01777, &tmp) ||
	    mount_dir(fs, fs->root, "dev", 0755, FS_DEVTMPFS_DEV, &dev) ||
	    mount_dir(fs, dev, "shm", 01777, FS_DEVSHM_DEV, NULL) ||
	    mount_dir(fs, fs->root, "proc", 0555, FS_PROC_DEV, &proc))
		return -ENOMEM;
	fs->proc = proc;
	for (const struct chardev *const *d = chardev_all(); *d; d++)
		if ((*d)->path && fs_add_chardev(fs, *d))
			return -ENOMEM;
	/* /proc/self, /proc/thread-self: the calling process and thread. */
	if (proc_self_links(fs))
		return -ENOMEM;
	mark_proc(proc);
	return 0;
}

static void destroy_tree(struct dentry *d)
{
	struct dentry *c;
	while ((c = TAILQ_FIRST(&d->children))) {
		if (!is_cursor(c))
			destroy_tree(c);
		TAILQ_REMOVE(&d->children, c, sibling);
		c->unlinked = true;
		if (!is_cursor(c))
			dput(c);
		else
			c->parent = c; /* the open directory frees it */
	}
}

void fs_destroy(struct fs *fs)
{
	if (!fs->root)
		return;
	destroy_tree(fs->root);
	dput(fs->root);
	fs->root = NULL;
}
