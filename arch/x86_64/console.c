/* The console: COM1 (115200 8N1) and, for a real PC's screen, the VGA text
 * buffer.  Output only. */
#include "cpu.h"
#include "console.h"

#define COM1 0x3f8
#define VGA ((volatile uint16_t *)(KERNEL_VMA + 0xb8000))
#define VGA_COLS 80
#define VGA_ROWS 25

static unsigned vga_row, vga_col;

void console_init(void)
{
	outb(COM1 + 1, 0x00);   /* no interrupts */
	outb(COM1 + 3, 0x80);   /* divisor latch */
	outb(COM1 + 0, 0x01);   /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);   /* 8N1 */
	outb(COM1 + 2, 0xc7);   /* FIFO on, cleared */
	outb(COM1 + 4, 0x03);   /* DTR, RTS */
	for (unsigned i = 0; i < VGA_COLS * VGA_ROWS; i++)
		VGA[i] = 0x0700 | ' ';
}

static void serial_putc(char c)
{
	for (unsigned spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
		;
	outb(COM1, c);
}

static void vga_putc(char c)
{
	if (c == '\n' || vga_col == VGA_COLS) {
		vga_col = 0;
		if (++vga_row == VGA_ROWS) {
			for (unsigned i = 0; i < VGA_COLS * (VGA_ROWS - 1); i++)
				VGA[i] = VGA[i + VGA_COLS];
			for (unsigned i = 0; i < VGA_COLS; i++)
				VGA[(VGA_ROWS - 1) * VGA_COLS + i] = 0x0700 | ' ';
			vga_row = VGA_ROWS - 1;
		}
		if (c == '\n')
			return;
	}
	VGA[vga_row * VGA_COLS + vga_col++] = 0x0700 | (uint8_t)c;
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
		vga_putc(s[i]);
	}
}
