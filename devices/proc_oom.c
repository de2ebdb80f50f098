/* /proc/PID/oom_score and /proc/PID/oom_score_adj, as Linux 6.1's
 * proc_oom_score and oom_score_adj_read/write (docs/reclaim.md, "The OOM
 * killer"): the score the OOM killer would give the process, scaled to 0..2000,
 * and the adjustment it adds, which a write sets within -1000..1000.  The
 * scores are emu/'s (oom.c), through struct proc_task. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "../mmu/uaccess.h"
#include "proc_task.h"
#include "proc_text.h"

#define PROC_NUMBUF 13

static void show_oom_score(struct proc_text *t, struct file *f)
{
	struct proc_task *task = proc_file_task(f);
	if (!task)
		t->err = -ESRCH; /* reaped */
	else
		text_printf(t, "%llu\n", (unsigned long long)task->oom_score);
}

PROC_TEXT_FOPS(oom_score_fops, show_oom_score);
PROC_PID_FILE(oom_score, 0444, &oom_score_fops);

static int64_t read_adj(struct file *f, uint64_t ubuf, uint64_t count,
			uint64_t *pos)
{
	struct proc_task *task = proc_file_task(f);
	if (!task)
		return -ESRCH;
	char buf[PROC_NUMBUF];
	int n = snprintf(buf, sizeof(buf), "%hd\n", (short)task->oom_score_adj);
	return proc_read_buffer(f->ctx->mm, ubuf, count, pos, buf, (uint64_t)n);
}

static int digit(char c, unsigned base)
{
	unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
					    : 16;
	return d < base ? (int)d : -1;
}

/* Linux kstrtoint(s, 0): an optional sign, 0x for hex, 0 for octal, at
 * most one newline after: 0, -EINVAL or -ERANGE. */
static int kstrtoint(const char *s, int *res)
{
	bool neg = *s == '-';
	if (neg)
		s++;
	else if (*s == '+')
		s++;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit(s[2], 16) >= 0)
		base = 16, s += 2;
	else if (s[0] == '0')
		base = 8;
	unsigned long long v = 0;
	bool overflow = false;
	const char *start = s;
	for (int d; (d = digit(*s, base)) >= 0; s++) {
		if (v > (ULLONG_MAX - (unsigned)d) / base)
			overflow = true;
		v = v * base + (unsigned)d;
	}
	if (s == start)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	if (neg ? v > (unsigned long long)INT_MAX + 1 : v > INT_MAX)
		return -ERANGE;
	*res = neg ? (int)-(long long)v : (int)v;
	return 0;
}

/* strstrip: the spaces at both ends gone. */
static char *strip(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r')))
		s[--n] = 0;
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	return s;
}

static int64_t write_adj(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos)
{
	(void)pos;
	char buf[PROC_NUMBUF];
	memset(buf, 0, sizeof(buf));
	uint64_t n = count > sizeof(buf) - 1 ? sizeof(buf) - 1 : count;
	if (copy_from_user(f->ctx->mm, buf, ubuf, n))
		return -EFAULT;
	int adj;
	int err = kstrtoint(strip(buf), &adj);
	if (err)
		return err;
	struct proc_task *t = proc_file_task(f);
	if (!t)
		return -ESRCH;
	err = t->set_oom_score_adj(t, adj);
	return err ? err : (int64_t)count;
}

static const struct file_operations oom_score_adj_fops = {
	.read = read_adj,
	.write = write_adj,
	.llseek = proc_lseek_empty,
};

PROC_PID_FILE(oom_score_adj, 0644, &oom_score_adj_fops);
