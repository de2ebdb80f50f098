/* /proc/PID/mountinfo in Linux 6.1's format
 * (show_mountinfo): the mounts memu's file system has, with the device
 * numbers fstat gives their files (docs/files.md):
 *
 *   /          tmpfs, 0:26 (what fstat("/") shows)
 *   /proc      proc, 0:22
 *   /proc/sys  proc's sys directory again, read-only (memu's sysctls
 *              cannot be changed: docs/memory.md, "/proc")
 *   /dev       devtmpfs, 0:5
 *   /dev/shm   tmpfs, 0:23
 *
 * No mount is shared or a slave: there is no systemd to make them so.
 * A zombie has no mount namespace left: opening its mountinfo is EINVAL
 * (mounts_open_common).
 */
#include <errno.h>

#include "proc_task.h"
#include "proc_text.h"

static const char *const mounts[] = {
	"1 1 0:26 / / rw,relatime - tmpfs tmpfs rw,mode=755\n",
	"2 1 0:22 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n",
	"3 2 0:22 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc "
	"rw\n",
	"4 1 0:5 / /dev rw,nosuid,relatime - devtmpfs devtmpfs rw,mode=755\n",
	"5 4 0:23 / /dev/shm rw,nosuid,nodev,relatime - tmpfs tmpfs rw\n",
};

static void show_mountinfo(struct proc_text *t, struct file *f)
{
	(void)f;
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		text_puts(t, mounts[i]);
}

static int open_mountinfo(struct file *f)
{
	const struct proc_task *task = proc_file_task(f);
	if (!task || task->state == 'Z')
		return -EINVAL;
	return proc_text_open(f, show_mountinfo);
}

static const struct file_operations mountinfo_fops = {
	.open = open_mountinfo,
	.release = proc_text_release,
	.read = proc_text_read,
	.llseek = proc_seq_lseek,
};
PROC_PID_FILE(mountinfo, 0444, &mountinfo_fops);
