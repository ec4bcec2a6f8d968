/* The user runtime: printing, strings, argument parsing, timing. */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include "args.h"
#include "syscall.h"
#include <stdarg.h>
#include <stdbool.h>

/* printf to the console (SLOT_CONSOLE); one system call per line at most. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* The first bad argument's one-line error, printed; true if none was bad. */
bool args_done(const struct args *a);

/* Start fn(arg) in a new thread of our own space at priority prio, its
 * capability in slot, on a fresh stack of THREAD_STACK_PAGES pages: each
 * call maps the next 64 KiB window from THREAD_STACKS up (never reused). */
#define THREAD_STACKS 0x20000000ul
#define THREAD_STACK_PAGES 4
long thread_spawn(void (*fn)(uint64_t), uint64_t arg, uint64_t slot, uint64_t prio);

/* Room for error_text's longest text. */
#define ERROR_TEXT_MAX 128
/* An error code in words: "out of memory", "no such capability", ... */
const char *error_name(long err);
/* An error for a person, words first: for E_NOMEM what ran short (why, or
 * this thread's last shortage when why is NULL), e.g. "out of memory (quota):
 * asked 812 KiB, 640 KiB free (error 5)"; else "bad argument (error 1)".
 * Returns buf. */
char *error_text(char *buf, size_t n, long err, const struct nomem_info *why);

/* Sort n numbers in place, ascending (for benchmark statistics). */
void sort_u64(uint64_t *a, unsigned n);
/* The integer square root: the largest r with r * r <= x. */
uint64_t isqrt_u64(uint64_t x);

static inline struct start_info *start_info(void) { return (struct start_info *)USER_START_INFO; }

static inline uint64_t tsc_begin(void)
{
	uint32_t lo, hi;
	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* The end of a timed region: the first lfence waits for the region's
 * instructions, the second keeps later ones out.  Not rdtscp: CPUs without
 * it (QEMU's qemu64) raise #UD, and choosing by CPUID would put a branch in
 * every timed region, which under icount moved the figures by 2 to 4
 * instructions; lfence (SSE2) the kernel checks for at boot. */
static inline uint64_t tsc_end(void)
{
	uint32_t lo, hi;
	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

#endif
