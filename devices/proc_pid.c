/* /proc/PID for every task (docs/processes.md, "/proc"): Linux's struct
 * pid, the directories /proc/PID and /proc/PID/task/TID with their
 * files, and the links /proc/self and /proc/thread-self.
 *
 * emu/ makes a task's directory when the task is made and takes it out
 * of the tree when the task is reaped (emu/proc_pid.c).  A directory's
 * files are made the first time it is looked into, so that a process
 * nobody looks at costs one entry.  Each entry, and each file opened
 * through one, holds a reference to the proc_pid; once the task is
 * reaped its task is NULL, and the drivers answer as Linux does for a
 * task that is gone (ESRCH, or nothing to read).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fs.h"
#include "proc_task.h"

/* The files of /proc/PID and /proc/PID/task/TID, in the order of
 * Linux's tgid_base_stuff. */
#define PROC_PID_ENTRY(name) proc_pid_##name##_dev
extern const struct chardev PROC_PID_ENTRY(environ), PROC_PID_ENTRY(auxv);
extern const struct chardev PROC_PID_ENTRY(status), PROC_PID_ENTRY(comm);
extern const struct chardev PROC_PID_ENTRY(cmdline), PROC_PID_ENTRY(stat);
extern const struct chardev PROC_PID_ENTRY(statm), PROC_PID_ENTRY(maps);
extern const struct chardev PROC_PID_ENTRY(exe), PROC_PID_ENTRY(mountinfo);
extern const struct chardev PROC_PID_ENTRY(clear_refs), PROC_PID_ENTRY(smaps);
extern const struct chardev PROC_PID_ENTRY(smaps_rollup);
extern const struct chardev PROC_PID_ENTRY(pagemap), PROC_PID_ENTRY(mem);
extern const struct chardev PROC_PID_ENTRY(oom_score);
extern const struct chardev PROC_PID_ENTRY(oom_score_adj);
extern const struct chardev PROC_PID_ENTRY(limits), PROC_PID_ENTRY(cwd);
extern const struct chardev PROC_PID_ENTRY(root);

/* A file (dev), or a directory (name, mode) whose entries proc_fd_fill
 * makes. */
static const struct {
	const struct chardev *dev;
	const char *name;
	unsigned mode;
	enum proc_kind kind;
} entries[] = {
	{NULL, "fd", 0500, PROC_FD_DIR},
	{NULL, "fdinfo", 0555, PROC_FDINFO_DIR},
	{.dev = &PROC_PID_ENTRY(environ)},
	{.dev = &PROC_PID_ENTRY(auxv)},
	{.dev = &PROC_PID_ENTRY(status)},
	{.dev = &PROC_PID_ENTRY(limits)},
	{.dev = &PROC_PID_ENTRY(comm)},
	{.dev = &PROC_PID_ENTRY(cmdline)},
	{.dev = &PROC_PID_ENTRY(stat)},
	{.dev = &PROC_PID_ENTRY(statm)},
	{.dev = &PROC_PID_ENTRY(maps)},
	{.dev = &PROC_PID_ENTRY(mem)},
	{.dev = &PROC_PID_ENTRY(cwd)},
	{.dev = &PROC_PID_ENTRY(root)},
	{.dev = &PROC_PID_ENTRY(exe)},
	{.dev = &PROC_PID_ENTRY(mountinfo)},
	{.dev = &PROC_PID_ENTRY(clear_refs)},
	{.dev = &PROC_PID_ENTRY(smaps)},
	{.dev = &PROC_PID_ENTRY(smaps_rollup)},
	{.dev = &PROC_PID_ENTRY(pagemap)},
	{.dev = &PROC_PID_ENTRY(oom_score)},
	{.dev = &PROC_PID_ENTRY(oom_score_adj)},
};
#define NR_ENTRIES (sizeof(entries) / sizeof(entries[0]))

struct proc_pid *proc_pid_alloc(struct proc_task *task)
{
	struct proc_pid *pid = calloc(1, sizeof(*pid));
	if (pid) {
		pid->refs = 1;
		pid->task = task;
	}
	return pid;
}

struct proc_pid *proc_pid_get(struct proc_pid *pid)
{
	pid->refs++;
	return pid;
}

void proc_pid_put(struct proc_pid *pid)
{
	if (pid && !--pid->refs)
		free(pid);
}

struct proc_task *proc_pid_task(struct proc_pid *pid)
{
	struct proc_task *t = pid ? pid->task : NULL;
	if (t)
		t->refresh(t);
	return t;
}

struct proc_task *proc_file_task(struct file *f)
{
	return proc_pid_task(f->pid);
}

struct dentry *proc_pid_mkdir(struct fs *fs, struct dentry *dir, int nr,
			      struct proc_pid *pid)
{
	char name[16];
	snprintf(name, sizeof(name), "%d", nr);
	struct dentry *d = fs_proc_entry(fs, dir, name, 0555, NULL);
	if (d) {
		d->inode->pid = proc_pid_get(pid);
		d->inode->proc_kind = PROC_PID_UNFILLED;
	}
	return d;
}

void proc_pid_fill(struct dentry *dir)
{
	struct inode *di = dir->inode;
	if (di->proc_kind == PROC_FD_DIR || di->proc_kind == PROC_FDINFO_DIR)
		proc_fd_fill(dir);
	/* a reaped task's directory (a cwd, an open descriptor) stays
	 * empty: its names are ENOENT */
	if (di->proc_kind != PROC_PID_UNFILLED || dir->unlinked ||
	    !di->pid->task)
		return;
	di->proc_kind = PROC_PID_FILLED;
	/* newest first in a listing: the last made is listed first */
	for (size_t k = NR_ENTRIES; k-- > 0;) {
		const struct chardev *dev = entries[k].dev;
		struct dentry *d =
			dev ? fs_proc_entry(di->fs, dir, dev->path, dev->mode,
					    dev)
			    : fs_proc_entry(di->fs, dir, entries[k].name,
					    entries[k].mode, NULL);
		if (!d)
			return; /* out of host memory: the rest is missing */
		d->inode->pid = proc_pid_get(di->pid);
		d->inode->proc_thread = di->proc_thread;
		if (!dev) {
			d->inode->proc_kind = (unsigned char)entries[k].kind;
			d->inode->mode = S_IFDIR | entries[k].mode;
		}
	}
}

int proc_self_links(struct fs *fs)
{
	static const struct {
		const char *name;
		enum proc_kind kind;
	} links[] = {
		{"thread-self", PROC_LINK_THREAD_SELF},
		{"self", PROC_LINK_SELF},
	};
	for (size_t k = 0; k < 2; k++) {
		int err = fs_symlink(fs, fs->proc, links[k].name, "");
		if (err)
			return err;
		d_lookup(fs->proc, links[k].name)->inode->proc_kind =
			(unsigned char)links[k].kind;
	}
	return 0;
}

const char *fs_link_target(const struct fs *fs, const struct inode *i,
			   char *buf, size_t size)
{
	if (i->proc_kind != PROC_LINK_SELF &&
	    i->proc_kind != PROC_LINK_THREAD_SELF)
		return i->target;
	struct proc_task *t = fs->current ? *fs->current : NULL;
	if (!t)
		return NULL;
	t->refresh(t); /* its tgid */
	if (i->proc_kind == PROC_LINK_SELF)
		snprintf(buf, size, "%d", t->tgid);
	else
		snprintf(buf, size, "%d/task/%d", t->tgid, t->pid);
	return buf;
}
