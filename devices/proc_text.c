/* The text of a /proc file, as seq_file keeps it (proc_text.h). */
#include "proc_text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../mmu/uaccess.h"

#define NAME_COLUMN 72 /* seq_setwidth: 25 + sizeof(void *) * 6 - 1 */

static bool grow(struct proc_text *t, size_t n)
{
	if (t->failed)
		return false;
	if (t->len + n + 1 <= t->cap)
		return true;
	size_t cap = t->cap ? t->cap * 2 : 4096;
	while (cap < t->len + n + 1)
		cap *= 2;
	char *b = realloc(t->buf, cap);
	if (!b) {
		t->failed = true;
		return false;
	}
	t->buf = b;
	t->cap = cap;
	return true;
}

void text_put(struct proc_text *t, const char *s, size_t n)
{
	if (!grow(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void text_puts(struct proc_text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

void text_printf(struct proc_text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void text_pad(struct proc_text *t, size_t line_start)
{
	while (t->len - line_start < NAME_COLUMN && !t->failed)
		text_put(t, " ", 1);
	text_put(t, " ", 1);
}

int proc_text_open(struct file *f, proc_show_fn show)
{
	struct proc_text *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->show = show;
	f->private_data = t;
	return 0;
}

void proc_text_release(struct file *f)
{
	struct proc_text *t = f->private_data;
	if (t)
		free(t->buf);
	free(t);
}

/* seq_file's traverse: the text as the state is now. */
static int rebuild(struct proc_text *t, struct file *f)
{
	t->len = 0;
	t->failed = false;
	t->err = 0;
	if (t->buf)
		t->buf[0] = '\0';
	t->show(t, f);
	if (t->err) {
		t->built = false;
		return t->err;
	}
	t->built = true;
	return t->failed ? -ENOMEM : 0;
}

int64_t proc_write_eio(struct file *f, uint64_t ubuf, uint64_t count,
		       uint64_t *pos)
{
	(void)f;
	(void)ubuf;
	(void)count;
	(void)pos;
	return -EIO;
}

int64_t proc_copy_out(struct mm *mm, uint64_t ubuf, const void *src, uint64_t n)
{
	uint64_t done = 0;
	while (done < n) {
		uint64_t room = PAGE_SIZE - ((ubuf + done) & (PAGE_SIZE - 1));
		uint64_t k = n - done < room ? n - done : room;
		if (copy_to_user(mm, ubuf + done, (const char *)src + done, k))
			return done ? (int64_t)done : -EFAULT;
		done += k;
	}
	return (int64_t)done;
}

int64_t proc_read_buffer(struct mm *mm, uint64_t ubuf, uint64_t count,
			 uint64_t *pos, const void *from, uint64_t avail)
{
	if (*pos >= avail || !count)
		return 0;
	uint64_t n = avail - *pos < count ? avail - *pos : count;
	int64_t got = proc_copy_out(mm, ubuf, (const char *)from + *pos, n);
	if (got > 0)
		*pos += (uint64_t)got;
	return got;
}

int64_t proc_text_read(struct file *f, uint64_t ubuf, uint64_t count,
		       uint64_t *pos)
{
	struct proc_text *t = f->private_data;
	if (!t->built || *pos != t->read_pos) {
		int err = rebuild(t, f);
		if (err)
			return err;
	}
	int64_t got =
		proc_read_buffer(f->ctx->mm, ubuf, count, pos, t->buf, t->len);
	t->read_pos = *pos;
	return got;
}

/* pos + offset as the kernel's loff_t arithmetic wraps it. */
static int64_t add_pos(uint64_t pos, int64_t offset)
{
	return (int64_t)(pos + (uint64_t)offset);
}

int64_t proc_seq_lseek(struct file *f, int64_t offset, int whence)
{
	if (whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	int64_t at = whence == SEEK_SET ? offset : add_pos(f->pos, offset);
	if (at < 0)
		return -EINVAL;
	f->pos = (uint64_t)at;
	return at;
}

int64_t proc_lseek_empty(struct file *f, int64_t offset, int whence)
{
	switch (whence) {
	case SEEK_SET:
		break;
	case SEEK_CUR:
		if (!offset)
			return (int64_t)f->pos;
		offset = add_pos(f->pos, offset);
		break;
	case SEEK_END:
		break; /* the size is 0 */
	default:
		/* SEEK_DATA, SEEK_HOLE: every offset is at or past the end */
		return -ENXIO;
	}
	if (offset < 0)
		return -EINVAL;
	f->pos = (uint64_t)offset;
	return offset;
}
