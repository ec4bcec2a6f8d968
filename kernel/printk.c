/* kprintf and panic.  Output is buffered per call so a line leaves in one
 * piece. */
#include "console.h"
#include "cpu.h"
#include <ipclab/abi.h>
#include <ipclab/format.h>

struct line_buf {
	char buf[256];
	size_t n;
};

static void buf_out(void *ctx, const char *s, size_t n)
{
	struct line_buf *b = ctx;
	for (size_t i = 0; i < n; i++) {
		if (b->n == sizeof(b->buf)) {
			console_write(b->buf, b->n);
			b->n = 0;
		}
		b->buf[b->n++] = s[i];
	}
}

void kprintf(const char *fmt, ...)
{
	struct line_buf b = { .n = 0 };
	va_list ap;
	va_start(ap, fmt);
	format_v(buf_out, &b, fmt, ap);
	va_end(ap);
	console_write(b.buf, b.n);
}

void panic(const char *fmt, ...)
{
	struct line_buf b = { .n = 0 };
	buf_out(&b, "ipclab: PANIC: ", 15);
	va_list ap;
	va_start(ap, fmt);
	format_v(buf_out, &b, fmt, ap);
	va_end(ap);
	buf_out(&b, "\n", 1);
	console_write(b.buf, b.n);
	arch_poweroff(EXIT_PANIC);
}
