/* /proc/PID/mem: the task's memory at the file position, as Linux 6.1's
 * mem_rw reads and writes it (docs/processes.md, "/proc/PID/mem").
 *
 * open (proc_mem_open) takes the task's address space, which the file
 * keeps: once the task has exited or exec'd, the address space has no
 * user left, and a read or write returns 0.  Each transfer goes at most a page
 * at a time through access_remote_vm (mmu/access_remote.h, FOLL_FORCE); the
 * first page it cannot reach ends it: the bytes so far, or EIO if none.  The
 * reader's buffer that cannot be copied gives EFAULT.  lseek is mem_lseek: any
 * position for SEEK_SET and SEEK_CUR (FMODE_UNSIGNED_OFFSET).
 */
#include <errno.h>
#include <stdint.h>

#include "../mmu/access_remote.h"
#include "../mmu/uaccess.h"
#include "proc_task.h"
#include "proc_text.h"

static int open_mem(struct file *f)
{
	/* memu's one user is root: any task may be opened while it has
	 * an address space (mm_access; a zombie has none: 0 bytes). */
	struct proc_task *task = proc_file_task(f);
	if (!task)
		return -ESRCH;
	f->private_data = (void *)(uintptr_t)(task->mm ? task->mm->id : 0);
	return 0;
}

/* The address space open took, if the task still has it (Linux's
 * mmget_not_zero: an exit or an exec drops its last user). */
static struct mm *mem_mm(struct file *f)
{
	struct proc_task *task = proc_file_task(f);
	uint64_t id = (uintptr_t)f->private_data;
	return task && task->mm && id && task->mm->id == id ? task->mm : NULL;
}

static int64_t mem_rw(struct file *f, uint64_t ubuf, uint64_t count,
		      uint64_t *pos, bool write)
{
	struct mm *mm = mem_mm(f);
	if (!mm)
		return 0;
	uint8_t page[PAGE_SIZE];
	uint64_t addr = *pos;
	int64_t copied = 0;
	while (count > 0) {
		size_t this_len = count < PAGE_SIZE ? count : PAGE_SIZE;
		if (write &&
		    copy_from_user(f->ctx->mm, page, ubuf + copied, this_len)) {
			copied = -EFAULT;
			break;
		}
		this_len = access_remote_vm(mm, addr, page, this_len, write);
		if (!this_len) {
			if (!copied)
				copied = -EIO;
			break;
		}
		if (!write &&
		    copy_to_user(f->ctx->mm, ubuf + copied, page, this_len)) {
			copied = -EFAULT;
			break;
		}
		addr += this_len;
		copied += (int64_t)this_len;
		count -= this_len;
	}
	*pos = addr;
	return copied;
}

static int64_t read_mem(struct file *f, uint64_t ubuf, uint64_t count,
			uint64_t *pos)
{
	return mem_rw(f, ubuf, count, pos, false);
}

static int64_t write_mem(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos)
{
	return mem_rw(f, ubuf, count, pos, true);
}

int64_t mem_lseek(struct file *f, int64_t offset, int whence)
{
	if (whence == 0)
		f->pos = (uint64_t)offset;
	else if (whence == 1)
		f->pos += (uint64_t)offset;
	else
		return -EINVAL;
	return (int64_t)f->pos;
}

static const struct file_operations mem_fops = {
	.open = open_mem,
	.read = read_mem,
	.write = write_mem,
	.llseek = mem_lseek,
};

const struct chardev proc_pid_mem_dev = {
	.path = "mem",
	.mode = 0600,
	.regular = true,
	.unsigned_offset = true,
	.fops = &mem_fops,
};
