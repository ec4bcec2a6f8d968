/* Kernel output: the console device and a small printf. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "types.h"

void console_init(void);
void console_write(const char *s, size_t n);

/* printf subset: %s %c %d %u %x %p with l/ll, width and 0 padding. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
