/* The file system: names, inodes and the page cache behind them.
 *
 * The whole tree is one tmpfs, as a Linux system booted with its root
 * on tmpfs (docs/files.md): directories, regular files, symbolic links,
 * and nodes for the character devices and the /proc files.  A regular
 * file's data is a shared object of mmu/ (mmu/shmem.h), so read(2),
 * write(2) and every mapping of the file see the same page-cache frames.
 *
 *   tmpfs.c       the tree: inodes, directory entries, mkdir, unlink,
 *                 rename, link, symlink, getdents
 *   namei.c       path walk: "..", symbolic links, ENAMETOOLONG, ELOOP
 *   shmem_file.c  open regular files: read, write, seek, mmap, truncate,
 *                 fallocate, seals (Linux mm/shmem.c)
 *   memfd.c       memfd_create: a regular file with no name
 *   pipe.c        pipes
 *   unix_pair.c   socketpair(AF_UNIX): connected stream and seqpacket
 *                 sockets
 *
 * Nothing here is visible from the host: files the user names with
 * --file/--dir are copied in before the guest starts (emu/import.c).
 */
#ifndef MEMU_DEVICES_FS_H
#define MEMU_DEVICES_FS_H

#include <bsd/sys/queue.h>
#include <stdbool.h>
#include <stdint.h>

#include "device.h"

#define FS_NAME_MAX  255  /* NAME_MAX */
#define FS_PATH_MAX  4096 /* PATH_MAX, with its NUL */
#define FS_MAXLINKS  40	  /* MAXSYMLINKS: symbolic links in one walk */
#define FS_BLOCKSIZE 4096
/* x86-64 Linux forces O_LARGEFILE on every open (force_o_largefile). */
#define FS_O_LARGEFILE 0100000

/* The mounts, by st_dev (00:NN), each numbering its inodes from 1 at its
 * root: the root tmpfs, /dev (devtmpfs), /dev/shm (a tmpfs of its own),
 * /proc; memfds are on the kernel's internal shmem mount, as on Linux.
 * A rename or link between two of them is EXDEV. */
#define FS_ROOT_DEV	26
#define FS_DEVTMPFS_DEV 5
#define FS_DEVSHM_DEV	23
#define FS_PROC_DEV	22
#define FS_SHM_DEV	1
#define FS_PIPEFS_DEV	13 /* pipes (pipe.c) */
#define FS_SOCKFS_DEV	8  /* sockets (unix_pair.c) */
#define FS_ANON_DEV	14 /* the anonymous inode (eventfd.c) */
#define FS_DEVS		32 /* st_dev numbers are below this */

struct fs;
struct dentry;
struct stat;

struct inode {
	struct fs *fs;
	uint64_t ino;
	unsigned mode; /* S_IFMT | permission bits */
	unsigned nlink;
	uint32_t uid, gid;
	int refs; /* directory entries and open files */
	uint64_t size;
	struct shmem *shm; /* a regular file's pages */
	unsigned seals;	   /* F_SEAL_* */
	char *target;	   /* a symbolic link's */
	/* A device node or a /proc file: opening it opens the driver. */
	const struct chardev *cdev;
	struct dentry *dir; /* a directory's own entry */
	uint32_t dev;	    /* st_dev: FS_ROOT_DEV, or FS_SHM_DEV */
	bool proc;	    /* a directory of /proc: no new names */
	char *name;	    /* a file with no entry: "memfd:NAME" */
	bool linkable;	    /* O_TMPFILE without O_EXCL: linkat may name it */
	/* /proc/PID and what is under it: the task it shows (the inode
	 * holds a reference), and what kind of /proc entry it is */
	struct proc_pid *pid;
	unsigned char proc_kind; /* enum proc_kind (proc_pid.c) */
	int proc_fd;		 /* /proc/PID/fd/N, fdinfo/N: N */
	bool proc_hidden; /* /proc/TID of a thread: found, never listed */
	/* /proc/PID/task/TID and its files: the task's own counts, not its
	 * process's (Linux's do_task_stat with whole 0) */
	bool proc_thread;
	uint64_t atime, mtime, ctime; /* ns since the epoch */
};

struct dentry {
	char name[FS_NAME_MAX + 1];
	struct dentry *parent; /* itself at the root */
	struct inode *inode;
	/* Children, newest first: the order Linux 6.1's tmpfs lists them
	 * (dcache_readdir walks d_subdirs, where d_alloc adds at the head). */
	TAILQ_HEAD(, dentry) children;
	TAILQ_ENTRY(dentry) sibling;
	int refs; /* the parent's link, the cwd, open files */
	bool unlinked;
};

struct fs {
	struct mmu *mmu;
	struct dentry *root;
	uint64_t next_ino[FS_DEVS]; /* by st_dev */
	const uint64_t *clock_ns;   /* the machine's virtual clock */
	uint64_t epoch_ns;	    /* the realtime clock at boot */
	uint64_t ninodes;	    /* live, for the tests' leak checks */
	struct dentry *proc;	    /* /proc */
	/* The calling task as /proc/self sees it (the machine's
	 * device_context.task), NULL: none yet. */
	struct proc_task *const *current;
};

/* ---- tmpfs.c */

/* A root with /tmp, /dev (a node for each device), /dev/shm and /proc
 * (each /proc file; /proc/self is a link to 1).  0 or -ENOMEM. */
int fs_init(struct fs *fs, struct mmu *mmu, const uint64_t *clock_ns,
	    uint64_t epoch_ns);
void fs_destroy(struct fs *fs);
/* A node for dev at its path (/dev/NAME, a /proc file): 0 or -ENOMEM. */
int fs_add_chardev(struct fs *fs, const struct chardev *dev);
uint64_t fs_now(const struct fs *fs);

/* A new inode on the root tmpfs (inode_new) or the mount dev. */
struct inode *inode_new(struct fs *fs, unsigned mode);
struct inode *inode_new_on(struct fs *fs, unsigned mode, uint32_t dev);
void inode_get(struct inode *i);
void inode_put(struct inode *i);
/* A regular inode with no name (memfd_create, O_TMPFILE's before
 * linkat). */
struct inode *inode_new_file(struct fs *fs, unsigned mode);

void dget(struct dentry *d);
void dput(struct dentry *d);
/* The child of dir called name, or NULL ("." and ".." are not
 * children). */
struct dentry *d_lookup(struct dentry *dir, const char *name);
/* A new entry name in dir for inode (which it now holds a reference
 * to); NULL when out of memory. */
struct dentry *d_add(struct dentry *dir, const char *name, struct inode *inode);
/* The path from the root into buf ("/tmp/f"), with " (deleted)" when the
 * entry was unlinked; the length, or -ENAMETOOLONG. */
int d_path(const struct dentry *d, char *buf, int size);
/* Whether d is a or under it. */
bool d_is_under(const struct dentry *d, const struct dentry *a);

/* Directory operations, with Linux's errnos; names are the last
 * components of walked paths (namei.c). */
int fs_mknod(struct fs *fs, struct dentry *dir, const char *name, unsigned mode,
	     struct dentry **out);
int fs_unlink(struct dentry *dir, struct dentry *d);
int fs_rmdir(struct dentry *dir, struct dentry *d);
int fs_link(struct dentry *dir, const char *name, struct inode *inode);
int fs_symlink(struct fs *fs, struct dentry *dir, const char *name,
	       const char *target);
/* renameat2 with flags RENAME_NOREPLACE / RENAME_EXCHANGE. */
int fs_rename(struct dentry *odir, struct dentry *old, struct dentry *ndir,
	      const char *newname, struct dentry *target, unsigned flags);

/* What stat(2) shows of an inode. */
void inode_stat(const struct inode *i, struct stat *st);

/* An entry of /proc that the kernel makes, not the guest (fs_mknod
 * refuses names there): a directory (cdev NULL) or a node for cdev, with
 * mode; NULL when out of memory. */
struct dentry *fs_proc_entry(struct fs *fs, struct dentry *dir,
			     const char *name, unsigned mode,
			     const struct chardev *cdev);
/* Take d and everything under it out of the tree (a reaped process's
 * /proc/PID); open files and working directories keep what they hold. */
void fs_proc_remove(struct dentry *d);

/* ---- proc_pid.c: /proc/PID, /proc/self, /proc/thread-self */

enum proc_kind {
	PROC_ENTRY_NONE,
	PROC_PID_UNFILLED,     /* /proc/PID, task/TID: files not made yet */
	PROC_PID_FILLED,       /* ... made */
	PROC_LINK_SELF,	       /* /proc/self: "TGID" */
	PROC_LINK_THREAD_SELF, /* /proc/thread-self: "TGID/task/TID" */
	PROC_FD_DIR,	       /* /proc/PID/fd: a link per descriptor */
	PROC_FDINFO_DIR,       /* /proc/PID/fdinfo: a file per descriptor */
};

#define PROC_LINK_MAX 32 /* "32767/task/32767" and its NUL fit */

/* The directory /proc/NR or /proc/TGID/task/NR under dir for pid; its
 * files are made when it is first looked into. */
struct dentry *proc_pid_mkdir(struct fs *fs, struct dentry *dir, int nr,
			      struct proc_pid *pid);
/* Make the files of such a directory, once, and bring fd/ and fdinfo/
 * up to date with the descriptors (lookup, open and getdents). */
void proc_pid_fill(struct dentry *dir);

/* ---- proc_fd.c: /proc/PID/fd, fdinfo, cwd, root */

/* Make fd/'s or fdinfo/'s entries those of the task's descriptors now,
 * in ascending order (Linux's proc_readfd_common lists the table). */
void proc_fd_fill(struct dentry *dir);
/* What readlink of /proc/PID/fd/N shows of f (Linux's d_path of the
 * file): its length, or -errno. */
int file_link_target(const struct file *f, char *buf, int size);
/* /proc/self and /proc/thread-self. */
int proc_self_links(struct fs *fs);
/* The target of symbolic link i: its text, or for /proc/self and
 * thread-self the calling task's, in buf; NULL if it has none to
 * follow (/proc/PID/exe). */
const char *fs_link_target(const struct fs *fs, const struct inode *i,
			   char *buf, size_t size);

/* ---- namei.c */

#define WALK_FOLLOW    1u /* follow a symbolic link in the last component */
#define WALK_DIRECTORY 2u /* the last component must be a directory */
/* For calls that act on the last name itself (unlink, rmdir, rename,
 * link, mkdir): a trailing slash does not follow a link there. */
#define WALK_PARENT 4u

struct walk {
	struct dentry *parent;	    /* the directory holding the last name */
	struct dentry *d;	    /* the last name's entry, or NULL */
	char last[FS_NAME_MAX + 1]; /* the last component, "" for "/" */
	int dots;   /* the last component is "." (1), ".." (2) */
	bool slash; /* the path ended in '/' */
	/* the last component was /proc/PID/fd/N, followed: the open file
	 * (d is its entry, or NULL for a pipe, a socket, a memfd) */
	struct file *file;
};

/* Walk path (a NUL-terminated string shorter than FS_PATH_MAX) from base
 * (used when the path is relative).  0 with w->parent set, w->d NULL
 * when only the last component is missing; -ENOENT, -ENOTDIR,
 * -ENAMETOOLONG, -ELOOP as Linux. */
int fs_walk(struct fs *fs, struct dentry *base, const char *path,
	    unsigned flags, struct walk *w);

/* ---- shmem_file.c: open regular files */

extern const struct chardev shmem_file_dev;
extern const struct chardev dir_dev;
extern const struct chardev path_dev; /* O_PATH descriptors */

/* Open inode (regular or directory) with open(2) flags; the file holds
 * a reference to the inode and, when it has one, to its entry. */
int fs_open_inode(struct device_context *ctx, struct inode *inode,
		  struct dentry *d, int flags, struct file **out);
/* The inode an open file is (NULL for a device or a pipe). */
struct inode *file_inode(const struct file *f);
/* Set a regular file's size (truncate, ftruncate): shrinking zaps the
 * pages past the end from every mapping.  0 or -errno. */
int shmem_setsize(struct inode *i, uint64_t size);
/* fallocate(2) on a regular file. */
int shmem_fallocate(struct device_context *ctx, struct inode *i, int mode,
		    uint64_t off, uint64_t len);
/* Write bytes from the host into a regular file at off (--file). */
int shmem_write_kernel(struct device_context *ctx, struct inode *i,
		       uint64_t off, const void *buf, uint64_t n);
/* Read n bytes of a regular file at off into the host buffer buf, as
 * read(2) would (exec's image): 0, -EINVAL past the end, -EIO for a
 * poisoned page. */
int shmem_read_kernel(struct inode *i, uint64_t off, void *buf, uint64_t n);
/* The path an open file shows in /proc (" (deleted)" once unlinked; a
 * memfd's "/memfd:NAME (deleted)"): its length or -errno. */
int file_path(const struct file *f, char *buf, int size);
/* getdents64 on an open directory. */
int64_t dir_getdents64(struct file *f, uint64_t ubuf, uint64_t count);

/* ---- pipe.c */

extern const struct chardev pipe_dev;

/* Both ends of a new pipe; flags O_NONBLOCK, O_CLOEXEC, O_DIRECT. */
int pipe_new(struct device_context *ctx, int flags, struct file **rd,
	     struct file **wr);
/* Whether a read of f would wait: an empty pipe with a writer. */
bool pipe_would_block(struct file *f, bool write);

/* ---- unix_pair.c */

extern const struct chardev unix_pair_dev;

/* Two connected AF_UNIX sockets of type SOCK_STREAM or SOCK_SEQPACKET;
 * flags O_NONBLOCK. */
int unix_pair_new(struct device_context *ctx, int type, int flags,
		  struct file *ends[2]);

#endif
