/* Loadable driver modules (docs/drivers.md, "Modules"): `memu run
 * --driver PATH.so` dlopens a shared object, takes its struct
 * memu_driver (include/memu_driver.h), and makes it a chardev of this
 * machine at /dev/NAME - Linux's insmod and misc_register in one.
 *
 * The module sees only opaque objects: a struct memu_file is memu's
 * struct file, a struct memu_vma its struct vma, a struct memu_device
 * the record below, whose first member is the chardev the file system
 * points at.  Everything the module returns passes through a check here
 * before memu uses it (an errno out of range, a read longer than asked,
 * a fault result Linux does not define, a frame the module does not
 * own): the guest gets EIO or SIGBUS and stderr one line naming the
 * driver, never a host crash that memu could have prevented.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/memu_driver.h"
#include "../mmu/mmu.h"
#include "../mmu/remap.h"
#include "../mmu/uaccess.h"
#include "device.h"
#include "fs.h"
#include "module.h"

/* Teaching drivers 0-2 are 240:0-2 (docs/drivers.md); modules follow. */
#define MODULE_MAJOR	   240
#define MODULE_FIRST_MINOR 3
#define MODULE_VM_OPS	   4 /* distinct vm_operations a module may use */
#define MODULE_FRAMES_MAX  4096
#define MAX_ERRNO	   4095

struct module_vm_ops {
	struct vm_operations ops; /* what the VMA points at */
	const struct memu_vm_operations *drv;
	struct memu_device *dev;
};

struct memu_device {
	struct chardev cdev; /* first: a file's f->dev is this device */
	struct file_operations fops;
	char path[48];
	const struct memu_driver *drv;
	void *handle; /* dlopen's */
	struct device_context *ctx;
	void *data;
	struct {
		uint64_t pfn, n;
	} * runs; /* the frames it owns */
	size_t nruns;
	struct module_vm_ops vm_ops[MODULE_VM_OPS];
	unsigned nvm_ops;
};

static struct memu_device *dev_of(struct file *f)
{
	return (struct memu_device *)(void *)f->dev;
}

static struct memu_file *to_mf(struct file *f)
{
	return (struct memu_file *)(void *)f;
}

static struct file *from_mf(struct memu_file *f)
{
	return (struct file *)(void *)f;
}

static struct vma *from_mv(struct memu_vma *v)
{
	return (struct vma *)(void *)v;
}

static void k_device_log(struct memu_device *dev, const char *fmt, va_list ap)
{
	fprintf(stderr, "memu: driver %s: ", dev->drv->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static __attribute__((format(printf, 2, 3))) void
dev_log(struct memu_device *dev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	k_device_log(dev, fmt, ap);
	va_end(ap);
}

/* A result that must be 0 or -errno. */
static int64_t checked(struct memu_device *dev, const char *op, int64_t r,
		       int64_t max)
{
	if ((r >= 0 && r <= max) || (r < 0 && r >= -MAX_ERRNO))
		return r;
	dev_log(dev, "%s returned %lld: EIO", op, (long long)r);
	return -EIO;
}

/* ---- the file operations memu calls: the module's, checked */

static int mod_open(struct file *f)
{
	struct memu_device *d = dev_of(f);
	return (int)checked(d, "open", d->drv->fops->open(to_mf(f)), 0);
}

static void mod_release(struct file *f)
{
	struct memu_device *d = dev_of(f);
	d->drv->fops->release(to_mf(f));
}

static int64_t mod_read(struct file *f, uint64_t ubuf, uint64_t count,
			uint64_t *pos)
{
	struct memu_device *d = dev_of(f);
	int64_t max = count > INT64_MAX ? INT64_MAX : (int64_t)count;
	return checked(d, "read",
		       d->drv->fops->read(to_mf(f), ubuf, count, pos), max);
}

static int64_t mod_write(struct file *f, uint64_t ubuf, uint64_t count,
			 uint64_t *pos)
{
	struct memu_device *d = dev_of(f);
	int64_t max = count > INT64_MAX ? INT64_MAX : (int64_t)count;
	return checked(d, "write",
		       d->drv->fops->write(to_mf(f), ubuf, count, pos), max);
}

static int64_t mod_llseek(struct file *f, int64_t offset, int whence)
{
	struct memu_device *d = dev_of(f);
	int64_t r = checked(d, "llseek",
			    d->drv->fops->llseek(to_mf(f), offset, whence),
			    INT64_MAX);
	if (r >= 0)
		f->pos = (uint64_t)r;
	return r;
}

static int mod_mmap(struct file *f, struct vma *vma)
{
	struct memu_device *d = dev_of(f);
	return (int)checked(
		d, "mmap",
		d->drv->fops->mmap(to_mf(f), (struct memu_vma *)(void *)vma),
		0);
}

static int64_t mod_ioctl(struct file *f, uint64_t cmd, uint64_t arg)
{
	struct memu_device *d = dev_of(f);
	int64_t r = d->drv->fops->ioctl(to_mf(f), cmd, arg);
	return r < -MAX_ERRNO ? checked(d, "ioctl", r, 0) : r;
}

/* ---- frames */

static bool owns(struct memu_device *d, uint64_t pfn, uint64_t n)
{
	for (size_t i = 0; i < d->nruns; i++)
		if (pfn >= d->runs[i].pfn && n <= d->runs[i].n &&
		    pfn - d->runs[i].pfn <= d->runs[i].n - n)
			return true;
	return false;
}

static uint64_t k_alloc_frames(struct memu_device *dev, unsigned n)
{
	if (!n || n > MODULE_FRAMES_MAX)
		return MEMU_PFN_NONE;
	void *runs = realloc(dev->runs, (dev->nruns + 1) * sizeof(*dev->runs));
	if (!runs)
		return MEMU_PFN_NONE;
	dev->runs = runs;
	struct zone *ram = &dev->ctx->mmu->ram;
	uint64_t pfn = n == 1 ? frame_alloc(ram, FRAME_DRIVER, PFN_NONE, 0)
			      : frame_alloc_run(ram, FRAME_DRIVER, n);
	if (pfn == PFN_NONE)
		return MEMU_PFN_NONE;
	dev->runs[dev->nruns].pfn = pfn;
	dev->runs[dev->nruns].n = n;
	dev->nruns++;
	return pfn;
}

static void *k_frame_address(struct memu_device *dev, uint64_t pfn)
{
	return owns(dev, pfn, 1) ? mmu_pfn_host(dev->ctx->mmu, pfn) : NULL;
}

/* ---- the device and its files */

static void *k_device_data(struct memu_device *dev)
{
	return dev->data;
}

static void k_device_set_data(struct memu_device *dev, void *data)
{
	dev->data = data;
}

static struct memu_device *k_file_device(struct memu_file *f)
{
	return dev_of(from_mf(f));
}

static int k_file_flags(struct memu_file *f)
{
	return from_mf(f)->flags;
}

static void *k_file_private(struct memu_file *f)
{
	return from_mf(f)->private_data;
}

static void k_file_set_private(struct memu_file *f, void *data)
{
	from_mf(f)->private_data = data;
}

static uint64_t k_file_pos(struct memu_file *f)
{
	return from_mf(f)->pos;
}

static int k_copy_to_user(struct memu_file *f, uint64_t uaddr, const void *src,
			  uint64_t n)
{
	struct file *file = from_mf(f);
	return copy_to_user(file->ctx->mm, uaddr, src, n) ? -EFAULT : 0;
}

static int k_copy_from_user(struct memu_file *f, void *dst, uint64_t uaddr,
			    uint64_t n)
{
	struct file *file = from_mf(f);
	return copy_from_user(file->ctx->mm, dst, uaddr, n) ? -EFAULT : 0;
}

static int k_clear_user(struct memu_file *f, uint64_t uaddr, uint64_t n)
{
	struct file *file = from_mf(f);
	return clear_user(file->ctx->mm, uaddr, n) ? -EFAULT : 0;
}

/* ---- mappings */

static uint64_t k_vma_start(struct memu_vma *vma)
{
	return from_mv(vma)->start;
}

static uint64_t k_vma_end(struct memu_vma *vma)
{
	return from_mv(vma)->end;
}

static uint64_t k_vma_pgoff(struct memu_vma *vma)
{
	return from_mv(vma)->pgoff;
}

static unsigned k_vma_flags(struct memu_vma *vma)
{
	uint64_t f = from_mv(vma)->flags;
	return ((f & VM_READ) ? MEMU_VMA_READ : 0) |
	       ((f & VM_WRITE) ? MEMU_VMA_WRITE : 0) |
	       ((f & VM_EXEC) ? MEMU_VMA_EXEC : 0) |
	       ((f & VM_MAYSHARE) ? MEMU_VMA_SHARED : 0);
}

static struct memu_device *k_vma_device(struct memu_vma *vma)
{
	return dev_of(from_mv(vma)->vm_file);
}

static int k_remap_pfn_range(struct memu_vma *vma, uint64_t addr, uint64_t pfn,
			     uint64_t size, enum memu_cache cache)
{
	struct memu_device *d = k_vma_device(vma);
	uint64_t pages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (!pages || !owns(d, pfn, pages)) {
		dev_log(d,
			"remap_pfn_range of %llu pages at pfn %#llx, "
			"not all its own: EINVAL",
			(unsigned long long)pages, (unsigned long long)pfn);
		return -EINVAL;
	}
	if (cache != MEMU_CACHE_WB && cache != MEMU_CACHE_UC_MINUS &&
	    cache != MEMU_CACHE_UC)
		return -EINVAL;
	return remap_pfn_range(from_mv(vma), addr, pfn, size,
			       (enum page_cache)cache);
}

static int k_vm_insert_page(struct memu_vma *vma, uint64_t addr, uint64_t pfn)
{
	struct memu_device *d = k_vma_device(vma);
	if (!owns(d, pfn, 1)) {
		dev_log(d,
			"vm_insert_page of pfn %#llx, not its own: "
			"EINVAL",
			(unsigned long long)pfn);
		return -EINVAL;
	}
	return vm_insert_page(from_mv(vma), addr, pfn);
}

static unsigned k_vmf_insert_pfn(struct memu_vma *vma, uint64_t addr,
				 uint64_t pfn)
{
	struct memu_device *d = k_vma_device(vma);
	if (!owns(d, pfn, 1)) {
		dev_log(d,
			"vmf_insert_pfn of pfn %#llx, not its own: "
			"SIGBUS",
			(unsigned long long)pfn);
		return VM_FAULT_SIGBUS;
	}
	return vmf_insert_pfn(from_mv(vma), addr, pfn);
}

/* The fault memu asks a module's vm_operations to serve. */
static vm_fault_t mod_fault(struct vm_fault *vmf)
{
	const struct module_vm_ops *o =
		(const struct module_vm_ops *)(const void *)vmf->vma->ops;
	struct memu_device *d = o->dev;
	struct memu_vm_fault mvf = {
		.vma = (struct memu_vma *)(void *)vmf->vma,
		.address = vmf->address,
		.pgoff = vmf->pgoff,
		.pfn = MEMU_PFN_NONE,
	};
	unsigned r = o->drv->fault(&mvf);
	switch (r) {
	case 0:
		if (!owns(d, mvf.pfn, 1)) {
			dev_log(d,
				"fault handed back pfn %#llx, not its "
				"own: SIGBUS",
				(unsigned long long)mvf.pfn);
			return VM_FAULT_SIGBUS;
		}
		vmf->pfn = mvf.pfn;
		return 0;
	case MEMU_VM_FAULT_NOPAGE:
	case MEMU_VM_FAULT_SIGBUS:
	case MEMU_VM_FAULT_SIGSEGV:
	case MEMU_VM_FAULT_OOM:
		return r;
	default:
		dev_log(d, "fault returned %#x: SIGBUS", r);
		return VM_FAULT_SIGBUS;
	}
}

static void k_vma_set_ops(struct memu_vma *vma,
			  const struct memu_vm_operations *ops)
{
	struct memu_device *d = k_vma_device(vma);
	struct module_vm_ops *o = NULL;
	for (unsigned i = 0; i < d->nvm_ops && !o; i++)
		if (d->vm_ops[i].drv == ops)
			o = &d->vm_ops[i];
	if (!o && d->nvm_ops < MODULE_VM_OPS) {
		o = &d->vm_ops[d->nvm_ops++];
		*o = (struct module_vm_ops){
			.ops = {.name = d->drv->name,
				.fault = ops && ops->fault ? mod_fault : NULL},
			.drv = ops,
			.dev = d,
		};
	}
	if (!o) {
		dev_log(d, "more than %d vm_operations: ignored",
			MODULE_VM_OPS);
		return;
	}
	from_mv(vma)->ops = &o->ops;
}

/* What a module calls (include/memu_driver.h's memu_* functions). */
static const struct memu_kernel kernel = {
	.abi = MEMU_DRIVER_ABI,
	.device_data = k_device_data,
	.device_set_data = k_device_set_data,
	.device_log = k_device_log,
	.alloc_frames = k_alloc_frames,
	.frame_address = k_frame_address,
	.file_device = k_file_device,
	.file_flags = k_file_flags,
	.file_private = k_file_private,
	.file_set_private = k_file_set_private,
	.file_pos = k_file_pos,
	.copy_to_user = k_copy_to_user,
	.copy_from_user = k_copy_from_user,
	.clear_user = k_clear_user,
	.vma_start = k_vma_start,
	.vma_end = k_vma_end,
	.vma_pgoff = k_vma_pgoff,
	.vma_flags = k_vma_flags,
	.vma_device = k_vma_device,
	.remap_pfn_range = k_remap_pfn_range,
	.vm_insert_page = k_vm_insert_page,
	.vmf_insert_pfn = k_vmf_insert_pfn,
	.vma_set_ops = k_vma_set_ops,
};

/* ---- loading */

static bool good_name(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_' ||
		      s[n] == '-'))
			return false;
	return n >= 1 && n <= 31;
}

static void unload(struct memu_device *d)
{
	if (d->drv && d->drv->remove)
		d->drv->remove(d);
	if (d->handle)
		dlclose(d->handle);
	free(d->runs);
	free(d);
}

int module_insert(struct device_context *ctx, const char *path, char *err,
		  size_t errlen)
{
	if (ctx->nmodules == DEVICE_MODULES_MAX) {
		snprintf(err, errlen, "%s: at most %d driver modules", path,
			 DEVICE_MODULES_MAX);
		return -1;
	}
	/* RTLD_NOW: a symbol memu does not export is said now, not when
	 * the guest first opens the device. */
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "%s", dlerror());
		return -1;
	}
	typedef const struct memu_driver *(*init_fn)(
		const struct memu_kernel *);
	init_fn init;
	*(void **)&init = dlsym(h, "memu_driver_init");
	const struct memu_driver *drv = init ? init(&kernel) : NULL;
	const char *why = NULL;
	char buf[96];
	if (!init)
		why = "no memu_driver_init: not a memu driver module "
		      "(MEMU_DRIVER_MODULE)";
	else if (!drv)
		why = "its memu_driver_init refused this memu (another driver "
		      "ABI)";
	else if (drv->abi != MEMU_DRIVER_ABI) {
		snprintf(buf, sizeof(buf),
			 "built for driver ABI %u, memu has %u", drv->abi,
			 MEMU_DRIVER_ABI);
		why = buf;
	} else if (!drv->name || !good_name(drv->name))
		why = "its name is not 1-31 of [a-z0-9_-]";
	else if (!drv->fops)
		why = "no file operations";
	if (!why) {
		struct dentry *dev = d_lookup(ctx->fs->root, "dev");
		if (!dev || d_lookup(dev, drv->name)) {
			snprintf(buf, sizeof(buf), "/dev/%s exists already",
				 drv->name);
			why = buf;
		}
	}
	if (why) {
		snprintf(err, errlen, "%s: %s", path, why);
		dlclose(h);
		return -1;
	}
	struct memu_device *d = calloc(1, sizeof(*d));
	if (!d) {
		dlclose(h);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	d->drv = drv;
	d->handle = h;
	d->ctx = ctx;
	snprintf(d->path, sizeof(d->path), "/dev/%s", drv->name);
	const struct memu_file_operations *m = drv->fops;
	d->fops = (struct file_operations){
		.open = m->open ? mod_open : NULL,
		.release = m->release ? mod_release : NULL,
		.read = m->read ? mod_read : NULL,
		.write = m->write ? mod_write : NULL,
		.llseek = m->llseek ? mod_llseek : NULL,
		.mmap = m->mmap ? mod_mmap : NULL,
		.ioctl = m->ioctl ? mod_ioctl : NULL,
	};
	d->cdev = (struct chardev){
		.path = d->path,
		.major = MODULE_MAJOR,
		.minor = MODULE_FIRST_MINOR + (unsigned)ctx->nmodules,
		.mode = drv->mode & 0777,
		.fops = &d->fops,
	};
	int r = drv->probe ? drv->probe(d) : 0;
	if (r) {
		snprintf(err, errlen, "%s: probe failed: %s", path,
			 r < 0 && r >= -MAX_ERRNO ? strerror(-r)
						  : "not an errno");
		d->drv = NULL; /* no remove after a failed probe */
		unload(d);
		return -1;
	}
	if (fs_add_chardev(ctx->fs, &d->cdev)) {
		snprintf(err, errlen, "%s: out of memory", path);
		unload(d);
		return -1;
	}
	ctx->modules[ctx->nmodules++] = d;
	return 0;
}

void modules_remove(struct device_context *ctx)
{
	while (ctx->nmodules)
		unload(ctx->modules[--ctx->nmodules]);
}

const char *module_path(const struct device_context *ctx, int i)
{
	return ctx->modules[i]->path;
}
