/* The device table: every character device the machine has, by path.
 * Adding a driver means adding its chardev here (see docs/drivers.md). */
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "module.h"

extern const struct chardev mem_dev, kmem_dev, zero_dev, null_dev;
extern const struct chardev contig_dev, scatter_dev, lazy_dev;
extern const struct chardev vga_dev, bios_rom_dev, memu_id_dev;
/* /proc (the files of /proc/PID are devices/proc_pid.c's) */
extern const struct chardev proc_meminfo_dev, proc_iomem_dev;
extern const struct chardev proc_sys_vm_mmap_min_addr_dev;
extern const struct chardev proc_sys_vm_overcommit_memory_dev;
extern const struct chardev proc_sys_vm_overcommit_ratio_dev;
extern const struct chardev proc_sys_vm_max_map_count_dev;

static const struct chardev *const devices[] = {
	&mem_dev,
	&kmem_dev,
	&null_dev,
	&zero_dev,
	&contig_dev,
	&scatter_dev,
	&lazy_dev,
	&proc_meminfo_dev,
	&proc_iomem_dev,
	&proc_sys_vm_mmap_min_addr_dev,
	&proc_sys_vm_overcommit_memory_dev,
	&proc_sys_vm_overcommit_ratio_dev,
	&proc_sys_vm_max_map_count_dev,
	/* no /dev node: they only claim physical ranges */
	&vga_dev,
	&bios_rom_dev,
	&memu_id_dev,
	NULL,
};

const struct chardev *const *chardev_all(void)
{
	return devices;
}

const struct chardev *chardev_lookup(const char *path)
{
	for (int i = 0; devices[i]; i++)
		if (devices[i]->path && !strcmp(devices[i]->path, path))
			return devices[i];
	return NULL;
}

int devices_probe(struct device_context *ctx)
{
	for (int i = 0; devices[i]; i++)
		if (devices[i]->probe && devices[i]->probe(ctx))
			return -1;
	return 0;
}

void devices_remove(struct device_context *ctx)
{
	for (int i = 0; i < ctx->nstate; i++)
		free(ctx->state[i].data);
	ctx->nstate = 0;
	modules_remove(ctx);
}

void *device_data(struct device_context *ctx, const struct chardev *dev)
{
	for (int i = 0; i < ctx->nstate; i++)
		if (ctx->state[i].dev == dev)
			return ctx->state[i].data;
	return NULL;
}

int device_set_data(struct device_context *ctx, const struct chardev *dev,
		    void *data)
{
	if (ctx->nstate == DEVICE_STATE_MAX)
		return -1;
	ctx->state[ctx->nstate].dev = dev;
	ctx->state[ctx->nstate].data = data;
	ctx->nstate++;
	return 0;
}
