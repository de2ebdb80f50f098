/* /proc/PID/fd, fdinfo, cwd and root, as Linux 6.1's fs/proc/fd.c and
 * proc_cwd_link, proc_root_link (docs/processes.md, "/proc"):
 *
 *   fd/N      a link per open descriptor (lr-x------, l-wx------ or
 *             lrwx------ by the file's open mode, size 64): readlink
 *             gives the file's path (" (deleted)" once unlinked), a
 *             memfd's "/memfd:NAME (deleted)", "pipe:[INO]",
 *             "socket:[INO]"; a walk through it reaches the open file
 *             itself (stat shows it, open opens it again)
 *   fdinfo/N  pos, flags (O_CLOEXEC from the descriptor), mnt_id, ino,
 *             and the lines of the file's kind (show_fdinfo)
 *   cwd, root the task's working directory and root, followed as links
 *
 * fd/ and fdinfo/ are made again from the task's table each time they
 * are looked into (proc_fd_fill), in ascending order.  A zombie has no
 * descriptors (both list nothing) and no cwd or root (ENOENT).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"
#include "proc_task.h"
#include "proc_text.h"

#define FD_LINK_SIZE 64 /* what Linux's fd links show as st_size */

/* The file open as descriptor i->proc_fd of i's task. */
static int fd_file_of(const struct inode *i, struct file **f)
{
	struct proc_task *t = proc_pid_task(i->pid);
	if (!t || (unsigned)i->proc_fd >= t->nfds || !t->fds[i->proc_fd])
		return -ENOENT;
	*f = t->fds[i->proc_fd];
	return 0;
}

int file_link_target(const struct file *f, char *buf, int size)
{
	if (f->dentry || (f->inode && f->inode->name))
		return file_path(f, buf, size);
	struct stat st;
	memset(&st, 0, sizeof(st));
	if (f->dev->fops->stat)
		f->dev->fops->stat((struct file *)f, &st);
	int n;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		n = snprintf(buf, (size_t)size, "%s:[%llu]",
			     S_ISFIFO(st.st_mode) ? "pipe" : "socket",
			     (unsigned long long)st.st_ino);
	else
		n = snprintf(buf, (size_t)size, "%s",
			     f->dev->path ? f->dev->path : "");
	return n < size ? n : -ENAMETOOLONG;
}

/* ---- fd/N */

static int readlink_fd(const struct inode *i, char *buf, size_t size)
{
	struct file *f;
	int err = fd_file_of(i, &f);
	return err ? err : file_link_target(f, buf, (int)size);
}

static int follow_fd(const struct inode *i, struct dentry **d, struct file **f)
{
	int err = fd_file_of(i, f);
	if (!err)
		*d = (*f)->dentry;
	return err;
}

static const struct file_operations link_fops = {0};

static const struct chardev fd_link_dev = {
	.mode = 0700,
	.regular = true,
	.fops = &link_fops,
	.readlink = readlink_fd,
	.follow = follow_fd,
};

/* ---- fdinfo/N */

/* The mount ids of proc_mountinfo.c's mounts, by st_dev; the kernel's
 * own mounts (memfds, pipes, sockets, anonymous inodes) after them. */
static int mnt_id(uint64_t dev)
{
	switch (dev) {
	case FS_ROOT_DEV:
		return 1;
	case FS_PROC_DEV:
		return 2;
	case FS_DEVTMPFS_DEV:
		return 4;
	case FS_DEVSHM_DEV:
		return 5;
	case FS_SHM_DEV:
		return 6;
	case FS_PIPEFS_DEV:
		return 7;
	case FS_SOCKFS_DEV:
		return 8;
	case FS_ANON_DEV:
		return 9;
	default:
		return 0;
	}
}

static void show_fdinfo(struct proc_text *t, struct file *f)
{
	const struct inode *node = f->dentry ? f->dentry->inode : NULL;
	struct proc_task *task = node ? proc_pid_task(node->pid) : NULL;
	struct file *of;
	if (!task || fd_file_of(node, &of)) {
		t->err = -ENOENT;
		return;
	}
	int flags = of->flags;
	if (task->cloexec[node->proc_fd])
		flags |= O_CLOEXEC;
	struct stat st;
	memset(&st, 0, sizeof(st));
	const struct inode *i = of->inode    ? of->inode
				: of->dentry ? of->dentry->inode
					     : NULL;
	if (i) {
		st.st_dev = i->dev;
		st.st_ino = i->ino;
	} else if (of->dev->fops->stat) {
		of->dev->fops->stat(of, &st);
	}
	text_printf(t, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%d\nino:\t%llu\n",
		    (long long)of->pos, (unsigned)flags, mnt_id(st.st_dev),
		    (unsigned long long)st.st_ino);
	char more[16384]; /* an epoll's lines, one per item */
	if (of->dev->fops->show_fdinfo &&
	    of->dev->fops->show_fdinfo(of, more, sizeof(more)) > 0)
		text_puts(t, more);
}

static int open_fdinfo(struct file *f)
{
	return proc_text_open(f, show_fdinfo);
}

static const struct file_operations fdinfo_fops = {
	.open = open_fdinfo,
	.release = proc_text_release,
	.read = proc_text_read,
	.llseek = proc_seq_lseek,
};

static const struct chardev fdinfo_dev = {
	.mode = 0444,
	.regular = true,
	.fops = &fdinfo_fops,
};

/* ---- the directories */

static bool fd_open(const struct proc_task *t, int fd)
{
	return (unsigned)fd < t->nfds && t->fds[fd];
}

/* lr-x------, l-wx------, lrwx------ (Linux's tid_fd_update_inode) */
static unsigned link_mode(const struct file *f)
{
	unsigned mode = 0;
	if (f->fmode & FMODE_READ)
		mode |= 0500;
	if (f->fmode & FMODE_WRITE)
		mode |= 0300;
	return S_IFLNK | mode;
}

void proc_fd_fill(struct dentry *dir)
{
	struct inode *di = dir->inode;
	struct proc_task *t = proc_pid_task(di->pid);
	if (dir->unlinked || !t)
		return;
	bool info = di->proc_kind == PROC_FDINFO_DIR;
	struct dentry *c, *next;
	for (c = TAILQ_FIRST(&dir->children); c; c = next) {
		next = TAILQ_NEXT(c, sibling);
		if (c->inode && !fd_open(t, c->inode->proc_fd))
			fs_proc_remove(c); /* closed */
	}
	/* each open one in its place: before the first entry of a higher
	 * number, after any cursor there, so that a listing under way
	 * shows it when Linux's would (a higher number than it read) */
	struct dentry *at = TAILQ_FIRST(&dir->children);
	for (unsigned n = 0; n < t->nfds; n++) {
		struct file *f = t->fds[n];
		if (!f)
			continue;
		while (at && (!at->inode || at->inode->proc_fd < (int)n))
			at = TAILQ_NEXT(at, sibling);
		struct dentry *d =
			at && at->inode->proc_fd == (int)n ? at : NULL;
		if (!d) {
			char name[16];
			snprintf(name, sizeof(name), "%u", n);
			d = info ? fs_proc_entry(di->fs, dir, name, 0444,
						 &fdinfo_dev)
				 : fs_proc_entry(di->fs, dir, name, 0700,
						 &fd_link_dev);
			if (!d)
				return; /* out of host memory */
			d->inode->pid = proc_pid_get(di->pid);
			d->inode->proc_fd = (int)n;
			TAILQ_REMOVE(&dir->children, d, sibling);
			if (at)
				TAILQ_INSERT_BEFORE(at, d, sibling);
			else
				TAILQ_INSERT_TAIL(&dir->children, d, sibling);
		}
		if (!info) {
			d->inode->mode = link_mode(f);
			d->inode->size = FD_LINK_SIZE;
		}
	}
}

/* ---- cwd, root */

static int fs_dir_of(const struct inode *i, bool root, struct dentry **d)
{
	struct proc_task *t = proc_pid_task(i->pid);
	if (!t || !t->cwd)
		return -ENOENT; /* reaped, or a zombie (exit_fs) */
	*d = root ? t->root : t->cwd;
	return 0;
}

static int readlink_dir(const struct inode *i, bool root, char *buf,
			size_t size)
{
	struct dentry *d;
	int err = fs_dir_of(i, root, &d);
	return err ? err : d_path(d, buf, (int)size);
}

static int readlink_cwd(const struct inode *i, char *buf, size_t size)
{
	return readlink_dir(i, false, buf, size);
}

static int readlink_root(const struct inode *i, char *buf, size_t size)
{
	return readlink_dir(i, true, buf, size);
}

static int follow_cwd(const struct inode *i, struct dentry **d, struct file **f)
{
	(void)f;
	return fs_dir_of(i, false, d);
}

static int follow_root(const struct inode *i, struct dentry **d,
		       struct file **f)
{
	(void)f;
	return fs_dir_of(i, true, d);
}

const struct chardev proc_pid_cwd_dev = {
	.path = "cwd",
	.mode = 0777,
	.regular = true,
	.fops = &link_fops,
	.readlink = readlink_cwd,
	.follow = follow_cwd,
};

const struct chardev proc_pid_root_dev = {
	.path = "root",
	.mode = 0777,
	.regular = true,
	.fops = &link_fops,
	.readlink = readlink_root,
	.follow = follow_root,
};
