/* Physical memory of the emulated machine.
 *
 * All RAM is one private anonymous host mapping (MAP_NORESERVE): untouched
 * frames cost the host nothing, so a large sparse --ram costs only what the
 * guest touches.  It holds, in order, the low physical space [0, ram_top)
 * -- RAM plus the ISA I/O hole, which device memory may use -- and then
 * the page-table bank, a RAM bank placed high in physical space
 * (PTBANK_BASE).  The CPU sees the same bytes: each RAM range is mapped
 * into Unicorn once, at its physical address (docs/machine.md).  memu's
 * kernel code reaches every physical byte through this one mapping, the
 * "host direct map".
 */
#ifndef MEMU_MMU_PHYS_H
#define MEMU_MMU_PHYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT    12
#define PAGE_SIZE     4096ULL
#define PAGE_MASK     (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

#define ISA_HOLE_START 0xA0000ULL
#define ISA_HOLE_END   0x100000ULL

/* The page-table bank: physical address of its first byte.  Physical
 * addresses stay below 2^40 in this CPU model. */
#define PTBANK_BASE    0xF000000000ULL
#define PHYS_ADDR_BITS 40
#define PHYS_ADDR_END  (1ULL << PHYS_ADDR_BITS)
#define PTBANK_MAX     (1ULL << 30)

#define RAM_MIN (4ULL << 20)
#define RAM_MAX (512ULL << 30)

struct phys {
	uint64_t ram_top;     /* end of low physical space (RAM + hole) */
	uint64_t ptbank_size; /* bytes in the page-table bank */
	uint8_t *host;	      /* host direct map of all of it */
};

int phys_init(struct phys *p, uint64_t ram_top, uint64_t ptbank_size, char *err,
	      size_t errlen);
void phys_destroy(struct phys *p);

/* True when [pa, pa + len) is backed by host memory (RAM, hole or PT
 * bank). */
bool phys_backed(const struct phys *p, uint64_t pa, uint64_t len);
/* True when pa is RAM: below ram_top outside the ISA hole, or the PT bank. */
bool phys_is_ram(const struct phys *p, uint64_t pa);
/* Have the host back [pa, pa + len) now, in one call, rather than one
 * host page fault at a time as the bytes are first touched.  A hint:
 * nothing changes for the guest if the host cannot. */
void phys_prefault(const struct phys *p, uint64_t pa, uint64_t len);
/* Host pointer for a backed physical address (NULL if not backed). */
void *phys_host(const struct phys *p, uint64_t pa);

#endif
