/* Modules memu must refuse at load (tests/module_test.c), one per
 * BAD_* macro the test builds this file with. */
#include "memu_driver.h"

static const struct memu_file_operations fops = {0};

#ifdef BAD_SYMBOL
/* Nothing defines it: dlopen's RTLD_NOW says so. */
void not_in_memu(void);
static int probe(struct memu_device *dev)
{
	(void)dev;
	not_in_memu();
	return 0;
}
#else
static int probe(struct memu_device *dev)
{
	(void)dev;
#ifdef BAD_PROBE
	return -19; /* ENODEV */
#else
	return 0;
#endif
}
#endif

static const struct memu_driver driver = {
#ifdef BAD_ABI
	.abi = 99,
#else
	.abi = MEMU_DRIVER_ABI,
#endif
#if defined(BAD_NAME)
	.name = "Bad/Name",
#elif defined(BAD_DUPLICATE)
	.name = "zero",
#else
	.name = "bad",
#endif
	.mode = 0666,
	.fops = &fops,
	.probe = probe,
};

#ifndef BAD_NO_INIT
MEMU_DRIVER_MODULE(driver)
#else
const struct memu_driver *not_the_entry = &driver;
#endif
