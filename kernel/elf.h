/* Checking and loading static ELF64 user programs (pure logic, host-tested).
 * Layouts from the System V ABI (ELF-64 Object File Format, version 1.5). */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include "types.h"

#define ELF_MAX_SEGMENTS 16

#define ELF_SEG_WRITE 0x1u
#define ELF_SEG_EXEC  0x2u

struct elf_segment {
	vaddr_t vaddr;        /* where it starts (not necessarily page-aligned) */
	uint64_t memsz;       /* bytes in memory; the tail past filesz is zero */
	uint64_t offset;      /* where its bytes start in the image */
	uint64_t filesz;
	uint32_t flags;       /* ELF_SEG_ */
};

struct elf_program {
	vaddr_t entry;
	unsigned nsegments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

enum elf_status {
	ELF_OK = 0,
	ELF_TRUNCATED,        /* shorter than its headers say */
	ELF_NOT_ELF64,        /* bad magic, class, data or machine */
	ELF_NOT_EXEC,         /* not ET_EXEC */
	ELF_BAD_SEGMENT,      /* out of the image, of user space, or overflowing */
	ELF_OVERLAP,          /* two segments share a page */
	ELF_TOO_MANY,         /* more than ELF_MAX_SEGMENTS loadable segments */
	ELF_BAD_ENTRY,        /* entry point outside every executable segment */
};

/* Check an image and describe its loadable segments.  Every address must lie
 * in [user_lo, user_hi).  Never reads outside image[0, size). */
enum elf_status elf_parse(const void *image, uint64_t size, vaddr_t user_lo,
			  vaddr_t user_hi, struct elf_program *out);

/* The frames a parsed program's segments take, each rounded out to pages. */
uint64_t elf_program_pages(const struct elf_program *p);

/* A human-readable name for a status. */
const char *elf_status_name(enum elf_status s);

#endif
