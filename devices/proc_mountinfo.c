/* /proc/self/mountinfo (and /proc/1/mountinfo) in Linux 6.1's format
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
 */
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

PROC_TEXT_FOPS(mountinfo_fops, show_mountinfo);
PROC_PID_FILE(mountinfo, 0444, &mountinfo_fops);
