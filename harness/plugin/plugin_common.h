/*
 * What the footprint and cycles plugins share: the region markers, the
 * kernel/user address rule, allocation that aborts on failure, and a
 * bounded text buffer for the report lines.  Header-only, so that each
 * plugin stays one .so built from one .c file.
 */
#ifndef IPCLAB_PLUGIN_COMMON_H
#define IPCLAB_PLUGIN_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define KERNEL_BASE 0xffff800000000000ull

/* Markers: 7-byte NOPs, `nopl 0x49500000+ID(%rax)` begins region ID and
 * `nopl 0x49510000+ID(%rax)` ends it (bytes 0f 1f 80 <ID lo> <ID hi> 50|51 49). */
#define MARKER_BEGIN 0x4950u
#define MARKER_END 0x4951u

static inline bool is_kernel(uint64_t addr)
{
	return addr >= KERNEL_BASE;
}

/* 0 if the instruction bytes are not a marker, else kind << 16 | id. */
static inline uintptr_t marker_of(const uint8_t *b, size_t size)
{
	if (size != 7 || b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x80)
		return 0;
	unsigned kind = (unsigned)b[5] | (unsigned)b[6] << 8;
	if (kind != MARKER_BEGIN && kind != MARKER_END)
		return 0;
	return (uintptr_t)kind << 16 | (unsigned)b[3] | (unsigned)b[4] << 8;
}

/* calloc that names the plugin and aborts when memory runs out. */
static inline void *plugin_calloc(const char *plugin, size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", plugin);
		abort();
	}
	return p;
}

/* Append to a fixed buffer; output that does not fit is cut, never overrun. */
struct buf {
	char text[2048];
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static inline void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (b->len < sizeof(b->text)) {
		int n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
		if (n > 0)
			b->len += (size_t)n;
	}
	va_end(ap);
}

#endif
