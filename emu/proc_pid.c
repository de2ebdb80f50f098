/* Each task's /proc/PID (docs/processes.md, "/proc"): made when the task
 * is made, taken out of the tree when it is reaped.  A process (a group
 * leader) has /proc/PID and /proc/PID/task/PID; each other thread
 * /proc/TGID/task/TID, and /proc/TID, which getdents does not list.  The
 * files under them are devices/proc_pid.c's.
 */
#include <errno.h>

#include "machine.h"

int proc_pid_register(struct memu *m, struct process *p)
{
	struct fs *fs = &m->fs;
	struct process *leader = p->group_leader;
	if (!fs->proc)
		return 0; /* no file system yet (memu_new's first task) */
	p->task.tgid = leader->task.pid;
	p->pid_ref = proc_pid_alloc(&p->task);
	if (!p->pid_ref)
		return -ENOMEM;
	/* /proc/TID of a thread is there to look up, not listed (Linux's
	 * proc_pid_lookup finds any task, proc_pid_readdir lists tgids) */
	p->proc_dir = proc_pid_mkdir(fs, fs->proc, p->task.pid, p->pid_ref);
	if (!p->proc_dir)
		return -ENOMEM;
	dget(p->proc_dir);
	p->proc_dir->inode->proc_hidden = leader != p;
	if (leader == p) {
		p->proc_task_dir =
			fs_proc_entry(fs, p->proc_dir, "task", 0555, NULL);
		if (!p->proc_task_dir)
			return -ENOMEM;
		dget(p->proc_task_dir);
		p->proc_task_dir->inode->pid = proc_pid_get(p->pid_ref);
	}
	if (!leader->proc_task_dir)
		return 0;
	p->proc_tid_dir = proc_pid_mkdir(fs, leader->proc_task_dir, p->task.pid,
					 p->pid_ref);
	if (!p->proc_tid_dir)
		return -ENOMEM;
	dget(p->proc_tid_dir);
	p->proc_tid_dir->inode->proc_thread = true;
	return 0;
}

/* Take d out of /proc (if still there) and let go of it. */
static void drop(struct dentry **d)
{
	if (!*d)
		return;
	fs_proc_remove(*d);
	dput(*d);
	*d = NULL;
}

void proc_pid_unregister(struct memu *m, struct process *p)
{
	(void)m;
	drop(&p->proc_tid_dir);
	drop(&p->proc_task_dir);
	drop(&p->proc_dir);
	if (p->pid_ref) {
		p->pid_ref->task = NULL; /* reaped: the files see ESRCH */
		proc_pid_put(p->pid_ref);
		p->pid_ref = NULL;
	}
}
