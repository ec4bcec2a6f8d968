/* What the boot loader told us, from multiboot1 or multiboot2, in one form.
 * Tag and field layouts: the Multiboot Specification 0.6.96 and 2.0. */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include "types.h"
#include <ipclab/abi.h>

#define MB1_BOOT_MAGIC 0x2BADB002u
#define MB2_BOOT_MAGIC 0x36d76289u
#define BOOT_MAX_RANGES 64
#define BOOT_MAX_MODULES (1 + START_MODULES_MAX)   /* the root task and its modules */
#define BOOT_CMDLINE_MAX (START_ARGS_MAX - 1)      /* bytes, without the NUL */

struct boot_range {
	paddr_t base;
	uint64_t len;
};

struct boot_module {
	paddr_t start, end;                /* [start, end) */
	char cmdline[256];                 /* "path name" or "name": see name_module */
};

struct bootinfo {
	const char *loader;               /* "multiboot1" or "multiboot2" */
	char cmdline[BOOT_CMDLINE_MAX + 1];
	bool cmdline_too_long;            /* longer than BOOT_CMDLINE_MAX: refuse to boot */
	unsigned nranges;                 /* usable RAM */
	struct boot_range ram[BOOT_MAX_RANGES];
	unsigned nmodules;
	struct boot_module module[BOOT_MAX_MODULES];
	paddr_t info_start, info_end;     /* the loader's own block, to keep free */
	unsigned dropped;                 /* RAM ranges beyond BOOT_MAX_RANGES */
	unsigned modules_dropped;         /* modules beyond BOOT_MAX_MODULES: refuse to boot */
	char dropped_module[256];         /* the first of them's command line */
	bool dropped_bad_range;           /* it ends before it starts (else: one too many) */
};

/* Reads physical memory through a function the caller provides. */
typedef const void *(*boot_phys_fn)(paddr_t pa, uint64_t len);

/* Parse the loader's block.  Returns false if magic names no known loader or
 * the block is malformed. */
bool bootinfo_parse(uint32_t magic, paddr_t info, boot_phys_fn phys, struct bootinfo *out);

#endif
