#ifndef MEMU_DEVICES_VGA_H
#define MEMU_DEVICES_VGA_H

#include "../mmu/mmu.h"

#define VGA_TEXT_BASE 0xB8000ULL
#define VGA_TEXT_END  0xC0000ULL
#define VGA_COLS      80
#define VGA_ROWS      25

/* The screen as text: non-printable cells show as spaces. */
void vga_screen(struct mmu *m, char text[VGA_ROWS][VGA_COLS + 1]);

#endif
