/* memfd_create files (memfd.c). */
#ifndef MEMU_DEVICES_MEMFD_H
#define MEMU_DEVICES_MEMFD_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL   0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW   0x0004
#define F_SEAL_WRITE  0x0008
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/* A new memfd file named name (the caller checked it and the flags). */
int memfd_new(struct device_context *ctx, const char *name, unsigned flags,
	      struct file **out);
/* F_GET_SEALS (add false) or F_ADD_SEALS: the seals, or 0, or -errno. */
int64_t memfd_fcntl_seals(struct file *f, bool add, unsigned seals);

#endif
