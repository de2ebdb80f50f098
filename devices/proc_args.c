/* What exec gave the process, as Linux 6.1's /proc/PID shows it
 * (docs/memory.md, "/proc"), read from the task's address space into the
 * reader's:
 *
 *   cmdline  the argument strings, read from the guest's memory at each
 *            read (get_mm_cmdline, with setproctitle's rule: if the last
 *            byte of the arguments is no longer NUL, the text runs on
 *            into the environment up to the first NUL, within a page)
 *   environ  the environment strings, from the guest's memory (mode 0400)
 *   auxv     the auxiliary vector exec put on the stack, AT_NULL pair
 *            included, as the kernel saved it (binary, mode 0400), as it
 *            was when the file was opened (Linux keeps the mm it opened)
 *   exe      a symbolic link to the program's path (readlink); memu's
 *            file system does not hold the program, so opening it is
 *            ENOENT
 *
 * lseek on the first three is generic_file_llseek on a file of size 0.
 * A zombie has no address space: nothing to read (and no exe); once it
 * is reaped cmdline is ESRCH, environ and auxv read nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "fs.h"
#include "proc_task.h"
#include "proc_text.h"

#define CHUNK PAGE_SIZE

/* access_remote_vm: bytes read from the guest before the first failure. */
static uint64_t read_guest(struct mm *mm, void *dst, uint64_t src, uint64_t n)
{
	uint64_t done = 0;
	while (done < n) {
		uint64_t room = PAGE_SIZE - ((src + done) & (PAGE_SIZE - 1));
		uint64_t k = n - done < room ? n - done : room;
		if (copy_from_user(mm, (char *)dst + done, src + done, k))
			break;
		done += k;
	}
	return done;
}

/* get_mm_proctitle: the first string from arg_start, within a page. */
static int64_t read_proctitle(struct mm *mm, struct mm *reader, uint64_t ubuf,
			      uint64_t count, uint64_t pos, uint64_t arg_start)
{
	char page[PAGE_SIZE];
	if (pos >= PAGE_SIZE)
		return 0;
	uint64_t got = read_guest(mm, page, arg_start, PAGE_SIZE);
	if (!got)
		return 0;
	uint64_t len = strnlen(page, got);
	if (len < got)
		len++; /* the NUL, if it was found */
	if (len <= pos)
		return 0;
	len -= pos;
	if (len > count)
		len = count;
	return proc_copy_out(reader, ubuf, page + pos, len);
}

static int64_t read_cmdline(struct file *f, uint64_t ubuf, uint64_t count,
			    uint64_t *ppos)
{
	const struct proc_task *task = proc_file_task(f);
	if (!task)
		return -ESRCH;
	struct mm *mm = task->mm, *reader = f->ctx->mm;
	if (!mm)
		return 0;
	uint64_t arg_start = task->arg_start, arg_end = task->arg_end;
	uint64_t env_start = task->env_start, env_end = task->env_end;
	if (!env_end || arg_start >= arg_end)
		return 0;
	if (env_start != arg_end || env_end < env_start)
		env_start = env_end = arg_end;
	uint64_t len = env_end - arg_start, pos = *ppos;
	if (pos >= len)
		return 0;
	if (count > len - pos)
		count = len - pos;
	if (!count)
		return 0;
	char c;
	int64_t ret;
	if (read_guest(mm, &c, arg_end - 1, 1) == 1 && c) {
		ret = read_proctitle(mm, reader, ubuf, count, pos, arg_start);
	} else {
		pos += arg_start;
		if (pos < arg_start || pos >= arg_end)
			return 0;
		if (count > arg_end - pos)
			count = arg_end - pos;
		char page[CHUNK];
		ret = 0;
		while (count) {
			uint64_t n = count < CHUNK ? count : CHUNK;
			uint64_t got = read_guest(mm, page, pos, n);
			if (!got)
				break;
			int64_t out = proc_copy_out(reader, ubuf, page, got);
			if (out < 0) {
				if (!ret)
					ret = out;
				break;
			}
			ret += out;
			ubuf += (uint64_t)out;
			pos += (uint64_t)out;
			count -= (uint64_t)out;
			if ((uint64_t)out < got)
				break;
		}
	}
	if (ret > 0)
		*ppos += (uint64_t)ret;
	return ret;
}

static int64_t read_environ(struct file *f, uint64_t ubuf, uint64_t count,
			    uint64_t *ppos)
{
	const struct proc_task *task = proc_file_task(f);
	struct mm *mm = task ? task->mm : NULL;
	if (!mm)
		return 0;
	uint64_t env_start = task->env_start, env_end = task->env_end;
	uint64_t src = *ppos;
	char page[CHUNK];
	int64_t ret = 0;
	if (!env_end)
		return 0;
	while (count > 0) {
		if (src >= env_end - env_start)
			break;
		uint64_t this_len = env_end - (env_start + src);
		uint64_t max_len = count < CHUNK ? count : CHUNK;
		if (this_len > max_len)
			this_len = max_len;
		uint64_t got = read_guest(mm, page, env_start + src, this_len);
		if (!got) {
			ret = 0; /* as Linux: what was read is not reported */
			break;
		}
		if (copy_to_user(f->ctx->mm, ubuf, page, got)) {
			ret = -EFAULT;
			break;
		}
		ret += (int64_t)got;
		src += got;
		ubuf += got;
		count -= got;
	}
	*ppos = src;
	return ret;
}

/* auxv_open keeps the vector of the address space it finds (none for a
 * zombie): the file reads that one whatever happens to the task. */
struct auxv_copy {
	unsigned words;
	uint64_t auxv[PROC_AUXV_WORDS];
};

static int open_auxv(struct file *f)
{
	struct auxv_copy *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	const struct proc_task *task = proc_file_task(f);
	if (task && task->mm) {
		a->words = task->auxv_words;
		memcpy(a->auxv, task->auxv, sizeof(a->auxv));
	}
	f->private_data = a;
	return 0;
}

static void release_auxv(struct file *f)
{
	free(f->private_data);
}

static int64_t read_auxv(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos)
{
	const struct auxv_copy *a = f->private_data;
	return proc_read_buffer(f->ctx->mm, ubuf, count, pos, a->auxv,
				a->words * sizeof(uint64_t));
}

static const struct file_operations cmdline_fops = {
	.read = read_cmdline,
	.llseek = proc_lseek_empty,
};

static const struct file_operations environ_fops = {
	.read = read_environ,
	.llseek = proc_lseek_empty,
};

static const struct file_operations auxv_fops = {
	.open = open_auxv,
	.release = release_auxv,
	.read = read_auxv,
	.llseek = proc_lseek_empty,
};

PROC_PID_FILE(cmdline, 0444, &cmdline_fops);
PROC_PID_FILE(environ, 0400, &environ_fops);
PROC_PID_FILE(auxv, 0400, &auxv_fops);

/* ---- exe */

static int open_exe(struct file *f)
{
	(void)f;
	return -ENOENT;
}

static const struct file_operations exe_fops = {
	.open = open_exe,
};

/* The program's path as memu was given it, made absolute against the
 * guest's first working directory, /: an absolute path, as Linux's
 * d_path gives (glibc's static start-up asserts it), and nothing of the
 * host's beyond what the command line said. */
static int readlink_exe(const struct inode *i, char *buf, size_t size)
{
	/* get_task_exe_file: none without an address space */
	const struct proc_task *task = proc_pid_task(i->pid);
	if (!task || !task->mm)
		return -ENOENT;
	const char *exe = task->exe ? task->exe : "";
	while (exe[0] == '.' && exe[1] == '/')
		exe += 2;
	int n = snprintf(buf, size, "%s%s", exe[0] == '/' ? "" : "/", exe);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

const struct chardev proc_pid_exe_dev = {
	.path = "exe",
	.mode = 0777,
	.regular = true,
	.fops = &exe_fops,
	.readlink = readlink_exe,
};
