/* Host files into the guest's file system, before it starts (memu run
 * --file HOST[:GUEST] and --dir HOST[:GUEST]; docs/cli.md).  They are
 * copies: the guest may change or remove them and the host never sees
 * it.  Only what the user names crosses: a file's bytes and permission
 * bits, a tree's directories, regular files and symbolic links (as
 * text, which can only ever resolve inside the guest's tree).  Times
 * are the virtual clock's, not the host's, and a tree's entries are
 * copied in name order, so inode numbers do not depend on the host's
 * directory order.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../devices/memfd.h"
#include "machine.h"

#define IMPORT_DEPTH 64 /* directory levels of a --dir tree */

/* Make the guest directories of path's parents (mkdir -p); return the
 * last component's directory, with the name in *last. */
static int parent_of(struct memu *m, const char *path, struct dentry **dir,
		     char *last, char *err, size_t errlen)
{
	struct dentry *d = m->fs.root;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (!n || n > FS_NAME_MAX) {
			snprintf(err, errlen, "bad guest path: %s", path);
			return -1;
		}
		const char *rest = p + n;
		while (*rest == '/')
			rest++;
		char name[FS_NAME_MAX + 1];
		memcpy(name, p, n);
		name[n] = '\0';
		if (!*rest || !strcmp(name, ".") || !strcmp(name, "..")) {
			if (*rest || name[0] == '.') {
				snprintf(err, errlen,
					 "guest paths take no . or ..: %s",
					 path);
				return -1;
			}
			memcpy(last, name, n + 1);
			*dir = d;
			return 0;
		}
		struct dentry *c = d_lookup(d, name);
		if (!c && fs_mknod(&m->fs, d, name, S_IFDIR | 0755, &c)) {
			snprintf(err, errlen, "cannot make %s", path);
			return -1;
		}
		if (!S_ISDIR(c->inode->mode)) {
			snprintf(err, errlen, "not a directory in %s", path);
			return -1;
		}
		d = c;
		p = rest;
	}
}

static int copy_file(struct memu *m, const char *host, struct dentry *dir,
		     const char *name, unsigned mode, char *err, size_t errlen)
{
	FILE *in = fopen(host, "rb");
	if (!in) {
		snprintf(err, errlen, "%s: %s", host, strerror(errno));
		return -1;
	}
	struct dentry *d = d_lookup(dir, name);
	if (d && (!S_ISREG(d->inode->mode) || d->inode->cdev)) {
		fclose(in);
		snprintf(err, errlen, "%s: the guest already has a %s there",
			 host, S_ISDIR(d->inode->mode) ? "directory" : "file");
		return -1;
	}
	if (!d && fs_mknod(&m->fs, dir, name, S_IFREG | (mode & 0777), &d)) {
		fclose(in);
		snprintf(err, errlen, "%s: cannot create it", host);
		return -1;
	}
	d->inode->seals = F_SEAL_SEAL;
	shmem_setsize(d->inode, 0);
	char buf[65536];
	uint64_t off = 0;
	size_t n;
	int rc = 0;
	m->devices.mm = m->proc->mm;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		int e = shmem_write_kernel(&m->devices, d->inode, off, buf, n);
		if (e) {
			snprintf(err, errlen, "%s: %s in the guest's memory",
				 host, e == -EFBIG ? "too big" : "no room");
			rc = -1;
			break;
		}
		off += n;
	}
	if (!rc && ferror(in)) {
		snprintf(err, errlen, "%s: read error", host);
		rc = -1;
	}
	fclose(in);
	struct inode *i = d->inode;
	i->atime = i->mtime = i->ctime = fs_now(&m->fs);
	return rc;
}

static int copy_tree(struct memu *m, const char *host, struct dentry *dir,
		     const char *name, unsigned mode, int depth, char *err,
		     size_t errlen);
static int copy_into(struct memu *m, const char *host, struct dentry *d,
		     int depth, char *err, size_t errlen);

static int copy_entry(struct memu *m, const char *host, struct dentry *dir,
		      const char *name, int depth, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(host, &st)) {
		snprintf(err, errlen, "%s: %s", host, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return copy_tree(m, host, dir, name, st.st_mode, depth, err,
				 errlen);
	if (S_ISREG(st.st_mode))
		return copy_file(m, host, dir, name, st.st_mode, err, errlen);
	if (S_ISLNK(st.st_mode)) {
		char target[FS_PATH_MAX];
		ssize_t n = readlink(host, target, sizeof(target) - 1);
		if (n <= 0) {
			snprintf(err, errlen, "%s: cannot read the link", host);
			return -1;
		}
		target[n] = '\0';
		if (d_lookup(dir, name))
			return 0; /* what is there stays */
		return fs_symlink(&m->fs, dir, name, target) ? -1 : 0;
	}
	/* Devices, fifos and sockets are the host's: not copied. */
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int copy_tree(struct memu *m, const char *host, struct dentry *dir,
		     const char *name, unsigned mode, int depth, char *err,
		     size_t errlen)
{
	if (depth > IMPORT_DEPTH) {
		snprintf(err, errlen, "%s: deeper than %d levels", host,
			 IMPORT_DEPTH);
		return -1;
	}
	struct dentry *d = d_lookup(dir, name);
	if (!d && fs_mknod(&m->fs, dir, name, S_IFDIR | (mode & 07777), &d)) {
		snprintf(err, errlen, "%s: cannot make it", host);
		return -1;
	}
	if (!S_ISDIR(d->inode->mode)) {
		snprintf(err, errlen, "%s: the guest has a file there", host);
		return -1;
	}
	return copy_into(m, host, d, depth, err, errlen);
}

/* The entries of host's directory into guest directory d. */
static int copy_into(struct memu *m, const char *host, struct dentry *d,
		     int depth, char *err, size_t errlen)
{
	struct dirent **list;
	int n = scandir(host, &list, NULL, by_name);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", host, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const char *e = list[i]->d_name;
		if (!rc && strcmp(e, ".") && strcmp(e, "..")) {
			size_t len = strlen(host) + strlen(e) + 2;
			char *sub = malloc(len);
			if (!sub) {
				rc = -1;
			} else {
				snprintf(sub, len, "%s/%s", host, e);
				rc = copy_entry(m, sub, d, e, depth + 1, err,
						errlen);
				free(sub);
			}
		}
		free(list[i]);
	}
	free(list);
	d->inode->atime = d->inode->mtime = d->inode->ctime = fs_now(&m->fs);
	return rc;
}

int memu_import(struct memu *m, const char *spec, bool tree, char *err,
		size_t errlen)
{
	char host[FS_PATH_MAX];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (!n || n >= sizeof(host)) {
		snprintf(err, errlen, "bad --%s: %s", tree ? "dir" : "file",
			 spec);
		return -1;
	}
	memcpy(host, spec, n);
	host[n] = '\0';
	/* The guest path defaults to the host path as written: a relative
	 * one is relative to the guest's working directory, /. */
	const char *guest = colon ? colon + 1 : host;
	if (strlen(guest) >= FS_PATH_MAX) {
		snprintf(err, errlen, "guest path too long: %s", guest);
		return -1;
	}
	struct stat st;
	if (stat(host, &st)) {
		snprintf(err, errlen, "%s: %s", host, strerror(errno));
		return -1;
	}
	if (tree != S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", host,
			 tree ? "not a directory (use --file)"
			      : "a directory (use --dir)");
		return -1;
	}
	if (tree && guest[strspn(guest, "/")] == '\0' && *guest)
		return copy_into(m, host, m->fs.root, 0, err, errlen);
	char last[FS_NAME_MAX + 1];
	struct dentry *dir;
	if (parent_of(m, guest, &dir, last, err, errlen))
		return -1;
	return tree ? copy_tree(m, host, dir, last, st.st_mode, 0, err, errlen)
		    : copy_file(m, host, dir, last, st.st_mode, err, errlen);
}
