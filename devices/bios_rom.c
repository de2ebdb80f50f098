/* The system BIOS ROM at 0xF0000-0xFFFFF.  Its image is built at start-up
 * with recognisable content: a banner at 0xF0000, the reset vector (a far
 * jump to F000:E05B) at 0xFFFF0, the BIOS date at 0xFFFF5 and the PC/AT
 * model byte 0xFC at 0xFFFFE; the rest is 0xFF, like erased flash.  It is
 * read-only as on hardware: reads come from the image, writes are
 * dropped, whether they come through read/write on /dev/mem or through a
 * mapping (the ROM is an MMIO range, so every access reaches these
 * callbacks). */
#include <string.h>

#include "device.h"

#define ROM_BASE 0xF0000ULL
#define ROM_END	 0x100000ULL
#define ROM_SIZE (ROM_END - ROM_BASE)

const char bios_banner[] = "memu BIOS ROM 0.1.0 (c) the memu authors";

/* The same image in every machine: built once, never written. */
static uint8_t rom_image[ROM_SIZE];

static void build_image(void)
{
	static const uint8_t reset[] = {0xea, 0x5b, 0xe0, 0x00, 0xf0};
	memset(rom_image, 0xff, sizeof(rom_image));
	memcpy(rom_image, bios_banner, sizeof(bios_banner));
	memcpy(rom_image + 0xfff0, reset, sizeof(reset));
	memcpy(rom_image + 0xfff5, "01/01/26", 8);
	rom_image[0xfffe] = 0xfc;
}

static uint64_t rom_read(struct iomem_resource *r, uint64_t offset,
			 unsigned size)
{
	(void)r;
	uint64_t v = 0;
	for (unsigned i = 0; i < size && offset + i < ROM_SIZE; i++)
		v |= (uint64_t)rom_image[offset + i] << (8 * i);
	return v;
}

static void rom_write(struct iomem_resource *r, uint64_t offset, unsigned size,
		      uint64_t value)
{
	/* A ROM ignores writes. */
	(void)r;
	(void)offset;
	(void)size;
	(void)value;
}

static const struct iomem_ops rom_ops = {rom_read, rom_write};

static int rom_probe(struct device_context *ctx)
{
	build_image();
	return iomem_request(&ctx->mmu->iomem, ROM_BASE, ROM_END,
			     "System ROM (BIOS)", IOMEM_DEVICE_IO,
			     IORESOURCE_BUSY, &rom_ops);
}

const struct chardev bios_rom_dev = {.probe = rom_probe};
