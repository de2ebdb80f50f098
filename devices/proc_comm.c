/* /proc/PID/comm, as Linux 6.1's comm_show and comm_write: the task's
 * name (exec sets it to the basename of the path it was given, cut to 15
 * bytes) and a newline; a write sets it to the first 15 bytes written, as
 * they are, for a task of the writer's own process only (EINVAL for
 * another's); ESRCH once reaped (docs/memory.md, "/proc"). */
#include <errno.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "proc_task.h"
#include "proc_text.h"

static void show_comm(struct proc_text *t, struct file *f)
{
	struct proc_task *task = proc_file_task(f);
	if (!task)
		t->err = -ESRCH;
	else
		text_printf(t, "%s\n", task->comm);
}

static int64_t write_comm(struct file *f, uint64_t ubuf, uint64_t count,
			  uint64_t *pos)
{
	(void)pos;
	char buf[PROC_COMM_LEN] = "";
	uint64_t n = count < sizeof(buf) - 1 ? count : sizeof(buf) - 1;
	if (copy_from_user(f->ctx->mm, buf, ubuf, n))
		return -EFAULT;
	struct proc_task *task = proc_file_task(f), *self = f->ctx->task;
	if (!task)
		return -ESRCH;
	self->refresh(self);
	if (self->tgid != task->tgid)
		return -EINVAL;
	memcpy(task->comm, buf, sizeof(buf));
	return (int64_t)count;
}

static int open_comm(struct file *f)
{
	return proc_text_open(f, show_comm);
}

static const struct file_operations comm_fops = {
	.open = open_comm,
	.release = proc_text_release,
	.read = proc_text_read,
	.write = write_comm,
	.llseek = proc_seq_lseek,
};

PROC_PID_FILE(comm, 0644, &comm_fops);
