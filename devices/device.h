/* The character-device layer, shaped like the kernel's.
 *
 * A driver is a `struct chardev`: a path under /dev, a major:minor, a
 * mode, and its `struct file_operations`.  Opening the path makes a
 * `struct file` (position, open flags, the driver's private data); the
 * emulator's syscalls call the operations, and a driver's mmap sets up
 * the VMA: PTEs at once with remap_pfn_range / vm_insert_page, or
 * vm_operations whose ->fault fills pages in later (see docs/drivers.md).
 *
 * Every pointer a handler gets from the guest is a guest virtual address:
 * use copy_to_user / copy_from_user (mmu/uaccess.h), never a host pointer.
 */
#ifndef MEMU_DEVICES_DEVICE_H
#define MEMU_DEVICES_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../mmu/mm.h"
#include "../mmu/vma.h"

/* /dev/mem's policy, the kernel-config choice the machine makes. */
enum devmem_policy {
	DEVMEM_STRICT,	  /* CONFIG_STRICT_DEVMEM: RAM above 1 MiB refused */
	DEVMEM_IO_STRICT, /* ... and driver-claimed ranges too */
	DEVMEM_OPEN,	  /* no STRICT_DEVMEM and no PAT: anything valid */
};

#define DEVICE_STATE_MAX   16
#define DEVICE_MODULES_MAX 8

struct proc_task;
struct memu_device;
struct proc_pid;
struct inode;
struct dentry;

/* What drivers may use of the machine. */
struct device_context {
	struct mmu *mmu;
	struct mm *mm;		/* the calling process's address space */
	struct proc_task *task; /* the process, as /proc shows it */
	enum devmem_policy devmem;
	struct {
		const struct chardev *dev;
		void *data;
	} state[DEVICE_STATE_MAX]; /* each driver's data in this machine */
	int nstate;
	struct fs *fs; /* the file system (fs.h) */
	/* Driver modules loaded with --driver (module.h) */
	struct memu_device *modules[DEVICE_MODULES_MAX];
	int nmodules;
};

struct file;
struct stat;
struct wait_queue_head;
struct epitem;

struct file_operations {
	int (*open)(struct file *f);
	void (*release)(struct file *f);
	/* Return bytes moved or -errno; *pos is the file position. */
	int64_t (*read)(struct file *f, uint64_t ubuf, uint64_t count,
			uint64_t *pos);
	int64_t (*write)(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos);
	/* The new position or -errno (NULL: ESPIPE). */
	int64_t (*llseek)(struct file *f, int64_t offset, int whence);
	/* Set up vma (its pgoff is the file offset in pages). */
	int (*mmap)(struct file *f, struct vma *vma);
	int64_t (*ioctl)(struct file *f, uint64_t cmd, uint64_t arg);
	/* Fill in what fstat shows of this file beyond the device's
	 * defaults (may be NULL). */
	void (*stat)(struct file *f, struct stat *st);
	/* open(2) of /proc/PID/fd/N for a file with no name to open again
	 * (a pipe's other end, a host stream): a new open file with flags;
	 * NULL: ENXIO, as a socket's (docs/processes.md, "/proc"). */
	int (*reopen)(struct file *f, int flags, struct file **out);
	/* The lines /proc/PID/fdinfo/N adds for this kind of file
	 * (eventfd-count, scm_fds), NUL-ended, into buf: their length
	 * (may be NULL: none). */
	int (*show_fdinfo)(struct file *f, char *buf, size_t size);
	/* What the file is ready for now, Linux's POLL* bits (poll, select;
	 * NULL: read and write, DEFAULT_POLLMASK). */
	unsigned (*poll)(struct file *f);
	/* When the file becomes ready by itself, on the machine's clock
	 * (ns since boot; a timer's expiry), for a wait to wake then; 0:
	 * never (may be NULL). */
	uint64_t (*next_event)(struct file *f);
	/* The wait queues poll waits on (Linux's poll_wait calls), where
	 * epoll hangs its items (waitqueue.h): how many, at most 2 (may
	 * be NULL: none). */
	int (*poll_queues)(struct file *f, struct wait_queue_head *q[2]);
	/* The signals whose coming makes the file ready (a signalfd's
	 * mask), bit n - 1 for signal n: a wait on the file ends when one
	 * is pending for the waiting task, blocked or not (may be NULL). */
	uint64_t (*wake_signals)(struct file *f);
};

struct chardev {
	const char *path; /* "/dev/mem" */
	unsigned major, minor;
	unsigned mode;	      /* permission bits, as in ls -l */
	bool unsigned_offset; /* positions >= 2^63 are valid (/dev/mem) */
	bool regular;	      /* a regular file (/proc), not a device */
	/* opened without FMODE_PREAD, as Linux's alloc_file opens a file
	 * on the anonymous inode: pread and pwrite ESPIPE, llseek or not */
	bool no_pread;
	const struct file_operations *fops;
	/* Claim device ranges at machine start (may be NULL). */
	int (*probe)(struct device_context *ctx);
	/* A symbolic link of /proc/PID (exe, cwd, root, fd/N), the node
	 * i: write its target, NUL-ended, to buf; its length, or -errno.
	 * NULL for every other file. */
	int (*readlink)(const struct inode *i, char *buf, size_t size);
	/* Such a link that a walk follows (cwd, root, fd/N; Linux's
	 * proc_get_link): the entry it leads to in *d, or NULL, and for
	 * fd/N the open file in *f; 0 or -errno.  NULL: not followed
	 * (exe). */
	int (*follow)(const struct inode *i, struct dentry **d,
		      struct file **f);
};

/* File mode bits, as the kernel keeps them. */
#define FMODE_READ  (1u << 0)
#define FMODE_WRITE (1u << 1)

struct file {
	const struct chardev *dev;
	struct device_context *ctx;
	unsigned fmode; /* FMODE_READ, FMODE_WRITE */
	int flags;	/* open(2) flags: O_SYNC, O_NONBLOCK, ... */
	uint64_t pos;
	void *private_data;
	struct inode *inode; /* a file of the file system (fs.h), or NULL */
	/* the name it was opened by, or NULL; a device's or /proc file's
	 * (no inode) is let go by file_put */
	struct dentry *dentry;
	int refs;	      /* fds and VMAs holding it */
	struct proc_pid *pid; /* a /proc/PID file: the process it shows */
	struct epitem *f_ep;  /* the epoll items watching it (eventpoll.c) */
};

/* The table of devices (devices/registry.c). */
const struct chardev *chardev_lookup(const char *path);
const struct chardev *const *chardev_all(void);
/* Run every driver's probe: claim iomem ranges, allocate buffers. */
int devices_probe(struct device_context *ctx);
/* Free what the drivers kept (their frames go with the machine). */
void devices_remove(struct device_context *ctx);
/* A driver's data in this machine (set at probe), or NULL. */
void *device_data(struct device_context *ctx, const struct chardev *dev);
int device_set_data(struct device_context *ctx, const struct chardev *dev,
		    void *data);

/* Open a device: 0 or -errno; *out holds one reference. */
int file_open(const struct chardev *dev, struct device_context *ctx, int flags,
	      struct file **out);
/* The same for a file of /proc/PID: the file holds a reference to pid
 * (NULL: none) from before the driver's open. */
int file_open_pid(const struct chardev *dev, struct device_context *ctx,
		  int flags, struct proc_pid *pid, struct file **out);
void file_get(struct file *f);
/* What fstat shows of a file with no inode of the file system (a pipe, a
 * socket): one link, 4 KiB blocks, the three times at time_ns. */
void pseudo_file_stat(struct stat *st, uint64_t dev, uint64_t ino,
		      unsigned mode, uint64_t time_ns);
void file_put(struct file *f);

/* /proc/self/maps's text for mm, NUL-terminated (malloc'd; NULL when out
 * of memory): for `memu run --pagetables=probe`. */
char *proc_maps_text(struct mm *mm);

/* The vm_operations every file-backed VMA gets unless the driver sets its
 * own: they keep the file alive while a VMA maps it. */
void file_vma_attach(struct vma *vma, struct file *f);

#endif
