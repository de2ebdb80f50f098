/* Loadable driver modules (module.c, docs/drivers.md "Modules"): the
 * machine side of include/memu_driver.h. */
#ifndef MEMU_DEVICES_MODULE_H
#define MEMU_DEVICES_MODULE_H

#include <stddef.h>

#include "device.h"

/* dlopen path, check its struct memu_driver, probe it and add /dev/NAME
 * to the machine: 0, or -1 with the reason in err. */
int module_insert(struct device_context *ctx, const char *path, char *err,
		  size_t errlen);
/* Remove every module (their remove, then dlclose), newest first, once
 * no file of theirs is open. */
void modules_remove(struct device_context *ctx);
/* The device path of the i-th module ("/dev/NAME"). */
const char *module_path(const struct device_context *ctx, int i);

#endif
