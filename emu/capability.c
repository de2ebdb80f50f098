/* A task's capabilities (Linux kernel/capability.c, the capability half
 * of security/commoncap.c): capget(2), capset(2), capable(), and what
 * execve does to them (docs/processes.md, "Capabilities").
 *
 * The guest starts as root with every capability of Linux 6.1 (0-40)
 * effective and permitted, none inheritable, and a full bounding set it
 * cannot change.  capset may only shrink the sets; execve as root gives
 * the full set back, as Linux does for uid 0.  CAP_IPC_LOCK decides
 * whether RLIMIT_MEMLOCK binds (mm->cap_ipc_lock, set by syscall.c) and
 * CAP_SYS_RESOURCE whether a hard limit may be raised.
 */
#include <errno.h>
#include <stddef.h>

#include "../mmu/uaccess.h"
#include "capability.h"
#include "machine.h"

#define CAP_VERSION_1	 0x19980330 /* _LINUX_CAPABILITY_VERSION_1 */
#define CAP_VERSION_2	 0x20071026 /* _LINUX_CAPABILITY_VERSION_2 */
#define CAP_VERSION_3	 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */
#define CAP_SETPCAP	 8
#define CAP_FULL	 ((1ULL << (CAP_LAST_CAP + 1)) - 1)
#define CAP_BOUNDING_SET CAP_FULL

/* struct __user_cap_header_struct and __user_cap_data_struct */
struct cap_header {
	uint32_t version;
	int32_t pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

void cap_set_root(struct process *p)
{
	p->cap.effective = p->cap.permitted = CAP_FULL;
	p->cap.inheritable = 0;
}

void cap_exec(struct process *p)
{
	/* handle_privileged_root: pP' = bounding set | pI, pE' = pP' */
	p->cap.permitted = CAP_BOUNDING_SET | p->cap.inheritable;
	p->cap.effective = p->cap.permitted;
}

bool capable(const struct process *p, int cap)
{
	return (p->cap.effective >> cap) & 1;
}

/* cap_validate_magic: how many 32-bit words the version carries; an
 * unknown version gets the kernel's written back, and EINVAL. */
static int cap_validate_magic(struct memu *m, uint64_t header, unsigned *words)
{
	uint32_t version;
	if (copy_from_user(m->proc->mm, &version, header, sizeof(version)))
		return -EFAULT;
	switch (version) {
	case CAP_VERSION_1:
		*words = 1;
		return 0;
	case CAP_VERSION_2:
	case CAP_VERSION_3:
		*words = 2;
		return 0;
	default:
		version = CAP_VERSION_3;
		if (copy_to_user(m->proc->mm, header, &version,
				 sizeof(version)))
			return -EFAULT;
		return -EINVAL;
	}
}

static int32_t header_pid(struct memu *m, uint64_t header, int *err)
{
	int32_t pid = 0;
	*err = copy_from_user(m->proc->mm, &pid,
			      header + offsetof(struct cap_header, pid),
			      sizeof(pid))
		       ? -EFAULT
		       : 0;
	return pid;
}

int64_t sys_capget(struct memu *m, const uint64_t *a)
{
	unsigned words;
	int err = cap_validate_magic(m, a[0], &words);
	if (!a[1] || err)
		return !a[1] && err == -EINVAL ? 0 : err;
	int32_t pid = header_pid(m, a[0], &err);
	if (err)
		return err;
	if (pid < 0)
		return -EINVAL;
	const struct process *t = m->proc;
	if (pid && pid != m->proc->task.pid) {
		t = find_task(m, pid); /* a zombie too, until it is reaped */
		if (!t)
			return -ESRCH;
	}
	struct cap_data d[2];
	for (unsigned i = 0; i < words && i < 2; i++) {
		d[i].effective = (uint32_t)(t->cap.effective >> (32 * i));
		d[i].permitted = (uint32_t)(t->cap.permitted >> (32 * i));
		d[i].inheritable = (uint32_t)(t->cap.inheritable >> (32 * i));
	}
	if (copy_to_user(m->proc->mm, a[1], d, words * sizeof(d[0])))
		return -EFAULT;
	return 0;
}

static bool subset(uint64_t a, uint64_t b)
{
	return !(a & ~b);
}

int64_t sys_capset(struct memu *m, const uint64_t *a)
{
	unsigned words;
	int err = cap_validate_magic(m, a[0], &words);
	if (err)
		return err;
	int32_t pid = header_pid(m, a[0], &err);
	if (err)
		return err;
	/* may only affect the caller */
	if (pid && pid != m->proc->task.pid)
		return -EPERM;
	struct cap_data d[2];
	if (copy_from_user(m->proc->mm, d, a[1], words * sizeof(d[0])))
		return -EFAULT;
	uint64_t eff = 0, prm = 0, inh = 0;
	for (unsigned i = 0; i < words && i < 2; i++) {
		eff |= (uint64_t)d[i].effective << (32 * i);
		prm |= (uint64_t)d[i].permitted << (32 * i);
		inh |= (uint64_t)d[i].inheritable << (32 * i);
	}
	eff &= CAP_FULL;
	prm &= CAP_FULL;
	inh &= CAP_FULL;
	/* cap_capset */
	struct process *p = m->proc;
	if (!capable(p, CAP_SETPCAP) &&
	    !subset(inh, p->cap.inheritable | p->cap.permitted))
		return -EPERM;
	if (!subset(inh, p->cap.inheritable | CAP_BOUNDING_SET))
		return -EPERM;
	if (!subset(prm, p->cap.permitted))
		return -EPERM;
	if (!subset(eff, prm))
		return -EPERM;
	p->cap.effective = eff;
	p->cap.permitted = prm;
	p->cap.inheritable = inh;
	return 0;
}
