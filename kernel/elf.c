/* ELF64 checking for boot modules: everything is validated before anything is
 * loaded, so a hostile image is refused with a reason and loads nothing. */
#include "elf.h"

struct elf64_ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

static const char *const names[] = {
	[ELF_OK] = "ok",
	[ELF_TRUNCATED] = "truncated image",
	[ELF_NOT_ELF64] = "not an x86_64 ELF64 file",
	[ELF_NOT_EXEC] = "not an executable",
	[ELF_BAD_SEGMENT] = "segment outside the image or user space",
	[ELF_OVERLAP] = "overlapping segments",
	[ELF_TOO_MANY] = "too many segments",
	[ELF_BAD_ENTRY] = "entry point not in an executable segment",
};

const char *elf_status_name(enum elf_status s)
{
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static enum elf_status check_header(const struct elf64_ehdr *h, uint64_t size)
{
	if (size < sizeof(*h))
		return ELF_TRUNCATED;
	if (memcmp(h->ident, "\177ELF", 4) || h->ident[4] != 2 || h->ident[5] != 1 ||
	    h->machine != EM_X86_64)
		return ELF_NOT_ELF64;
	if (h->type != ET_EXEC)
		return ELF_NOT_EXEC;
	if (h->phentsize != sizeof(struct elf64_phdr))
		return ELF_NOT_ELF64;
	if (h->phoff > size || (uint64_t)h->phnum * sizeof(struct elf64_phdr) > size - h->phoff)
		return ELF_TRUNCATED;
	return ELF_OK;
}

static enum elf_status check_segment(const struct elf64_phdr *ph, uint64_t size,
				     vaddr_t lo, vaddr_t hi)
{
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return ELF_TRUNCATED;
	if (ph->filesz > ph->memsz)
		return ELF_BAD_SEGMENT;
	if (ph->vaddr < lo || ph->vaddr >= hi || ph->memsz > hi - ph->vaddr)
		return ELF_BAD_SEGMENT;
	return ELF_OK;
}

/* Do two segments share a page? */
static bool pages_overlap(const struct elf_segment *a, const struct elf_segment *b)
{
	vaddr_t a0 = PAGE_ALIGN_DOWN(a->vaddr), a1 = PAGE_ALIGN_UP(a->vaddr + a->memsz);
	vaddr_t b0 = PAGE_ALIGN_DOWN(b->vaddr), b1 = PAGE_ALIGN_UP(b->vaddr + b->memsz);
	return a0 < b1 && b0 < a1;
}

enum elf_status elf_parse(const void *image, uint64_t size, vaddr_t user_lo,
			  vaddr_t user_hi, struct elf_program *out)
{
	const struct elf64_ehdr *h = image;
	enum elf_status st = check_header(h, size);
	if (st != ELF_OK)
		return st;

	out->entry = h->entry;
	out->nsegments = 0;
	bool entry_ok = false;
	for (unsigned i = 0; i < h->phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, (const char *)image + h->phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || (ph.memsz == 0 && ph.filesz == 0))
			continue;                    /* empty segments load nothing */
		if ((st = check_segment(&ph, size, user_lo, user_hi)) != ELF_OK)
			return st;
		if (out->nsegments == ELF_MAX_SEGMENTS)
			return ELF_TOO_MANY;
		struct elf_segment *s = &out->seg[out->nsegments];
		*s = (struct elf_segment){
			.vaddr = ph.vaddr, .memsz = ph.memsz, .offset = ph.offset,
			.filesz = ph.filesz,
			.flags = (ph.flags & PF_W ? ELF_SEG_WRITE : 0) | (ph.flags & PF_X ? ELF_SEG_EXEC : 0),
		};
		for (unsigned k = 0; k < out->nsegments; k++)
			if (pages_overlap(&out->seg[k], s))
				return ELF_OVERLAP;
		if ((s->flags & ELF_SEG_EXEC) && h->entry >= s->vaddr && h->entry - s->vaddr < s->memsz)
			entry_ok = true;
		out->nsegments++;
	}
	if (out->nsegments == 0)
		return ELF_BAD_SEGMENT;
	return entry_ok ? ELF_OK : ELF_BAD_ENTRY;
}

uint64_t elf_program_pages(const struct elf_program *p)
{
	uint64_t pages = 0;
	for (unsigned i = 0; i < p->nsegments; i++) {
		const struct elf_segment *seg = &p->seg[i];
		pages += (PAGE_ALIGN_UP(seg->vaddr + seg->memsz) - PAGE_ALIGN_DOWN(seg->vaddr)) /
			 PAGE_SIZE;
	}
	return pages;
}
