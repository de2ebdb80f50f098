/* The VGA text buffer: 80x25 cells at physical 0xB8000, two bytes each
 * (character, attribute).  It is device memory that behaves like RAM, so
 * it lives in the memfd and a /dev/mem mapping of it is a host alias like
 * any other: the classic first /dev/mem exercise writes characters there.
 * `memu run --vga` prints the screen when the guest ends. */
#include <string.h>

#include "device.h"
#include "vga.h"

static int vga_probe(struct device_context *ctx)
{
	if (iomem_request(&ctx->mmu->iomem, VGA_TEXT_BASE, VGA_TEXT_END,
			  "Video RAM (VGA text)", IOMEM_DEVICE_MEM,
			  IORESOURCE_BUSY, NULL))
		return -1;
	/* The text memory's MTRR entries are the device's (busy). */
	memrange_hold(&ctx->mmu->memrange, VGA_TEXT_BASE,
		      VGA_TEXT_END - VGA_TEXT_BASE, "vga");
	/* What the BIOS leaves: a blank screen, grey on black. */
	uint8_t *cells = phys_host(&ctx->mmu->phys, VGA_TEXT_BASE);
	for (int i = 0; i < VGA_COLS * VGA_ROWS; i++) {
		cells[2 * i] = ' ';
		cells[2 * i + 1] = 0x07;
	}
	return 0;
}

void vga_screen(struct mmu *m, char text[VGA_ROWS][VGA_COLS + 1])
{
	const uint8_t *cells = phys_host(&m->phys, VGA_TEXT_BASE);
	for (int r = 0; r < VGA_ROWS; r++) {
		for (int c = 0; c < VGA_COLS; c++) {
			uint8_t ch = cells[2 * (r * VGA_COLS + c)];
			text[r][c] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
		}
		text[r][VGA_COLS] = '\0';
	}
}

const struct chardev vga_dev = {.probe = vga_probe};
