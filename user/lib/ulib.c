/* The user runtime's C part. */
#include "ulib.h"
#include <ipclab/format.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	char *d = dst;
	while (n--)
		*d++ = (char)c;
	return dst;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
		if (!a[i])
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

struct print_buf {
	char *buf;
	size_t cap, n;
	bool console;              /* flush to the console when full */
};

static void print_out(void *ctx, const char *s, size_t n)
{
	struct print_buf *b = ctx;
	for (size_t i = 0; i < n; i++) {
		if (b->n + 1 >= b->cap) {
			if (!b->console)
				return;
			sys_console_write(SLOT_CONSOLE, b->buf, b->n);
			b->n = 0;
		}
		b->buf[b->n++] = s[i];
	}
}

int printf(const char *fmt, ...)
{
	char buf[512];
	struct print_buf b = { buf, sizeof(buf), 0, true };
	va_list ap;
	va_start(ap, fmt);
	format_v(print_out, &b, fmt, ap);
	va_end(ap);
	sys_console_write(SLOT_CONSOLE, buf, b.n);
	return (int)b.n;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct print_buf b = { buf, n, 0, false };
	format_v(print_out, &b, fmt, ap);
	if (n)
		buf[b.n] = 0;
	return (int)b.n;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

bool args_done(const struct args *a)
{
	if (a->bad)
		printf("%s\n", a->error);
	return !a->bad;
}

long thread_spawn(void (*fn)(uint64_t), uint64_t arg, uint64_t slot, uint64_t prio)
{
	static uint64_t next = THREAD_STACKS;
	uint64_t base = next;
	next += 0x10000;
	long err = sys_map(SLOT_MEMORY, SLOT_SELF, base, THREAD_STACK_PAGES, MAP_WRITE);
	/* rsp % 16 == 8 at a function's first instruction, as after a call. */
	return err ? err : sys_thread_create(SLOT_SELF, slot, (uint64_t)fn,
					     base + THREAD_STACK_PAGES * 4096 - 8, arg, prio);
}

void sort_u64(uint64_t *a, unsigned n)
{
	for (unsigned gap = n / 2; gap; gap /= 2)        /* Shell sort: small and iterative */
		for (unsigned i = gap; i < n; i++)
			for (unsigned j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
				uint64_t t = a[j];
				a[j] = a[j - gap];
				a[j - gap] = t;
			}
}

uint64_t isqrt_u64(uint64_t x)
{
	uint64_t r = 0;
	for (uint64_t bit = 1ull << 62; bit; bit >>= 2) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

const char *error_name(long err)
{
	static const char *const names[E_ERR_COUNT] = {
		[IPC_OK] = "no error",
		[E_INVAL] = "bad argument",
		[E_BADCAP] = "no such capability",
		[E_RIGHTS] = "missing rights",
		[E_FAULT] = "bad user pointer",
		[E_NOMEM] = "out of memory",
		[E_EXISTS] = "already in use",
		[E_NOSYS] = "no such system call",
		[E_BADELF] = "not a loadable program",
		[E_DEAD] = "partner or object gone",
		[E_TIMEOUT] = "timed out",
		[E_FULL] = "queue full",
		[E_TOOBIG] = "message too long",
	};
	return err >= 0 && err < E_ERR_COUNT && names[err] ? names[err] : "unknown error";
}

char *error_text(char *buf, size_t n, long err, const struct nomem_info *why)
{
	struct nomem_info last;
	if (err == E_NOMEM && !why) {
		last = sys_nomem_info();
		why = &last;
	}
	if (err != E_NOMEM || why->kind == NOMEM_NONE) {
		snprintf(buf, n, "%s (error %ld)", error_name(err), err);
	} else if (why->kind == NOMEM_BORROWED) {
		snprintf(buf, n, "out of memory (the space's table of borrowed mappings is full) "
			 "(error %ld)", err);
	} else if (why->kind == NOMEM_CONTIGUOUS) {
		snprintf(buf, n, "out of memory (contiguous frames): asked %lu KiB in one run, the "
			 "longest free run is %lu KiB (error %ld)", why->asked * 4, why->free * 4, err);
	} else {
		snprintf(buf, n, "out of memory (%s): asked %lu KiB, %lu KiB free (error %ld)",
			 why->kind == NOMEM_QUOTA ? "quota" : "frames", why->asked * 4,
			 why->free * 4, err);
	}
	return buf;
}
