/* The two calls of libcap that mlock-random-test makes, over capset(2)
 * as libcap makes them (a version 3 header, pid 0: this process), so the
 * test links statically with glibc and musl alike without libcap.
 * cap_init() is the empty set; cap_set_proc() of it drops every
 * capability, CAP_IPC_LOCK included (docs/guests.md, "Linux mm
 * selftests"). */
#ifndef MEMU_SELFTESTS_SYS_CAPABILITY_H
#define MEMU_SELFTESTS_SYS_CAPABILITY_H

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MEMU_CAP_VERSION_3 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */

struct memu_cap_set {
	uint32_t effective[2], permitted[2], inheritable[2];
};
typedef struct memu_cap_set *cap_t;

static inline cap_t cap_init(void)
{
	static struct memu_cap_set empty;
	return &empty;
}

static inline int cap_set_proc(cap_t c)
{
	struct {
		uint32_t version;
		int pid;
	} header = {MEMU_CAP_VERSION_3, 0};
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];
	for (int i = 0; i < 2; i++) {
		data[i].effective = c->effective[i];
		data[i].permitted = c->permitted[i];
		data[i].inheritable = c->inheritable[i];
	}
	return (int)syscall(SYS_capset, &header, data);
}

#endif
