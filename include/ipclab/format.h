/* One printf engine for kernel and user space: formats into a callback.
 * Supports %s %c %d %i %u %x %p %%, the l/ll/z length modifiers, a field
 * width, '0' padding and '-' for left alignment. */
#ifndef IPCLAB_FORMAT_H
#define IPCLAB_FORMAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef void (*format_out)(void *ctx, const char *s, size_t n);

static inline void format_pad(format_out out, void *ctx, char c, int n)
{
	while (n-- > 0)
		out(ctx, &c, 1);
}

static inline void format_num(format_out out, void *ctx, unsigned long long v, unsigned base,
			      int neg, int width, char pad, int left)
{
	char buf[24];
	int n = 0;
	do {
		buf[sizeof(buf) - 1 - n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		buf[sizeof(buf) - 1 - n++] = '-';
	if (!left)
		format_pad(out, ctx, pad, width - n);
	out(ctx, buf + sizeof(buf) - n, n);
	if (left)
		format_pad(out, ctx, ' ', width - n);
}

static inline void format_v(format_out out, void *ctx, const char *fmt, va_list ap)
{
	while (*fmt) {
		const char *lit = fmt;
		while (*fmt && *fmt != '%')
			fmt++;
		if (fmt != lit)
			out(ctx, lit, fmt - lit);
		if (!*fmt)
			break;
		fmt++;
		int left = 0, width = 0, lng = 0;
		char pad = ' ';
		if (*fmt == '-') {
			left = 1;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z')
			lng++, fmt++;
		char c = *fmt ? *fmt++ : 0;
		switch (c) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = 0;
			if (!s)
				s = "(null)";
			while (s[n])
				n++;
			if (!left)
				format_pad(out, ctx, ' ', width - (int)n);
			out(ctx, s, n);
			if (left)
				format_pad(out, ctx, ' ', width - (int)n);
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			out(ctx, &ch, 1);
			break;
		}
		case 'd':
		case 'i': {
			long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
			format_num(out, ctx, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10,
				   v < 0, width, pad, left);
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			format_num(out, ctx, v, c == 'x' ? 16 : 10, 0, width, pad, left);
			break;
		}
		case 'p':
			out(ctx, "0x", 2);
			format_num(out, ctx, (unsigned long long)va_arg(ap, void *), 16, 0, width, pad, left);
			break;
		case '%':
			out(ctx, "%", 1);
			break;
		default:
			out(ctx, "%?", 2);
			break;
		}
	}
}

/* Copy src (at most srclen bytes, up to its NUL) into dst (cap bytes,
 * NUL-terminated), each byte outside printable ASCII and each backslash
 * written as \xNN, so a console line shows what a user typed and nothing
 * it could be made to do.  Stops before an escape that would not fit;
 * returns the source bytes copied. */
static inline size_t format_escape(char *dst, size_t cap, const char *src, size_t srclen)
{
	size_t i = 0, n = 0;
	if (!cap)
		return 0;
	for (; i < srclen && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '\\';
		size_t need = plain ? 1 : 4;
		if (n + need >= cap)
			break;
		if (plain) {
			dst[n++] = (char)c;
		} else {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = "0123456789abcdef"[c >> 4];
			dst[n++] = "0123456789abcdef"[c & 15];
		}
	}
	dst[n] = 0;
	return i;
}

#endif
