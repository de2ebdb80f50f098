/* FreeBSD's <machine/memdev.h> for guests of memu: the minor numbers of
 * the mem(4) nodes. */
#ifndef _MACHINE_MEMDEV_H_
#define _MACHINE_MEMDEV_H_

#define CDEV_MINOR_MEM	0
#define CDEV_MINOR_KMEM 1

#endif
