/* /proc/sys/vm: the memory policy memu enforces (mmu/), as sysctl files
 * (Linux 6.1's proc_sys_call_handler and proc_do*vec; docs/memory.md,
 * "/proc"):
 *
 *   mmap_min_addr      65536: no mapping below MMAP_MIN_ADDR
 *   overcommit_memory  1: memu does no overcommit accounting, any
 *                      mapping that fits the address space is allowed
 *   overcommit_ratio   50: the default (CommitLimit in /proc/meminfo)
 *   max_map_count      65530: mmap fails with ENOMEM beyond it
 *
 * A read gives the value and a newline, cut to the count asked for, and
 * only at position 0: any other position reads 0 bytes.  memu cannot
 * change them: /proc/sys is mounted read-only (/proc/self/mountinfo), so
 * opening one for writing is EROFS.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../mmu/mmap.h"
#include "../mmu/uaccess.h"
#include "proc_text.h"

#define KMALLOC_MAX_SIZE  (4ULL << 20)
#define OVERCOMMIT_ALWAYS 1
#define OVERCOMMIT_RATIO  50

static int open_sysctl(struct file *f)
{
	return (f->fmode & FMODE_WRITE) ? -EROFS : 0;
}

static int64_t read_value(struct file *f, uint64_t ubuf, uint64_t count,
			  uint64_t *pos, unsigned long long value)
{
	if (count >= KMALLOC_MAX_SIZE)
		return -ENOMEM;
	if (!count || *pos)
		return 0;
	char text[32];
	uint64_t n = (uint64_t)snprintf(text, sizeof(text), "%llu\n", value);
	if (n > count)
		n = count;
	if (copy_to_user(f->ctx->mm, ubuf, text, n))
		return -EFAULT;
	*pos += n;
	return (int64_t)n;
}

#define SYSCTL_FILE(name, value)                                               \
	static int64_t read_##name(struct file *f, uint64_t ubuf,              \
				   uint64_t count, uint64_t *pos)              \
	{                                                                      \
		return read_value(f, ubuf, count, pos, (value));               \
	}                                                                      \
	static const struct file_operations name##_fops = {                    \
		.open = open_sysctl,                                           \
		.read = read_##name,                                           \
		.llseek = proc_lseek_empty,                                    \
	};                                                                     \
	const struct chardev proc_sys_vm_##name##_dev = {                      \
		.path = "/proc/sys/vm/" #name,                                 \
		.mode = 0644,                                                  \
		.regular = true,                                               \
		.fops = &name##_fops,                                          \
	}

SYSCTL_FILE(mmap_min_addr, MMAP_MIN_ADDR);
SYSCTL_FILE(overcommit_memory, OVERCOMMIT_ALWAYS);
SYSCTL_FILE(overcommit_ratio, OVERCOMMIT_RATIO);
SYSCTL_FILE(max_map_count, MAX_MAP_COUNT);
