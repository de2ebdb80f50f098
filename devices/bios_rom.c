/* The system BIOS ROM at 0xF0000-0xFFFFF.  Its image is built at start-up
 * with recognisable content: a banner at 0xF0000, the reset vector (a far
 * jump to F000:E05B) at 0xFFFF0, the BIOS date at 0xFFFF5 and the PC/AT
 * model byte 0xFC at 0xFFFFE; the rest is 0xFF, like erased flash.  It is
 * read-only as on hardware: reads come from the image, writes are
 * dropped, whether they come through read/write on /dev/mem or through a
 * mapping (the ROM is an MMIO range, so every access reaches these
 * callbacks). */
#include <pthread.h>
#include <string.h>

#include "device.h"

#define ROM_BASE 0xF0000ULL
#define ROM_END	 0x100000ULL
#define ROM_SIZE (ROM_END - ROM_BASE)

const char bios_banner[] = "memu BIOS ROM 0.1.0 (c) the memu authors";

/* The same image in every machine: built once (even with machines in
 * several threads), never written. */
static uint8_t rom_image[ROM_SIZE];
static pthread_once_t rom_built = PTHREAD_ONCE_INIT;

static void build_image(void)
{
	static const uint8_t reset[] = {0xea, 0x5b, 0xe0, 0x00, 0xf0};
	memset(rom_image, 0xff, sizeof(rom_image));
	memcpy(rom_image, bios_banner, sizeof(bios_banner));
	memcpy(rom_image + 0xfff0, reset, sizeof(reset));
	memcpy(rom_image + 0xfff5, "01/01/26", 8);
	rom_image[0xfffe] = 0xfc;
	rom_image[0xff53] =
		0xcf; /* IRET, where every real-mode vector points */
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

/* What a PC BIOS leaves in low RAM: the real-mode interrupt vector table
 * at 0 (every vector F000:FF53, an IRET in the ROM) and the BIOS data
 * area at 0x400 (COM1 at 0x3F8, 639 KiB of base memory at 0x413).  It is
 * the low-RAM content /dev/mem's read() hides (zeros) and mmap shows. */
static void fill_low_ram(struct mmu *m)
{
	uint8_t *low = phys_host(&m->phys, 0);
	for (int v = 0; v < 256; v++) {
		low[4 * v] = 0x53;
		low[4 * v + 1] = 0xff;
		low[4 * v + 2] = 0x00;
		low[4 * v + 3] = 0xf0;
	}
	low[0x400] = 0xf8; /* COM1 base port 0x3F8 */
	low[0x401] = 0x03;
	low[0x413] = 639 & 0xff; /* base memory in KiB */
	low[0x414] = 639 >> 8;
}

static int rom_probe(struct device_context *ctx)
{
	pthread_once(&rom_built, build_image);
	fill_low_ram(ctx->mmu);
	memrange_hold(&ctx->mmu->memrange, ROM_BASE, ROM_SIZE, "rom");
	return iomem_request(&ctx->mmu->iomem, ROM_BASE, ROM_END,
			     "System ROM (BIOS)", IOMEM_DEVICE_IO,
			     IORESOURCE_BUSY, &rom_ops);
}

const struct chardev bios_rom_dev = {.probe = rom_probe};
