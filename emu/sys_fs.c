/* System calls on names (Linux fs/namei.c, fs/open.c, fs/stat.c,
 * fs/readdir.c, fs/d_path.c): open, the directory operations, stat,
 * getdents64, the working directory and the umask, over the file system
 * of devices/fs.h.  Every path is a guest string read with
 * strncpy_from_user; every errno is the one Linux gives, in its order
 * (docs/files.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../devices/fs.h"
#include "../devices/memfd.h"
#include "../mmu/uaccess.h"
#include "machine.h"
#include "syscall.h"

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1u << 0)
#define RENAME_EXCHANGE	 (1u << 1)
#define RENAME_WHITEOUT	 (1u << 2)
#endif
#define AT_EACCESS_	      0x200
#define AT_SYMLINK_NOFOLLOW_  0x100
#define AT_REMOVEDIR_	      0x200
#define AT_SYMLINK_FOLLOW_    0x400
#define AT_NO_AUTOMOUNT_      0x800
#define AT_STATX_SYNC_TYPE_   0x6000
#define VALID_OPEN_FLAGS      077777777
#define O_TMPFILE_FLAG	      020000000
#define FALLOC_FL_KEEP_SIZE_  0x01
#define FALLOC_FL_PUNCH_HOLE_ 0x02
#define FALLOC_FL_SUPPORTED   0x7f

struct path_buf {
	char s[FS_PATH_MAX];
};

static int get_path(struct memu *m, uint64_t upath, struct path_buf *p)
{
	long n = strncpy_from_user(m->proc->mm, p->s, upath, FS_PATH_MAX);
	return n < 0 ? (int)n : 0;
}

/* The directory a relative path starts from: the cwd, or dirfd's. */
static int base_dir(struct memu *m, uint64_t dirfd, const char *path,
		    struct dentry **out)
{
	if (path[0] == '/' || (int)dirfd == AT_FDCWD) {
		*out = m->proc->cwd;
		return 0;
	}
	struct file *f = fd_file(m, dirfd);
	if (!f)
		return -EBADF;
	struct inode *i = file_inode(f);
	if (!i || !S_ISDIR(i->mode))
		return -ENOTDIR;
	*out = i->dir;
	return 0;
}

int walk_path_at(struct memu *m, uint64_t dirfd, const char *path,
		 unsigned flags, struct walk *w)
{
	struct dentry *base;
	int err = path[0] ? base_dir(m, dirfd, path, &base) : -ENOENT;
	return err ? err : fs_walk(&m->fs, base, path, flags, w);
}

/* Read and walk the path at upath relative to dirfd. */
static int walk_at(struct memu *m, uint64_t dirfd, uint64_t upath,
		   unsigned flags, struct walk *w)
{
	struct path_buf p;
	int err = get_path(m, upath, &p);
	return err ? err : walk_path_at(m, dirfd, p.s, flags, w);
}

/* The entry a path names, which must exist. */
static int lookup_at(struct memu *m, uint64_t dirfd, uint64_t upath,
		     unsigned flags, struct dentry **out)
{
	struct walk w;
	int err = walk_at(m, dirfd, upath, flags, &w);
	if (err)
		return err;
	if (!w.d)
		return -ENOENT;
	*out = w.d;
	return 0;
}

int64_t fd_install_flags(struct memu *m, struct file *f, int flags)
{
	int fd = fd_install(m, f);
	if (fd >= 0)
		m->proc->files->cloexec[fd] = (flags & O_CLOEXEC) != 0;
	return fd;
}

/* ---- open */

static int open_tmpfile(struct memu *m, struct dentry *dir, int flags,
			unsigned mode, struct file **f)
{
	if (!S_ISDIR(dir->inode->mode))
		return -ENOTDIR;
	if (dir->inode->proc)
		return -EOPNOTSUPP;
	struct inode *i = inode_new_on(
		&m->fs, S_IFREG | (mode & ~m->proc->task.umask & 07777),
		dir->inode->dev);
	if (!i)
		return -ENOMEM;
	/* Linux's d_tmpfile: an entry "#ino" in the directory, already
	 * unlinked, so /proc shows "/tmp/#5 (deleted)". */
	char name[32];
	snprintf(name, sizeof(name), "#%llu", (unsigned long long)i->ino);
	i->nlink = 1;
	struct dentry *d = d_add(dir, name, i);
	if (!d) {
		i->refs = 1;
		inode_put(i);
		return -ENOMEM;
	}
	i->linkable = !(flags & O_EXCL);
	dget(d);
	fs_unlink(dir, d);
	int err = fs_open_inode(&m->devices, i, d, flags, f);
	dput(d);
	return err;
}

/* open(2) through /proc/PID/fd/N of a file with no name (Linux opens
 * the inode the link leads to): a memfd's inode again, another end of a
 * pipe, the host stream again; a socket is ENXIO. */
static int64_t reopen(struct memu *m, struct file *old, int flags)
{
	struct file *f;
	struct inode *i = file_inode(old);
	int oflags =
		flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	if (!(flags & O_PATH))
		oflags |= FS_O_LARGEFILE;
	int err;
	if (i) {
		if ((flags & O_TRUNC) && S_ISREG(i->mode) &&
		    !(flags & O_PATH) && i->size) {
			err = shmem_setsize(i, 0);
			if (err)
				return err;
		}
		err = fs_open_inode(&m->devices, i, NULL, flags, &f);
		if (!err && (flags & O_PATH))
			f->fmode = 0;
	} else if (old->dev->fops->reopen && !(flags & O_PATH)) {
		err = old->dev->fops->reopen(old, oflags, &f);
	} else {
		return -ENXIO; /* sock_no_open; an O_PATH of one: not yet */
	}
	if (err)
		return err;
	f->flags = oflags;
	return fd_install_flags(m, f, flags);
}

static int64_t do_open(struct memu *m, uint64_t dirfd, uint64_t upath,
		       int flags, unsigned mode)
{
	flags &= VALID_OPEN_FLAGS;
	int acc = flags & O_ACCMODE;
	if (flags & O_TMPFILE_FLAG) {
		if ((flags & O_TMPFILE) != O_TMPFILE || acc == O_RDONLY)
			return -EINVAL;
		flags &= ~O_CREAT;
	}
	if (flags & O_PATH)
		flags &= O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL; /* Linux 6.4 on; see docs/files.md */
	mode &= 07777;
	unsigned wflags = 0;
	if (!(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL)))
		wflags |= WALK_FOLLOW;
	if (flags & O_DIRECTORY)
		wflags |= WALK_DIRECTORY;
	struct walk w;
	int err = walk_at(m, dirfd, upath, wflags, &w);
	if (err)
		return err;
	m->devices.mm = m->proc->mm;
	struct file *f;
	if (flags & O_TMPFILE_FLAG) {
		if (!w.d)
			return -ENOENT;
		err = open_tmpfile(m, w.d, flags, mode, &f);
		if (err)
			return err;
		f->flags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
				      O_CLOEXEC)) |
			   FS_O_LARGEFILE;
		return fd_install_flags(m, f, flags);
	}
	if (w.file && !w.d) /* /proc/PID/fd/N of a pipe, a socket, a memfd */
		return reopen(m, w.file, flags);
	bool created = false;
	if (flags & O_CREAT) {
		if (w.d && (flags & O_EXCL))
			return -EEXIST;
		if (!w.d) {
			if (w.slash)
				return -EISDIR;
			err = fs_mknod(&m->fs, w.parent, w.last,
				       S_IFREG | (mode & ~m->proc->task.umask),
				       &w.d);
			if (err)
				return err;
			w.d->inode->seals = F_SEAL_SEAL;
			created = true;
		}
	}
	if (!w.d)
		return -ENOENT;
	struct inode *i = w.d->inode;
	if (S_ISLNK(i->mode) && !(flags & O_PATH))
		return -ELOOP; /* O_NOFOLLOW on a link */
	if (S_ISDIR(i->mode) &&
	    ((flags & O_CREAT) || (acc != O_RDONLY && !(flags & O_PATH))))
		return -EISDIR;
	if ((flags & O_DIRECTORY) && !S_ISDIR(i->mode))
		return -ENOTDIR;
	if (i->cdev && !(flags & O_PATH)) {
		err = file_open_pid(i->cdev, &m->devices,
				    flags & ~(O_CREAT | O_EXCL | O_NOCTTY |
					      O_TRUNC | O_CLOEXEC),
				    i->pid, &f);
		if (!err) { /* the name /proc/PID/fd/N shows */
			f->dentry = w.d;
			dget(w.d);
			f->flags |= FS_O_LARGEFILE; /* as every open's */
		}
	} else if (S_ISREG(i->mode) || S_ISDIR(i->mode) || (flags & O_PATH)) {
		if ((flags & O_TRUNC) && S_ISREG(i->mode) && !created &&
		    !(flags & O_PATH) && i->size) {
			err = shmem_setsize(i, 0);
			if (err)
				return err;
		}
		err = fs_open_inode(&m->devices, i, w.d, flags, &f);
		if (!err) {
			f->flags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY |
					      O_TRUNC | O_CLOEXEC)) |
				   FS_O_LARGEFILE;
			/* O_PATH keeps only O_PATH_FLAGS: O_LARGEFILE goes
			 * too (build_open_how) */
			if (flags & O_PATH) {
				f->fmode = 0;
				f->flags &= ~FS_O_LARGEFILE;
			}
		}
	} else {
		return -ENXIO;
	}
	if (err)
		return err;
	return fd_install_flags(m, f, flags);
}

int64_t sys_open(struct memu *m, const uint64_t *a)
{
	return do_open(m, AT_FDCWD, a[0], (int)a[1], (unsigned)a[2]);
}

int64_t sys_openat(struct memu *m, const uint64_t *a)
{
	return do_open(m, a[0], a[1], (int)a[2], (unsigned)a[3]);
}

int64_t sys_creat(struct memu *m, const uint64_t *a)
{
	return do_open(m, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC,
		       (unsigned)a[1]);
}

/* ---- stat */

/* What stat shows of a device node or a /proc file. */
static void chardev_stat(const struct chardev *dev, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = dev->regular ? 22 /* proc */ : 5 /* devtmpfs */;
	st->st_ino = 1000 + dev->major * 256 + dev->minor;
	st->st_mode = (dev->readlink  ? S_IFLNK
		       : dev->regular ? S_IFREG
				      : S_IFCHR) |
		      dev->mode;
	st->st_nlink = 1;
	st->st_rdev = dev->regular ? 0 : makedev(dev->major, dev->minor);
	st->st_blksize = 4096;
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec =
		(time_t)VCLOCK_EPOCH;
}

static void stat_inode(const struct inode *i, struct stat *st)
{
	if (i->cdev && !i->pid) /* a /proc/PID file is an inode of its own */
		chardev_stat(i->cdev, st);
	else
		inode_stat(i, st);
}

static int64_t put_stat(struct memu *m, const struct stat *st, uint64_t ust)
{
	return copy_to_user(m->proc->mm, ust, st, sizeof(*st)) ? -EFAULT : 0;
}

/* What fstat shows of an open file: a /proc/PID file's, its node's, as
 * stat shows it. */
static void file_stat(struct file *f, struct stat *st)
{
	if (file_inode(f)) {
		stat_inode(file_inode(f), st);
	} else if (f->dentry && f->dentry->inode->pid) {
		stat_inode(f->dentry->inode, st);
	} else {
		chardev_stat(f->dev, st);
		if (f->dev->fops->stat)
			f->dev->fops->stat(f, st);
	}
}

static int64_t fstat_file(struct memu *m, struct file *f, uint64_t ust)
{
	struct stat st;
	file_stat(f, &st);
	return put_stat(m, &st, ust);
}

int64_t sys_fstat(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	return f ? fstat_file(m, f, a[1]) : -EBADF;
}

static int64_t stat_at(struct memu *m, uint64_t dirfd, uint64_t upath,
		       uint64_t ust, uint64_t flags)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW_ | AT_EMPTY_PATH |
				AT_NO_AUTOMOUNT_))
		return -EINVAL;
	struct path_buf p;
	int err = get_path(m, upath, &p);
	if (err)
		return err;
	struct stat st;
	if (!p.s[0]) {
		if (!(flags & AT_EMPTY_PATH))
			return -ENOENT;
		if ((int)dirfd == AT_FDCWD) {
			stat_inode(m->proc->cwd->inode, &st);
			return put_stat(m, &st, ust);
		}
		struct file *f = fd_file(m, dirfd);
		return f ? fstat_file(m, f, ust) : -EBADF;
	}
	struct walk w;
	err = walk_path_at(m, dirfd, p.s,
			   flags & AT_SYMLINK_NOFOLLOW_ ? 0 : WALK_FOLLOW, &w);
	if (err)
		return err;
	if (w.file) /* /proc/PID/fd/N: the open file */
		return fstat_file(m, w.file, ust);
	if (!w.d)
		return -ENOENT;
	stat_inode(w.d->inode, &st);
	return put_stat(m, &st, ust);
}

int64_t sys_stat(struct memu *m, const uint64_t *a)
{
	return stat_at(m, AT_FDCWD, a[0], a[1], 0);
}

int64_t sys_lstat(struct memu *m, const uint64_t *a)
{
	return stat_at(m, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW_);
}

int64_t sys_newfstatat(struct memu *m, const uint64_t *a)
{
	return stat_at(m, a[0], a[1], a[2], a[3]);
}

/* The guest is root: it may read and write anything; it may execute
 * what has an execute bit, and search any directory. */
static int64_t access_at(struct memu *m, uint64_t dirfd, uint64_t upath,
			 uint64_t mode, uint64_t flags)
{
	if (mode & ~7ULL)
		return -EINVAL;
	if (flags &
	    ~(uint64_t)(AT_EACCESS_ | AT_SYMLINK_NOFOLLOW_ | AT_EMPTY_PATH))
		return -EINVAL;
	struct walk w;
	int err = walk_at(m, dirfd, upath,
			  flags & AT_SYMLINK_NOFOLLOW_ ? 0 : WALK_FOLLOW, &w);
	if (err)
		return err;
	if (!w.d && !w.file)
		return -ENOENT;
	/* /proc/PID/fd/N: the open file's mode */
	struct stat st;
	if (w.file)
		file_stat(w.file, &st);
	else
		stat_inode(w.d->inode, &st);
	unsigned imode = st.st_mode;
	if ((mode & X_OK) && !S_ISDIR(imode) && !(imode & 0111))
		return -EACCES;
	return 0;
}

int64_t sys_access(struct memu *m, const uint64_t *a)
{
	return access_at(m, AT_FDCWD, a[0], a[1], 0);
}

int64_t sys_faccessat(struct memu *m, const uint64_t *a)
{
	return access_at(m, a[0], a[1], a[2], 0);
}

int64_t sys_faccessat2(struct memu *m, const uint64_t *a)
{
	return access_at(m, a[0], a[1], a[2], a[3]);
}

/* ---- links */

static int64_t readlink_at(struct memu *m, uint64_t dirfd, uint64_t upath,
			   uint64_t ubuf, uint64_t size)
{
	if ((int)size <= 0)
		return -EINVAL;
	struct dentry *d;
	int err = lookup_at(m, dirfd, upath, 0, &d);
	if (err)
		return err;
	if (!S_ISLNK(d->inode->mode))
		return -EINVAL;
	const struct chardev *dev = d->inode->cdev;
	char dyn[FS_PATH_MAX];
	/* a link's text, or /proc/self's and thread-self's */
	const char *t = fs_link_target(&m->fs, d->inode, dyn, sizeof(dyn));
	if (dev && dev->readlink) { /* /proc/PID/exe, cwd, root, fd/N */
		int k = dev->readlink(d->inode, dyn, sizeof(dyn));
		if (k < 0)
			return k;
		dyn[k < (int)sizeof(dyn) ? k : (int)sizeof(dyn) - 1] = '\0';
		t = dyn;
	}
	if (!t)
		return -EINVAL;
	size_t n = strlen(t);
	if (n > (uint32_t)size)
		n = (uint32_t)size;
	return copy_to_user(m->proc->mm, ubuf, t, n) ? -EFAULT : (int64_t)n;
}

int64_t sys_readlink(struct memu *m, const uint64_t *a)
{
	return readlink_at(m, AT_FDCWD, a[0], a[1], a[2]);
}

int64_t sys_readlinkat(struct memu *m, const uint64_t *a)
{
	return readlink_at(m, a[0], a[1], a[2], a[3]);
}

/* The place a new name goes: its directory and last component, which
 * must not exist (EEXIST) and not be "." or "..". */
static int new_name(struct memu *m, uint64_t dirfd, uint64_t upath,
		    struct walk *w)
{
	int err = walk_at(m, dirfd, upath, WALK_PARENT, w);
	if (err)
		return err;
	if (w->d || w->dots)
		return -EEXIST;
	return 0;
}

static int64_t symlink_at(struct memu *m, uint64_t utarget, uint64_t dirfd,
			  uint64_t upath)
{
	struct path_buf t;
	int err = get_path(m, utarget, &t);
	if (err)
		return err;
	struct walk w;
	err = new_name(m, dirfd, upath, &w);
	if (err)
		return err;
	if (!t.s[0])
		return -ENOENT;
	return fs_symlink(&m->fs, w.parent, w.last, t.s);
}

int64_t sys_symlink(struct memu *m, const uint64_t *a)
{
	return symlink_at(m, a[0], AT_FDCWD, a[1]);
}

int64_t sys_symlinkat(struct memu *m, const uint64_t *a)
{
	return symlink_at(m, a[0], a[1], a[2]);
}

static int64_t link_at(struct memu *m, uint64_t olddirfd, uint64_t uold,
		       uint64_t newdirfd, uint64_t unew, uint64_t flags)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW_ | AT_EMPTY_PATH))
		return -EINVAL;
	struct path_buf p;
	int err = get_path(m, uold, &p);
	if (err)
		return err;
	struct inode *i;
	if (!p.s[0] && (flags & AT_EMPTY_PATH)) {
		struct file *f = fd_file(m, olddirfd);
		if (!f)
			return -EBADF;
		i = file_inode(f);
		if (!i)
			return -EXDEV;
	} else {
		struct dentry *d;
		err = lookup_at(m, olddirfd, uold,
				flags & AT_SYMLINK_FOLLOW_ ? WALK_FOLLOW : 0,
				&d);
		if (err)
			return err;
		i = d->inode;
	}
	struct walk w;
	err = new_name(m, newdirfd, unew, &w);
	if (err)
		return err;
	if (S_ISDIR(i->mode))
		return -EPERM;
	if (i->nlink == 0 && !i->linkable)
		return -ENOENT;
	return fs_link(w.parent, w.last, i);
}

int64_t sys_link(struct memu *m, const uint64_t *a)
{
	return link_at(m, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t sys_linkat(struct memu *m, const uint64_t *a)
{
	return link_at(m, a[0], a[1], a[2], a[3], a[4]);
}

/* ---- directories */

static int64_t mkdir_at(struct memu *m, uint64_t dirfd, uint64_t upath,
			unsigned mode)
{
	struct walk w;
	int err = new_name(m, dirfd, upath, &w);
	if (err)
		return err;
	return fs_mknod(&m->fs, w.parent, w.last,
			S_IFDIR | (mode & 01777 & ~m->proc->task.umask), NULL);
}

int64_t sys_mkdir(struct memu *m, const uint64_t *a)
{
	return mkdir_at(m, AT_FDCWD, a[0], (unsigned)a[1]);
}

int64_t sys_mkdirat(struct memu *m, const uint64_t *a)
{
	return mkdir_at(m, a[0], a[1], (unsigned)a[2]);
}

static int64_t rmdir_at(struct memu *m, uint64_t dirfd, uint64_t upath)
{
	struct walk w;
	int err = walk_at(m, dirfd, upath, WALK_PARENT, &w);
	if (err)
		return err;
	if (w.dots == 1)
		return w.last[0] ? -EINVAL : -EBUSY;
	if (w.dots == 2)
		return -ENOTEMPTY;
	if (!w.d)
		return -ENOENT;
	return fs_rmdir(w.parent, w.d);
}

int64_t sys_rmdir(struct memu *m, const uint64_t *a)
{
	return rmdir_at(m, AT_FDCWD, a[0]);
}

static int64_t unlink_at(struct memu *m, uint64_t dirfd, uint64_t upath)
{
	struct walk w;
	int err = walk_at(m, dirfd, upath, WALK_PARENT, &w);
	if (err)
		return err;
	if (w.dots)
		return -EISDIR;
	if (!w.d)
		return -ENOENT;
	if (w.slash)
		return S_ISDIR(w.d->inode->mode) ? -EISDIR : -ENOTDIR;
	return fs_unlink(w.parent, w.d);
}

int64_t sys_unlink(struct memu *m, const uint64_t *a)
{
	return unlink_at(m, AT_FDCWD, a[0]);
}

int64_t sys_unlinkat(struct memu *m, const uint64_t *a)
{
	if (a[2] & ~(uint64_t)AT_REMOVEDIR_)
		return -EINVAL;
	return a[2] ? rmdir_at(m, a[0], a[1]) : unlink_at(m, a[0], a[1]);
}

static int64_t rename_at(struct memu *m, uint64_t olddirfd, uint64_t uold,
			 uint64_t newdirfd, uint64_t unew, uint64_t flags)
{
	if (flags &
	    ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EINVAL; /* no overlay file systems here */
	struct walk o, n;
	int err = walk_at(m, olddirfd, uold, WALK_PARENT, &o);
	if (!err)
		err = walk_at(m, newdirfd, unew, WALK_PARENT, &n);
	if (err)
		return err;
	if (o.dots)
		return -EBUSY;
	if (n.dots)
		return flags & RENAME_NOREPLACE ? -EEXIST : -EBUSY;
	if (!o.d)
		return -ENOENT;
	if ((flags & RENAME_EXCHANGE) && !n.d)
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && n.d)
		return -EEXIST;
	bool dir = S_ISDIR(o.d->inode->mode);
	if (!(flags & RENAME_EXCHANGE) && !dir && (o.slash || n.slash))
		return -ENOTDIR;
	return fs_rename(o.parent, o.d, n.parent, n.last, n.d, (unsigned)flags);
}

int64_t sys_rename(struct memu *m, const uint64_t *a)
{
	return rename_at(m, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t sys_renameat(struct memu *m, const uint64_t *a)
{
	return rename_at(m, a[0], a[1], a[2], a[3], 0);
}

int64_t sys_renameat2(struct memu *m, const uint64_t *a)
{
	return rename_at(m, a[0], a[1], a[2], a[3], a[4]);
}

int64_t sys_getdents64(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	if (f->dev != &dir_dev)
		return -ENOTDIR;
	m->devices.mm = m->proc->mm;
	return dir_getdents64(f, a[1], (uint32_t)a[2]);
}

int64_t sys_getcwd(struct memu *m, const uint64_t *a)
{
	if (m->proc->cwd->unlinked)
		return -ENOENT;
	char buf[FS_PATH_MAX];
	int n = d_path(m->proc->cwd, buf, sizeof(buf));
	if (n < 0)
		return n;
	if ((uint64_t)n + 1 > a[1])
		return -ERANGE;
	return copy_to_user(m->proc->mm, a[0], buf, (size_t)n + 1) ? -EFAULT
								   : n + 1;
}

static int64_t set_cwd(struct memu *m, struct dentry *d)
{
	if (!S_ISDIR(d->inode->mode))
		return -ENOTDIR;
	fs_set_cwd(m, d);
	return 0;
}

int64_t sys_chdir(struct memu *m, const uint64_t *a)
{
	struct dentry *d;
	int err = lookup_at(m, AT_FDCWD, a[0], WALK_FOLLOW, &d);
	return err ? err : set_cwd(m, d);
}

int64_t sys_fchdir(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	struct inode *i = file_inode(f);
	if (!i || !S_ISDIR(i->mode))
		return -ENOTDIR;
	return set_cwd(m, i->dir);
}

static int64_t chmod_inode(struct inode *i, unsigned mode)
{
	if (i->cdev)
		return 0; /* device nodes keep the driver's mode */
	i->mode = (i->mode & S_IFMT) | (mode & 07777);
	i->ctime = fs_now(i->fs);
	return 0;
}

int64_t sys_chmod(struct memu *m, const uint64_t *a)
{
	struct dentry *d;
	int err = lookup_at(m, AT_FDCWD, a[0], WALK_FOLLOW, &d);
	return err ? err : chmod_inode(d->inode, (unsigned)a[1]);
}

int64_t sys_fchmodat(struct memu *m, const uint64_t *a)
{
	struct dentry *d;
	int err = lookup_at(m, a[0], a[1], WALK_FOLLOW, &d);
	return err ? err : chmod_inode(d->inode, (unsigned)a[2]);
}

int64_t sys_fchmod(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	return file_inode(f) ? chmod_inode(file_inode(f), (unsigned)a[1]) : 0;
}

/* ---- owners and times */

/* The guest is root: it may give a file to anyone.  -1 keeps one. */
static int64_t chown_inode(struct inode *i, uint64_t uid, uint64_t gid)
{
	if (i->cdev)
		return 0;
	if ((uint32_t)uid != (uint32_t)-1)
		i->uid = (uint32_t)uid;
	if ((uint32_t)gid != (uint32_t)-1)
		i->gid = (uint32_t)gid;
	i->ctime = fs_now(i->fs);
	return 0;
}

static int64_t chown_at(struct memu *m, uint64_t dirfd, uint64_t upath,
			uint64_t uid, uint64_t gid, uint64_t flags)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW_ | AT_EMPTY_PATH))
		return -EINVAL;
	struct path_buf p;
	int err = get_path(m, upath, &p);
	if (err)
		return err;
	if (!p.s[0] && (flags & AT_EMPTY_PATH)) {
		struct inode *i = (int)dirfd == AT_FDCWD ? m->proc->cwd->inode
				  : fd_file(m, dirfd)
					  ? file_inode(fd_file(m, dirfd))
					  : NULL;
		if ((int)dirfd != AT_FDCWD && !fd_file(m, dirfd))
			return -EBADF;
		return i ? chown_inode(i, uid, gid) : 0;
	}
	struct dentry *d;
	err = lookup_at(m, dirfd, upath,
			flags & AT_SYMLINK_NOFOLLOW_ ? 0 : WALK_FOLLOW, &d);
	return err ? err : chown_inode(d->inode, uid, gid);
}

int64_t sys_chown(struct memu *m, const uint64_t *a)
{
	return chown_at(m, AT_FDCWD, a[0], a[1], a[2], 0);
}

int64_t sys_lchown(struct memu *m, const uint64_t *a)
{
	return chown_at(m, AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW_);
}

int64_t sys_fchownat(struct memu *m, const uint64_t *a)
{
	return chown_at(m, a[0], a[1], a[2], a[3], a[4]);
}

int64_t sys_fchown(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	return file_inode(f) ? chown_inode(file_inode(f), a[1], a[2]) : 0;
}

#define UTIME_NOW_  ((1L << 30) - 1)
#define UTIME_OMIT_ ((1L << 30) - 2)

/* One of utimensat's two times: now, kept, or the guest's. */
static int pick_time(const int64_t ts[2], uint64_t now, uint64_t *out,
		     bool *set)
{
	*set = true;
	if (ts[1] == UTIME_OMIT_) {
		*set = false;
		return 0;
	}
	if (ts[1] == UTIME_NOW_) {
		*out = now;
		return 0;
	}
	if (ts[1] < 0 || ts[1] >= 1000000000L)
		return -EINVAL;
	*out = (uint64_t)ts[0] * 1000000000ULL + (uint64_t)ts[1];
	return 0;
}

int64_t sys_utimensat(struct memu *m, const uint64_t *a)
{
	uint64_t flags = a[3];
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW_ | AT_EMPTY_PATH))
		return -EINVAL;
	int64_t ts[2][2] = {{0, UTIME_NOW_}, {0, UTIME_NOW_}};
	if (a[2] && copy_from_user(m->proc->mm, ts, a[2], sizeof(ts)))
		return -EFAULT;
	struct inode *i;
	if (!a[1]) { /* futimens: the descriptor itself */
		if ((int)a[0] == AT_FDCWD)
			return -EFAULT;
		struct file *f = fd_file(m, a[0]);
		if (!f)
			return -EBADF;
		i = file_inode(f);
		if (!i)
			return 0;
	} else {
		struct dentry *d;
		int err = lookup_at(
			m, a[0], a[1],
			flags & AT_SYMLINK_NOFOLLOW_ ? 0 : WALK_FOLLOW, &d);
		if (err)
			return err;
		i = d->inode;
	}
	uint64_t now = fs_now(i->fs), at = 0, mt = 0;
	bool set_a, set_m;
	int err = pick_time(ts[0], now, &at, &set_a);
	if (!err)
		err = pick_time(ts[1], now, &mt, &set_m);
	if (err)
		return err;
	if (i->cdev || (!set_a && !set_m))
		return 0;
	if (set_a)
		i->atime = at;
	if (set_m)
		i->mtime = mt;
	i->ctime = now;
	return 0;
}

/* ---- sizes and space */

int64_t sys_truncate(struct memu *m, const uint64_t *a)
{
	struct dentry *d;
	int err = lookup_at(m, AT_FDCWD, a[0], WALK_FOLLOW, &d);
	if (err)
		return err;
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	if (S_ISDIR(d->inode->mode))
		return -EISDIR;
	if (!S_ISREG(d->inode->mode) || d->inode->cdev)
		return -EINVAL;
	m->devices.mm = m->proc->mm;
	return shmem_setsize(d->inode, a[1]);
}

int64_t sys_ftruncate(struct memu *m, const uint64_t *a)
{
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	struct inode *i = file_inode(f);
	if (!i || !S_ISREG(i->mode) || !(f->fmode & FMODE_WRITE))
		return -EINVAL;
	m->devices.mm = m->proc->mm;
	return shmem_setsize(i, a[1]);
}

int64_t sys_fallocate(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	int mode = (int)a[1];
	int64_t off = (int64_t)a[2], len = (int64_t)a[3];
	/* vfs_fallocate's checks, in its order. */
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~FALLOC_FL_SUPPORTED)
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE_) && !(mode & FALLOC_FL_KEEP_SIZE_))
		return -EOPNOTSUPP;
	if (!(f->fmode & FMODE_WRITE))
		return -EBADF;
	struct inode *i = file_inode(f);
	if (f->dev == &pipe_dev)
		return -ESPIPE;
	if (i && S_ISDIR(i->mode))
		return -EISDIR;
	if (!i || !S_ISREG(i->mode))
		return -ENODEV;
	if (off + len < 0)
		return -EFBIG;
	/* shmem_fallocate: only these two. */
	if (mode & ~(FALLOC_FL_KEEP_SIZE_ | FALLOC_FL_PUNCH_HOLE_))
		return -EOPNOTSUPP;
	m->devices.mm = m->proc->mm;
	return shmem_fallocate(&m->devices, i, mode, (uint64_t)off,
			       (uint64_t)len);
}

/* Files live in memory: syncing has nothing to do, for the files that
 * have an fsync (regular files, directories). */
int64_t sys_fsync(struct memu *m, const uint64_t *a)
{
	struct file *f = fd_file(m, a[0]);
	if (!f)
		return -EBADF;
	return file_inode(f) ? 0 : -EINVAL;
}

int64_t sys_sync(struct memu *m, const uint64_t *a)
{
	(void)m, (void)a;
	return 0;
}
