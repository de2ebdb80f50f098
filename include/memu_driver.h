/* memu's driver model for loadable modules: `memu run --driver PATH.so`
 * loads a shared object that gives memu one `struct memu_driver`, as
 * `insmod` loads a Linux module, and the guest
 * finds its device at /dev/NAME (docs/drivers.md, "Modules").  A module
 * is one C file ending in MEMU_DRIVER_MODULE(its_driver), built with
 *
 *     cc -shared -fPIC -o NAME.so NAME.c $(pkg-config --cflags memu)
 *
 * It is Linux's character-driver model, cut to what a teaching driver
 * needs: file_operations (open, release, read, write, llseek, mmap,
 * ioctl), vm_operations (fault), and the three ways a driver's mmap
 * builds its mapping - remap_pfn_range, vm_insert_page, and a fault
 * handler that hands back a frame or calls vmf_insert_pfn.  Every object
 * memu hands a driver is opaque; the driver reaches it through the
 * memu_* functions below.
 *
 * Every guest address a driver gets (a read's buffer, an ioctl's
 * argument) is a guest virtual address: memu_copy_to_user and
 * memu_copy_from_user move the bytes (-EFAULT for a bad one), never a
 * host pointer.  A driver maps only frames it allocated with
 * memu_alloc_frames; memu checks, and refuses the others.  What a
 * driver returns is checked too: a read that claims more than it was
 * asked, a fault result that is not one of MEMU_VM_FAULT_*, become EIO
 * or SIGBUS for the guest and one line on stderr, never a host crash.
 * What memu cannot check is the driver's own C: a NULL dereference in a
 * module crashes memu, as a bad module oopses Linux.
 */
#ifndef MEMU_DRIVER_H
#define MEMU_DRIVER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface; a module built against another is
 * refused at load. */
#define MEMU_DRIVER_ABI 1

#define MEMU_PAGE_SIZE 4096ULL
#define MEMU_PFN_NONE  UINT64_MAX

struct memu_device; /* one driver in one machine */
struct memu_file;   /* an open file of the device */
struct memu_vma;    /* a mapping of the device */

/* A fault a vm_operations->fault is asked to serve (Linux struct
 * vm_fault). */
struct memu_vm_fault {
	struct memu_vma *vma;
	uint64_t address; /* the faulting address, page-aligned */
	uint64_t pgoff;	  /* its page offset in the device */
	uint64_t pfn;	  /* out: the frame to map, when returning 0 */
};

/* Fault results, Linux's values (include/linux/mm_types.h): 0 (map
 * vmf->pfn), or one of these. */
#define MEMU_VM_FAULT_OOM     0x0001u
#define MEMU_VM_FAULT_SIGBUS  0x0002u
#define MEMU_VM_FAULT_SIGSEGV 0x0040u
#define MEMU_VM_FAULT_NOPAGE  0x0100u /* the handler installed the entry */

struct memu_vm_operations {
	unsigned (*fault)(struct memu_vm_fault *vmf);
};

/* Each may be NULL: the syscall then gets Linux's errno (no read:
 * EINVAL, no llseek: ESPIPE, no ioctl: ENOTTY, no mmap: ENODEV). */
struct memu_file_operations {
	int (*open)(struct memu_file *f);     /* 0 or -errno */
	void (*release)(struct memu_file *f); /* the last close */
	/* Bytes moved (at most count) or -errno; *pos is the position. */
	int64_t (*read)(struct memu_file *f, uint64_t ubuf, uint64_t count,
			uint64_t *pos);
	int64_t (*write)(struct memu_file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos);
	/* The new position (memu sets it) or -errno. */
	int64_t (*llseek)(struct memu_file *f, int64_t offset, int whence);
	/* Build the mapping (memu_remap_pfn_range, memu_vm_insert_page or
	 * memu_vma_set_ops): 0 or -errno. */
	int (*mmap)(struct memu_file *f, struct memu_vma *vma);
	int64_t (*ioctl)(struct memu_file *f, uint64_t cmd, uint64_t arg);
};

struct memu_driver {
	unsigned abi;	  /* MEMU_DRIVER_ABI */
	const char *name; /* the device is /dev/NAME: [a-z0-9_-], 1-31 */
	unsigned mode;	  /* its permission bits, 0666 for most */
	const struct memu_file_operations *fops;
	/* When the machine starts: allocate frames, set the device's data.
	 * 0, or -errno to refuse the load. */
	int (*probe)(struct memu_device *dev);
	/* When the machine goes: free what probe allocated with malloc
	 * (frames go with the machine).  May be NULL. */
	void (*remove)(struct memu_device *dev);
};

/* ---- what memu gives a driver
 *
 * memu hands the module a table of its functions when it loads it, so
 * a module needs no symbol of memu's (memu may be a static executable):
 * MEMU_DRIVER_MODULE(driver) below defines the entry point that keeps
 * the table, and the memu_* functions call through it. */

/* Cache attribute of remap_pfn_range's entries. */
enum memu_cache {
	MEMU_CACHE_WB = 0,	 /* write-back */
	MEMU_CACHE_UC_MINUS = 1, /* uncached, an MTRR may make it WC */
	MEMU_CACHE_UC = 2,	 /* strongly uncached */
};

/* A mapping's rights (memu_vma_flags). */
#define MEMU_VMA_READ	0x1u
#define MEMU_VMA_WRITE	0x2u
#define MEMU_VMA_EXEC	0x4u
#define MEMU_VMA_SHARED 0x8u

struct memu_kernel {
	unsigned abi; /* MEMU_DRIVER_ABI of the memu loading the module */
	void *(*device_data)(struct memu_device *dev);
	void (*device_set_data)(struct memu_device *dev, void *data);
	void (*device_log)(struct memu_device *dev, const char *fmt,
			   va_list ap);
	uint64_t (*alloc_frames)(struct memu_device *dev, unsigned n);
	void *(*frame_address)(struct memu_device *dev, uint64_t pfn);
	struct memu_device *(*file_device)(struct memu_file *f);
	int (*file_flags)(struct memu_file *f);
	void *(*file_private)(struct memu_file *f);
	void (*file_set_private)(struct memu_file *f, void *data);
	uint64_t (*file_pos)(struct memu_file *f);
	int (*copy_to_user)(struct memu_file *f, uint64_t uaddr,
			    const void *src, uint64_t n);
	int (*copy_from_user)(struct memu_file *f, void *dst, uint64_t uaddr,
			      uint64_t n);
	int (*clear_user)(struct memu_file *f, uint64_t uaddr, uint64_t n);
	uint64_t (*vma_start)(struct memu_vma *vma);
	uint64_t (*vma_end)(struct memu_vma *vma);
	uint64_t (*vma_pgoff)(struct memu_vma *vma);
	unsigned (*vma_flags)(struct memu_vma *vma);
	struct memu_device *(*vma_device)(struct memu_vma *vma);
	int (*remap_pfn_range)(struct memu_vma *vma, uint64_t addr,
			       uint64_t pfn, uint64_t size,
			       enum memu_cache cache);
	int (*vm_insert_page)(struct memu_vma *vma, uint64_t addr,
			      uint64_t pfn);
	unsigned (*vmf_insert_pfn)(struct memu_vma *vma, uint64_t addr,
				   uint64_t pfn);
	void (*vma_set_ops)(struct memu_vma *vma,
			    const struct memu_vm_operations *ops);
};

/* The module's copy of the table (MEMU_DRIVER_MODULE defines it). */
extern const struct memu_kernel *memu_kernel;

/* The module's entry point: memu calls memu_driver_init with its table
 * and takes the driver it returns (NULL: the module refuses this
 * memu). */
#define MEMU_DRIVER_MODULE(driver)                                             \
	const struct memu_kernel *memu_kernel;                                 \
	const struct memu_driver *memu_driver_init(                            \
		const struct memu_kernel *k);                                  \
	const struct memu_driver *memu_driver_init(                            \
		const struct memu_kernel *k)                                   \
	{                                                                      \
		if (!k || k->abi != MEMU_DRIVER_ABI)                           \
			return NULL;                                           \
		memu_kernel = k;                                               \
		return &(driver);                                              \
	}

/* The device's own data, for probe to set and the rest to read. */
static inline void *memu_device_data(struct memu_device *dev)
{
	return memu_kernel->device_data(dev);
}
static inline void memu_device_set_data(struct memu_device *dev, void *data)
{
	memu_kernel->device_set_data(dev, data);
}
/* One line on stderr, "memu: driver NAME: ..." (Linux's dev_info). */
static inline __attribute__((format(printf, 2, 3))) void
memu_device_log(struct memu_device *dev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	memu_kernel->device_log(dev, fmt, ap);
	va_end(ap);
}

/* n physically contiguous frames (1-4096), zeroed, the driver's from now
 * on (in --stats' "driver" row): the first pfn, or MEMU_PFN_NONE when
 * RAM is out.  They go with the machine. */
static inline uint64_t memu_alloc_frames(struct memu_device *dev, unsigned n)
{
	return memu_kernel->alloc_frames(dev, n);
}
/* The bytes of a frame the driver owns, to fill or read; NULL for any
 * other frame. */
static inline void *memu_frame_address(struct memu_device *dev, uint64_t pfn)
{
	return memu_kernel->frame_address(dev, pfn);
}

/* The file's device, its open(2) flags, its own data. */
static inline struct memu_device *memu_file_device(struct memu_file *f)
{
	return memu_kernel->file_device(f);
}
static inline int memu_file_flags(struct memu_file *f)
{
	return memu_kernel->file_flags(f);
}
static inline void *memu_file_private(struct memu_file *f)
{
	return memu_kernel->file_private(f);
}
static inline void memu_file_set_private(struct memu_file *f, void *data)
{
	memu_kernel->file_set_private(f, data);
}
/* The file's position (llseek's SEEK_CUR; read and write get it). */
static inline uint64_t memu_file_pos(struct memu_file *f)
{
	return memu_kernel->file_pos(f);
}

/* Move bytes to and from the guest's address space: 0 or -EFAULT. */
static inline int memu_copy_to_user(struct memu_file *f, uint64_t uaddr,
				    const void *src, uint64_t n)
{
	return memu_kernel->copy_to_user(f, uaddr, src, n);
}
static inline int memu_copy_from_user(struct memu_file *f, void *dst,
				      uint64_t uaddr, uint64_t n)
{
	return memu_kernel->copy_from_user(f, dst, uaddr, n);
}
static inline int memu_clear_user(struct memu_file *f, uint64_t uaddr,
				  uint64_t n)
{
	return memu_kernel->clear_user(f, uaddr, n);
}

/* A mapping: [start, end), its first page's offset in the device, its
 * rights (MEMU_VMA_*), its device. */
static inline uint64_t memu_vma_start(struct memu_vma *vma)
{
	return memu_kernel->vma_start(vma);
}
static inline uint64_t memu_vma_end(struct memu_vma *vma)
{
	return memu_kernel->vma_end(vma);
}
static inline uint64_t memu_vma_pgoff(struct memu_vma *vma)
{
	return memu_kernel->vma_pgoff(vma);
}
static inline unsigned memu_vma_flags(struct memu_vma *vma)
{
	return memu_kernel->vma_flags(vma);
}
static inline struct memu_device *memu_vma_device(struct memu_vma *vma)
{
	return memu_kernel->vma_device(vma);
}

/* Entries for size bytes of frames from pfn at addr, now (the VMA
 * becomes VM_IO | VM_PFNMAP): 0 or -errno (-EINVAL: outside the VMA, or
 * a frame the driver does not own). */
static inline int memu_remap_pfn_range(struct memu_vma *vma, uint64_t addr,
				       uint64_t pfn, uint64_t size,
				       enum memu_cache cache)
{
	return memu_kernel->remap_pfn_range(vma, addr, pfn, size, cache);
}
/* One entry for a frame the driver owns, counted in its mapcount: 0 or
 * -errno. */
static inline int memu_vm_insert_page(struct memu_vma *vma, uint64_t addr,
				      uint64_t pfn)
{
	return memu_kernel->vm_insert_page(vma, addr, pfn);
}
/* From a fault handler: map pfn at addr as remap_pfn_range would;
 * returns MEMU_VM_FAULT_NOPAGE, or MEMU_VM_FAULT_SIGBUS for a frame the
 * driver does not own. */
static inline unsigned memu_vmf_insert_pfn(struct memu_vma *vma, uint64_t addr,
					   uint64_t pfn)
{
	return memu_kernel->vmf_insert_pfn(vma, addr, pfn);
}
/* Serve the VMA's faults with ops (the lazy style). */
static inline void memu_vma_set_ops(struct memu_vma *vma,
				    const struct memu_vm_operations *ops)
{
	memu_kernel->vma_set_ops(vma, ops);
}

#ifdef __cplusplus
}
#endif

#endif
