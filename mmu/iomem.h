/* The physical address map, like Linux's iomem resource tree: which
 * ranges are RAM, which belong to a device, which are unclaimed bus.
 *
 * The machine's firmware part (RAM, the hole, the page-table bank) is
 * entered at boot; devices claim their ranges in the ISA hole with
 * iomem_request() (VGA text memory, the BIOS ROM).  /dev/mem's policy,
 * the host backing of mappings and `memu machine` all read this map.
 */
#ifndef MEMU_MMU_IOMEM_H
#define MEMU_MMU_IOMEM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum iomem_kind {
	IOMEM_RAM,	  /* System RAM (memfd-backed) */
	IOMEM_RESERVED,	  /* firmware-reserved: the ISA hole as a whole */
	IOMEM_DEVICE_MEM, /* device memory that behaves like RAM (memfd) */
	IOMEM_DEVICE_IO,  /* device registers or ROM: reads and writes go to
			   * the device's callbacks */
	IOMEM_UNCLAIMED,  /* nothing there: reads all ones, writes vanish */
};

#define IORESOURCE_BUSY	     (1u << 0) /* claimed by a driver */
#define IORESOURCE_EXCLUSIVE (1u << 1) /* never for /dev/mem */

struct iomem_resource;

struct iomem_ops {
	/* Read or write size (1, 2, 4, 8) bytes at offset in the range;
	 * r->state is the device's own storage in this machine. */
	uint64_t (*read)(struct iomem_resource *r, uint64_t offset,
			 unsigned size);
	void (*write)(struct iomem_resource *r, uint64_t offset, unsigned size,
		      uint64_t value);
};

struct iomem_resource {
	uint64_t start, end; /* [start, end) */
	const char *name;
	enum iomem_kind kind;
	unsigned flags;
	int depth; /* 0: top level, 1: inside a reserved range */
	const struct iomem_ops *ops; /* DEVICE_IO only */
	uint64_t state[4];	     /* registers of a DEVICE_IO device */
};

#define IOMEM_MAX 32

struct iomem {
	struct iomem_resource res[IOMEM_MAX];
	int count;
};

void iomem_init(struct iomem *io, uint64_t ram_top, uint64_t ptbank_base,
		uint64_t ptbank_size);
/* A device claims [start, end) (inside a reserved range or unclaimed
 * space): 0, or -1 if it overlaps another device. */
int iomem_request(struct iomem *io, uint64_t start, uint64_t end,
		  const char *name, enum iomem_kind kind, unsigned flags,
		  const struct iomem_ops *ops);

/* The innermost resource holding pa; NULL means unclaimed bus. */
const struct iomem_resource *iomem_find(const struct iomem *io, uint64_t pa);
/* What an access to pa reaches. */
enum iomem_kind iomem_kind_of(const struct iomem *io, uint64_t pa);
/* True when the kind is backed by the RAM memfd (RAM, device memory). */
bool iomem_is_memory(enum iomem_kind kind);
/* Linux region_intersects(..., IORESOURCE_SYSTEM_RAM) != DISJOINT. */
bool iomem_intersects_ram(const struct iomem *io, uint64_t start, uint64_t end);
/* Linux iomem_is_exclusive: with strict checks, any busy resource. */
bool iomem_is_exclusive(const struct iomem *io, uint64_t pa, bool strict);

/* Read or write through the map, as the bus would (not for RAM). */
uint64_t iomem_read(struct iomem *io, uint64_t pa, unsigned size);
void iomem_write(struct iomem *io, uint64_t pa, unsigned size, uint64_t value);

void iomem_print(const struct iomem *io, FILE *out);

#endif
