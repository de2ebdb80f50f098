/* A small MMIO device above RAM, as a PCI device's registers would be:
 * "memu identification registers", one page at MEMU_ID_BASE, claimed by
 * its driver (busy).  It is what --devmem io-strict refuses and strict
 * allows.  Registers (32-bit, little-endian):
 *   0x00  magic "MEMU" (0x554d454d), read-only
 *   0x04  version (0x000100), read-only
 *   0x08  scratch: reads back what was written
 * everything else reads 0 and ignores writes. */
#include "device.h"

#define MEMU_ID_BASE	0xEFFF000000ULL
#define MEMU_ID_MAGIC	0x554d454dU
#define MEMU_ID_VERSION 0x000100U

/* The scratch register lives in the resource: one per machine. */
static uint32_t reg(const struct iomem_resource *r, uint64_t offset)
{
	switch (offset & ~3ULL) {
	case 0x0:
		return MEMU_ID_MAGIC;
	case 0x4:
		return MEMU_ID_VERSION;
	case 0x8:
		return (uint32_t)r->state[0];
	default:
		return 0;
	}
}

static uint64_t id_read(struct iomem_resource *r, uint64_t offset,
			unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint64_t at = offset + i;
		uint8_t byte = (uint8_t)(reg(r, at) >> (8 * (at & 3)));
		v |= (uint64_t)byte << (8 * i);
	}
	return v;
}

static void id_write(struct iomem_resource *r, uint64_t offset, unsigned size,
		     uint64_t value)
{
	uint32_t scratch = (uint32_t)r->state[0];
	for (unsigned i = 0; i < size; i++) {
		uint64_t at = offset + i;
		if ((at & ~3ULL) != 0x8)
			continue;
		unsigned shift = 8 * (unsigned)(at & 3);
		scratch = (scratch & ~(0xffU << shift)) |
			  ((uint32_t)((value >> (8 * i)) & 0xff) << shift);
	}
	r->state[0] = scratch;
}

static const struct iomem_ops id_ops = {id_read, id_write};

static int id_probe(struct device_context *ctx)
{
	return iomem_request(&ctx->mmu->iomem, MEMU_ID_BASE,
			     MEMU_ID_BASE + PAGE_SIZE,
			     "memu identification registers", IOMEM_DEVICE_IO,
			     IORESOURCE_BUSY, &id_ops);
}

const struct chardev memu_id_dev = {.probe = id_probe};
