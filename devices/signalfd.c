/* signalfd (Linux 6.1's fs/signalfd.c; docs/files.md, "signalfd"): the
 * signals of a mask, read as files.  The file holds the mask only; the
 * signals are the reading task's own, whoever made the file (a child
 * that inherits it reads its own), taken through the task
 * (proc_task.h: emu/sigqueue.c dequeues them as rt_sigtimedwait does).
 * A read of 128 bytes or more takes as many pending signals of the mask
 * as whole records fit, each a struct signalfd_siginfo filled as
 * signalfd_copyinfo fills it, and would wait with none (-EAGAIN: the
 * system call decides, as for a pipe, and the signals of the mask end
 * its wait: wake_signals).  poll sees POLLIN while one is pending.
 * /proc/PID/fd shows "anon_inode:[signalfd]", fdinfo the mask.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../mmu/uaccess.h"
#include "fs.h"
#include "proc_task.h"
#include "signalfd.h"

#define SIGINFO_SIZE 128 /* siginfo_t */

struct signalfd_ctx {
	uint64_t sigmask; /* the signals it reads (Linux keeps the others) */
};

/* The uapi struct signalfd_siginfo. */
struct signalfd_siginfo {
	uint32_t ssi_signo;
	int32_t ssi_errno;
	int32_t ssi_code;
	uint32_t ssi_pid;
	uint32_t ssi_uid;
	int32_t ssi_fd;
	uint32_t ssi_tid;
	uint32_t ssi_band;
	uint32_t ssi_overrun;
	uint32_t ssi_trapno;
	int32_t ssi_status;
	int32_t ssi_int;
	uint64_t ssi_ptr;
	uint64_t ssi_utime;
	uint64_t ssi_stime;
	uint64_t ssi_addr;
	uint16_t ssi_addr_lsb;
	uint16_t pad2;
	int32_t ssi_syscall;
	uint64_t ssi_call_addr;
	uint32_t ssi_arch;
	uint8_t pad[28];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128,
	       "struct signalfd_siginfo");

/* Linux's siginfo layouts (the SIL_FAULT_* kinds signalfd reads as
 * SIL_FAULT, but SIL_FAULT_MCEERR). */
enum siginfo_layout {
	SIL_KILL,
	SIL_TIMER,
	SIL_POLL,
	SIL_FAULT,
	SIL_MCEERR,
	SIL_CHLD,
	SIL_RT,
	SIL_SYS
};

#define SI_USER_   0
#define SI_KERNEL_ 0x80
#define SI_TIMER_  (-2)
#define SI_SIGIO_  (-5)
#define NSIGPOLL_  6

/* Linux 6.1 siginfo_layout on x86-64: the per-signal si_codes up to
 * their NSIG*, the others by si_code. */
static enum siginfo_layout siginfo_layout(uint32_t sig, int32_t code)
{
	static const struct {
		uint8_t limit, layout;
	} sicodes[] = {
		[4] = {11, SIL_FAULT}, /* SIGILL */
		[5] = {6, SIL_FAULT},  /* SIGTRAP */
		[7] = {5, SIL_FAULT},  /* SIGBUS */
		[8] = {15, SIL_FAULT}, /* SIGFPE */
		[11] = {9, SIL_FAULT}, /* SIGSEGV */
		[17] = {6, SIL_CHLD},  /* SIGCHLD */
		[29] = {6, SIL_POLL},  /* SIGPOLL */
		[31] = {2, SIL_SYS},   /* SIGSYS */
	};
	if (code > SI_USER_ && code < SI_KERNEL_) {
		size_t n = sizeof(sicodes) / sizeof(sicodes[0]);
		if (sig < n && sicodes[sig].limit && code <= sicodes[sig].limit)
			return sig == 7 && code >= 4 /* BUS_MCEERR_AR, AO */
				       ? SIL_MCEERR
				       : (enum siginfo_layout)sicodes[sig]
						 .layout;
		return code <= NSIGPOLL_ ? SIL_POLL : SIL_KILL;
	}
	if (code == SI_TIMER_)
		return SIL_TIMER;
	if (code == SI_SIGIO_)
		return SIL_POLL;
	return code < 0 ? SIL_RT : SIL_KILL;
}

/* The siginfo's fields after si_code, at their x86-64 offsets. */
static int32_t s32(const uint8_t *si, size_t off)
{
	int32_t v;
	memcpy(&v, si + off, sizeof(v));
	return v;
}

static uint64_t u64(const uint8_t *si, size_t off)
{
	uint64_t v;
	memcpy(&v, si + off, sizeof(v));
	return v;
}

/* signalfd_copyinfo: the fields of the siginfo's layout, the rest 0. */
static void copyinfo(struct signalfd_siginfo *n, const uint8_t *si)
{
	memset(n, 0, sizeof(*n));
	n->ssi_signo = (uint32_t)s32(si, 0);
	n->ssi_errno = s32(si, 4);
	n->ssi_code = s32(si, 8);
	switch (siginfo_layout(n->ssi_signo, n->ssi_code)) {
	case SIL_KILL:
		n->ssi_pid = (uint32_t)s32(si, 16);
		n->ssi_uid = (uint32_t)s32(si, 20);
		break;
	case SIL_TIMER:
		n->ssi_tid = (uint32_t)s32(si, 16);
		n->ssi_overrun = (uint32_t)s32(si, 20);
		n->ssi_ptr = u64(si, 24);
		n->ssi_int = s32(si, 24);
		break;
	case SIL_POLL:
		n->ssi_band = (uint32_t)u64(si, 16);
		n->ssi_fd = s32(si, 24);
		break;
	case SIL_FAULT:
		n->ssi_addr = u64(si, 16);
		break;
	case SIL_MCEERR:
		n->ssi_addr = u64(si, 16);
		n->ssi_addr_lsb = (uint16_t)s32(si, 24);
		break;
	case SIL_CHLD:
		n->ssi_pid = (uint32_t)s32(si, 16);
		n->ssi_uid = (uint32_t)s32(si, 20);
		n->ssi_status = s32(si, 24);
		n->ssi_utime = u64(si, 32);
		n->ssi_stime = u64(si, 40);
		break;
	case SIL_RT:
		n->ssi_pid = (uint32_t)s32(si, 16);
		n->ssi_uid = (uint32_t)s32(si, 20);
		n->ssi_ptr = u64(si, 24);
		n->ssi_int = s32(si, 24);
		break;
	case SIL_SYS:
		n->ssi_call_addr = u64(si, 16);
		n->ssi_syscall = s32(si, 24);
		n->ssi_arch = (uint32_t)s32(si, 28);
		break;
	}
}

/* signalfd_read: whole records only (fewer than 128 bytes EINVAL); the
 * first waits (-EAGAIN with none pending), the rest do not.  A record
 * that cannot be written is lost, as on Linux, and ends the read. */
static int64_t signalfd_read(struct file *f, uint64_t ubuf, uint64_t count,
			     uint64_t *pos)
{
	(void)pos;
	const struct signalfd_ctx *c = f->private_data;
	struct proc_task *t = f->ctx->task;
	count /= sizeof(struct signalfd_siginfo);
	if (!count)
		return -EINVAL;
	int64_t total = 0;
	for (; count; count--) {
		uint8_t si[SIGINFO_SIZE];
		if (!t->dequeue_signal(t, c->sigmask, si))
			return total ? total : -EAGAIN;
		struct signalfd_siginfo n;
		copyinfo(&n, si);
		if (copy_to_user(f->ctx->mm, ubuf + (uint64_t)total, &n,
				 sizeof(n)))
			return total ? total : -EFAULT;
		total += (int64_t)sizeof(n);
	}
	return total;
}

/* signalfd_poll: readable while a signal of the mask is pending for the
 * polling task, its own or its process's. */
static unsigned signalfd_poll(struct file *f)
{
	const struct signalfd_ctx *c = f->private_data;
	struct proc_task *t = f->ctx->task;
	return t->pending_signals(t) & c->sigmask ? POLLIN : 0;
}

static uint64_t signalfd_wake_signals(struct file *f)
{
	const struct signalfd_ctx *c = f->private_data;
	return c->sigmask;
}

/* noop_llseek: the position stays, and is the answer. */
static int64_t signalfd_llseek(struct file *f, int64_t offset, int whence)
{
	(void)offset;
	(void)whence;
	return (int64_t)f->pos;
}

static void signalfd_release(struct file *f)
{
	free(f->private_data);
}

/* The anonymous inode, as eventfd's. */
static void signalfd_stat(struct file *f, struct stat *st)
{
	pseudo_file_stat(st, FS_ANON_DEV, 1, S_IRUSR | S_IWUSR,
			 f->ctx->fs->epoch_ns);
}

/* signalfd_show_fdinfo: the mask as render_sigset_t writes a set. */
static int signalfd_show_fdinfo(struct file *f, char *buf, size_t size)
{
	const struct signalfd_ctx *c = f->private_data;
	return snprintf(buf, size, "sigmask:\t%016llx\n",
			(unsigned long long)c->sigmask);
}

static const struct file_operations signalfd_fops = {
	.read = signalfd_read,
	.llseek = signalfd_llseek,
	.release = signalfd_release,
	.stat = signalfd_stat,
	.show_fdinfo = signalfd_show_fdinfo,
	.poll = signalfd_poll,
	.wake_signals = signalfd_wake_signals,
};

const struct chardev signalfd_dev = {
	.path = "anon_inode:[signalfd]", /* what /proc/PID/fd shows */
	.mode = 0600,
	.no_pread = true,
	.fops = &signalfd_fops,
};

int signalfd_new(struct device_context *ctx, uint64_t mask, int flags,
		 struct file **out)
{
	struct signalfd_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int err = file_open(&signalfd_dev, ctx, O_RDWR | flags, out);
	if (err) {
		free(c);
		return err;
	}
	c->sigmask = mask;
	(*out)->private_data = c;
	return 0;
}

void signalfd_set_mask(struct file *f, uint64_t mask)
{
	struct signalfd_ctx *c = f->private_data;
	c->sigmask = mask;
}
