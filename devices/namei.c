/* Path walk (Linux fs/namei.c, at teaching scale): one component at a
 * time from the root or a base directory, "." and ".." (which stops at
 * the root: no path leaves the guest's tree), symbolic links followed
 * up to FS_MAXLINKS in one walk (then ELOOP), components longer than
 * FS_NAME_MAX (ENAMETOOLONG), and a non-directory in the middle
 * (ENOTDIR).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"
#include "proc_task.h"

static int walk(struct fs *fs, struct dentry *base, const char *path,
		unsigned flags, int *links, struct walk *w);

/* The entry a symbolic link at d (in dir) leads to, or -errno. */
static int follow(struct fs *fs, struct dentry *dir, struct dentry *d,
		  int *links, struct dentry **out)
{
	if (++*links > FS_MAXLINKS)
		return -ELOOP;
	const struct chardev *dev = d->inode->cdev;
	if (dev && dev->follow) { /* /proc/PID/cwd, root, fd/N */
		struct file *f = NULL;
		*out = NULL;
		int err = dev->follow(d->inode, out, &f);
		return err ? err : *out ? 0 : -ENOTDIR;
	}
	char buf[PROC_LINK_MAX];
	const char *target = fs_link_target(fs, d->inode, buf, sizeof(buf));
	if (!target)
		return -ENOENT; /* /proc/PID/exe: not followed */
	struct walk sub;
	int err = walk(fs, dir, target, WALK_FOLLOW, links, &sub);
	if (err)
		return err;
	if (!sub.d)
		return -ENOENT;
	*out = sub.d;
	return 0;
}

/* The last component is a /proc link that leads to an entry or an open
 * file itself (Linux's nd_jump_link): the walk ends there. */
static int jump(struct dentry *link, bool slash, unsigned flags, struct walk *w)
{
	struct dentry *d = NULL;
	struct file *f = NULL;
	int err = link->inode->cdev->follow(link->inode, &d, &f);
	if (err)
		return err;
	w->d = d;
	w->file = f;
	w->dots = 0;
	if (d) {
		w->parent = d->parent;
		snprintf(w->last, sizeof(w->last), "%s", d->name);
	}
	bool dir = d && S_ISDIR(d->inode->mode);
	if ((slash || (flags & WALK_DIRECTORY)) && !dir)
		return -ENOTDIR;
	return 0;
}

static int walk(struct fs *fs, struct dentry *base, const char *path,
		unsigned flags, int *links, struct walk *w)
{
	struct dentry *cur = *path == '/' ? fs->root : base;
	memset(w, 0, sizeof(*w));
	while (*path == '/')
		path++;
	if (!*path) { /* "/" or "" after slashes: the start itself */
		w->parent = cur->parent;
		w->d = cur;
		w->dots = 1;
		w->slash = true;
		return 0;
	}
	for (;;) {
		size_t n = strcspn(path, "/");
		if (n > FS_NAME_MAX)
			return -ENAMETOOLONG;
		char name[FS_NAME_MAX + 1];
		memcpy(name, path, n);
		name[n] = '\0';
		path += n;
		bool slash = *path == '/';
		while (*path == '/')
			path++;
		bool last = !*path;
		if (!S_ISDIR(cur->inode->mode))
			return -ENOTDIR;
		/* a reaped task's /proc/PID: proc_pid_permission's ESRCH */
		if (cur->inode->pid && !cur->inode->pid->task)
			return -ESRCH;
		int dots = !strcmp(name, ".") ? 1 : !strcmp(name, "..") ? 2 : 0;
		struct dentry *d = dots == 1   ? cur
				   : dots == 2 ? cur->parent
					       : d_lookup(cur, name);
		if (last) {
			w->parent = cur;
			memcpy(w->last, name, n + 1);
			w->dots = dots;
			w->slash = slash;
			w->d = d;
			if (flags & WALK_PARENT)
				return 0;
			if (d && S_ISLNK(d->inode->mode) &&
			    (slash || (flags & WALK_FOLLOW))) {
				/* The walk goes on through the link's text; a
				 * missing last name there is the one to create
				 * (open(O_CREAT) through a dangling link). */
				if (++*links > FS_MAXLINKS)
					return -ELOOP;
				const struct chardev *dev = d->inode->cdev;
				if (dev && dev->follow)
					return jump(d, slash, flags, w);
				char buf[PROC_LINK_MAX];
				const char *target = fs_link_target(
					fs, d->inode, buf, sizeof(buf));
				if (!target)
					return -ENOENT; /* /proc/PID/exe */
				int err = walk(fs, cur, target,
					       flags | WALK_FOLLOW, links, w);
				if (err)
					return err;
				w->slash = w->slash || slash;
			}
			if (w->d && (slash || (flags & WALK_DIRECTORY)) &&
			    !S_ISDIR(w->d->inode->mode))
				return -ENOTDIR;
			return 0;
		}
		if (!d)
			return -ENOENT;
		if (S_ISLNK(d->inode->mode)) {
			int err = follow(fs, cur, d, links, &d);
			if (err)
				return err;
		}
		cur = d;
	}
}

int fs_walk(struct fs *fs, struct dentry *base, const char *path,
	    unsigned flags, struct walk *w)
{
	int links = 0;
	if (!*path)
		return -ENOENT;
	return walk(fs, base, path, flags, &links, w);
}
