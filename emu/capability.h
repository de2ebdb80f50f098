/* A task's capabilities (capability.c; docs/processes.md,
 * "Capabilities"). */
#ifndef MEMU_EMU_CAPABILITY_H
#define MEMU_EMU_CAPABILITY_H

#include <stdbool.h>
#include <stdint.h>

#define CAP_IPC_LOCK	 14
#define CAP_SYS_RESOURCE 24
#define CAP_LAST_CAP	 40 /* CAP_CHECKPOINT_RESTORE, Linux 6.1 */

/* RLIMIT_MEMLOCK at boot: Linux 6.1's MLOCK_LIMIT, 8 MiB. */
#define MLOCK_LIMIT (8ULL << 20)

struct memu;
struct process;

/* The effective, permitted and inheritable sets, bit n for capability n
 * (Linux's struct cred). */
struct task_caps {
	uint64_t effective, permitted, inheritable;
};

/* Root's: every capability effective and permitted. */
void cap_set_root(struct process *p);
/* What execve as root does: the full set again. */
void cap_exec(struct process *p);
bool capable(const struct process *p, int cap);

int64_t sys_capget(struct memu *m, const uint64_t *a);
int64_t sys_capset(struct memu *m, const uint64_t *a);

#endif
