/* What the /proc files share (docs/memory.md, "/proc").
 *
 * Most of them are text that Linux 6.1 makes with seq_file: the text is
 * built at the first read, and again whenever a read starts anywhere but
 * where the last one ended (seq_file's traverse), so that reads of any
 * size in sequence see one consistent text and a reread from 0 sees the
 * current state.  lseek is seq_lseek: SEEK_SET and SEEK_CUR.
 *
 * PROC_PID_FILE makes a file of /proc/PID (devices/proc_pid.c), which
 * shows the task proc_file_task gives: a show function that finds it
 * reaped, or that Linux would refuse, sets err (-ESRCH) and the read
 * returns it.
 */
#ifndef MEMU_DEVICES_PROC_TEXT_H
#define MEMU_DEVICES_PROC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

struct proc_text;
typedef void (*proc_show_fn)(struct proc_text *t, struct file *f);

struct proc_text {
	proc_show_fn show;
	char *buf;
	size_t len, cap;
	bool built, failed; /* failed: out of host memory */
	int err;	    /* the show's -errno, or 0 */
	uint64_t read_pos;  /* where the last read ended */
};

/* Append to the text (seq_putc, seq_puts, seq_printf). */
void text_put(struct proc_text *t, const char *s, size_t n);
void text_puts(struct proc_text *t, const char *s);
void text_printf(struct proc_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* seq_pad after show_vma_header_prefix: spaces up to column 72 from
 * line_start (an offset in the text), then one more. */
void text_pad(struct proc_text *t, size_t line_start);

/* The file operations of a text file: open with its show function. */
int proc_text_open(struct file *f, proc_show_fn show);
void proc_text_release(struct file *f);
int64_t proc_text_read(struct file *f, uint64_t ubuf, uint64_t count,
		       uint64_t *pos);
int64_t proc_seq_lseek(struct file *f, int64_t offset, int whence);
/* generic_file_llseek / default_llseek on a /proc inode (size 0). */
int64_t proc_lseek_empty(struct file *f, int64_t offset, int whence);

/* The write of a /proc entry that has none (proc_reg_write): EIO. */
int64_t proc_write_eio(struct file *f, uint64_t ubuf, uint64_t count,
		       uint64_t *pos);

/* Copy n bytes to the guest, page by page: bytes copied, or -EFAULT when
 * not even the first byte could be. */
int64_t proc_copy_out(struct mm *mm, uint64_t ubuf, const void *src,
		      uint64_t n);
/* simple_read_from_buffer. */
int64_t proc_read_buffer(struct mm *mm, uint64_t ubuf, uint64_t count,
			 uint64_t *pos, const void *from, uint64_t avail);

/* The file operations of a text file shown by show. */
#define PROC_TEXT_FOPS(name, show)                                             \
	static int name##_open(struct file *f)                                 \
	{                                                                      \
		return proc_text_open(f, show);                                \
	}                                                                      \
	static const struct file_operations name = {                           \
		.open = name##_open,                                           \
		.release = proc_text_release,                                  \
		.read = proc_text_read,                                        \
		.llseek = proc_seq_lseek,                                      \
	}

/* The same for a /proc entry of its own (/proc/meminfo): writable by
 * root, and every write is EIO. */
#define PROC_ENTRY_FOPS(name, show)                                            \
	static int name##_open(struct file *f)                                 \
	{                                                                      \
		return proc_text_open(f, show);                                \
	}                                                                      \
	static const struct file_operations name = {                           \
		.open = name##_open,                                           \
		.release = proc_text_release,                                  \
		.read = proc_text_read,                                        \
		.write = proc_write_eio,                                       \
		.llseek = proc_seq_lseek,                                      \
	}

/* Linux's mem_lseek, of /proc/PID/mem and pagemap: SEEK_SET and
 * SEEK_CUR to any position (an unsigned offset), SEEK_END EINVAL. */
int64_t mem_lseek(struct file *f, int64_t offset, int whence);

/* The file NAME of every /proc/PID (and /proc/PID/task/TID), a regular
 * file with these operations: proc_pid_NAME_dev (devices/proc_pid.c). */
#define PROC_PID_FILE(name, mode_, fops_)                                      \
	const struct chardev proc_pid_##name##_dev = {                         \
		.path = #name,                                                 \
		.mode = (mode_),                                               \
		.regular = true,                                               \
		.fops = (fops_),                                               \
	}

#endif
