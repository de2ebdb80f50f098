/* The classic first /dev/mem exercise: map the VGA text buffer and write
 * characters to the screen (run it with `memu run --vga`). */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#define VGA_TEXT 0xB8000
#define COLS	 80

static void put(volatile unsigned char *screen, int row, int col, const char *s,
		unsigned char attr)
{
	for (int i = 0; s[i]; i++) {
		screen[2 * (row * COLS + col + i)] = (unsigned char)s[i];
		screen[2 * (row * COLS + col + i) + 1] = attr;
	}
}

int main(void)
{
	int fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0)
		return 1;
	volatile unsigned char *screen = mmap(
		NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, VGA_TEXT);
	if (screen == MAP_FAILED)
		return 2;
	put(screen, 0, 0, "Hello from /dev/mem", 0x1f);
	put(screen, 12, 30, "memu VGA text", 0x4e);
	put(screen, 24, 60, "bottom right", 0x07);
	return 0;
}
