/* memfd_create(2) (Linux mm/memfd.c over shmem): a regular file of the
 * file system (fs.h) with no name, on the kernel's internal shmem mount,
 * shown as "/memfd:NAME (deleted)" in /proc/self/maps; and the file seals
 * (F_ADD_SEALS, F_GET_SEALS) that freeze what they name, with Linux's
 * EBUSY and EPERM (docs/files.md).  Seals apply to every regular file:
 * one made by open(2) is born with F_SEAL_SEAL, as on tmpfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../mmu/shmem.h"
#include "fs.h"
#include "memfd.h"

int memfd_new(struct device_context *ctx, const char *name, unsigned flags,
	      struct file **out)
{
	struct inode *i = inode_new_on(ctx->fs, S_IFREG | 0777, FS_SHM_DEV);
	char *n = malloc(strlen(name) + 7);
	if (!i || !n) {
		free(n);
		if (i) {
			i->refs = 1;
			inode_put(i);
		}
		return -ENOMEM;
	}
	sprintf(n, "memfd:%s", name);
	i->name = n;
	/* Without MFD_ALLOW_SEALING the file is born sealed against seals. */
	i->seals = (flags & MFD_ALLOW_SEALING) ? 0 : F_SEAL_SEAL;
	inode_get(i);
	int err = fs_open_inode(ctx, i, NULL, O_RDWR | FS_O_LARGEFILE, out);
	inode_put(i);
	return err;
}

int64_t memfd_fcntl_seals(struct file *f, bool add, unsigned seals)
{
	struct inode *i = file_inode(f);
	if (!i || !S_ISREG(i->mode))
		return -EINVAL;
	if (!add)
		return i->seals;
	/* Linux memfd_add_seals, in its order. */
	if (!(f->fmode & FMODE_WRITE))
		return -EPERM;
	if (seals & ~(unsigned)(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EINVAL;
	if (i->seals & F_SEAL_SEAL)
		return -EPERM;
	if ((seals & F_SEAL_WRITE) && !(i->seals & F_SEAL_WRITE) &&
	    shmem_writably_mapped(i->shm))
		return -EBUSY;
	i->seals |= seals;
	return 0;
}
