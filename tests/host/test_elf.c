/* Host tests of the ELF64 checker (kernel/elf.c).  Images are composed in
 * memory byte by byte from the System V ABI layouts, independently of the
 * structures elf.c uses, and handed over in exactly-sized heap blocks so ASan
 * sees any read past their end. */
/* test-links: kernel/elf.c */
#include "check.h"
#include "elf.h"
#include <ipclab/abi.h>

#define LO USER_IMAGE_BASE
#define HI USER_TOP

#define EHDR_SIZE 64
#define PHDR_SIZE 56

#define PT_NULL 0
#define PT_LOAD 1
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474e551u
#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

struct seg {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz;
};

/* What to build.  Zero fields get sane defaults from spec_default(). */
struct spec {
	unsigned char ident[16];
	uint16_t type, machine, phentsize, phnum;
	uint64_t entry, phoff;
	unsigned nseg;
	struct seg seg[24];
	uint64_t size;        /* image size; 0 = end of the last segment's bytes */
};

static void put(uint8_t *p, uint64_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));   /* little-endian */
}

/* A valid two-segment program: text (R+X) and data+bss (R+W). */
static struct spec spec_default(void)
{
	struct spec s = {
		.ident = { 0x7f, 'E', 'L', 'F', 2, 1, 1 },
		.type = 2, .machine = 62, .phentsize = PHDR_SIZE, .phnum = 2,
		.entry = 0x400010, .phoff = EHDR_SIZE, .nseg = 2,
		.seg = {
			{ PT_LOAD, PF_R | PF_X, 0x1000, 0x400000, 0x200, 0x200 },
			{ PT_LOAD, PF_R | PF_W, 0x2000, 0x401000, 0x100, 0x3000 },
		},
	};
	return s;
}

/* Compose the image into a fresh heap block of exactly its size. */
static uint8_t *build(const struct spec *s, uint64_t *size_out)
{
	uint64_t size = s->size;
	if (!size) {
		size = s->phoff + (uint64_t)s->nseg * PHDR_SIZE;
		for (unsigned i = 0; i < s->nseg; i++)
			if (s->seg[i].type == PT_LOAD && s->seg[i].filesz &&
			    s->seg[i].offset + s->seg[i].filesz > size)
				size = s->seg[i].offset + s->seg[i].filesz;
	}
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		abort();
	/* Recognisable filler for segment contents. */
	for (uint64_t i = 0; i < size; i++)
		p[i] = (uint8_t)(0xc3 ^ i);
	if (size >= EHDR_SIZE) {
		memcpy(p, s->ident, 16);
		put(p, 16, s->type, 2);
		put(p, 18, s->machine, 2);
		put(p, 20, 1, 4);                     /* e_version */
		put(p, 24, s->entry, 8);
		put(p, 32, s->phoff, 8);
		put(p, 40, 0, 8);                     /* e_shoff */
		put(p, 48, 0, 4);                     /* e_flags */
		put(p, 52, EHDR_SIZE, 2);
		put(p, 54, s->phentsize, 2);
		put(p, 56, s->phnum, 2);
		put(p, 58, 64, 2);                    /* e_shentsize */
		put(p, 60, 0, 2);
		put(p, 62, 0, 2);
	}
	for (unsigned i = 0; i < s->nseg; i++) {
		uint64_t o = s->phoff + (uint64_t)i * PHDR_SIZE;
		if (o + PHDR_SIZE > size)
			break;
		const struct seg *g = &s->seg[i];
		put(p, o + 0, g->type, 4);
		put(p, o + 4, g->flags, 4);
		put(p, o + 8, g->offset, 8);
		put(p, o + 16, g->vaddr, 8);
		put(p, o + 24, g->vaddr, 8);          /* p_paddr */
		put(p, o + 32, g->filesz, 8);
		put(p, o + 40, g->memsz, 8);
		put(p, o + 48, PAGE_SIZE, 8);         /* p_align */
	}
	*size_out = size;
	return p;
}

/* Build, parse within [lo, hi), free; the status. */
static enum elf_status parse_in(const struct spec *s, vaddr_t lo, vaddr_t hi,
				struct elf_program *out)
{
	uint64_t size;
	uint8_t *img = build(s, &size);
	struct elf_program tmp;
	enum elf_status st = elf_parse(img, size, lo, hi, out ? out : &tmp);
	free(img);
	return st;
}

static enum elf_status parse(const struct spec *s)
{
	return parse_in(s, LO, HI, NULL);
}

/* n PT_LOAD segments, one page each, a page apart, the first executable. */
static struct spec spec_many(unsigned n)
{
	struct spec s = spec_default();
	s.nseg = s.phnum = n;
	uint64_t data = PAGE_ALIGN_UP(EHDR_SIZE + n * PHDR_SIZE);
	for (unsigned i = 0; i < n; i++)
		s.seg[i] = (struct seg){ PT_LOAD, i ? PF_R : PF_R | PF_X, data + i * 0x100,
					 0x400000 + i * 0x2000ull, 0x100, 0x1000 };
	s.entry = 0x400000;
	return s;
}

static void valid_image_parses(void)
{
	struct spec s = spec_default();
	struct elf_program prog;
	memset(&prog, 0xee, sizeof(prog));
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(prog.entry, 0x400010);
	CHECK_EQ(prog.nsegments, 2);
	CHECK_EQ(prog.seg[0].vaddr, 0x400000);
	CHECK_EQ(prog.seg[0].memsz, 0x200);
	CHECK_EQ(prog.seg[0].offset, 0x1000);
	CHECK_EQ(prog.seg[0].filesz, 0x200);
	CHECK_EQ(prog.seg[0].flags, ELF_SEG_EXEC);
	CHECK_EQ(prog.seg[1].vaddr, 0x401000);
	CHECK_EQ(prog.seg[1].memsz, 0x3000);
	CHECK_EQ(prog.seg[1].offset, 0x2000);
	CHECK_EQ(prog.seg[1].filesz, 0x100);
	CHECK_EQ(prog.seg[1].flags, ELF_SEG_WRITE);
}

static void segment_flags_translated(void)
{
	static const struct { uint32_t pf, want; } t[] = {
		{ PF_R, 0 },
		{ PF_R | PF_W, ELF_SEG_WRITE },
		{ PF_R | PF_X, ELF_SEG_EXEC },
		{ PF_R | PF_W | PF_X, ELF_SEG_WRITE | ELF_SEG_EXEC },
		{ PF_X, ELF_SEG_EXEC },
		{ 0xfffffff0u | PF_W, ELF_SEG_WRITE },    /* OS/processor bits ignored */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct spec s = spec_default();
		s.seg[1].flags = t[i].pf;
		s.entry = 0x400000;
		struct elf_program prog;
		CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
		CHECK_EQ(prog.seg[1].flags, t[i].want);
	}
}

static void non_load_segments_ignored(void)
{
	struct spec s = spec_default();
	/* Garbage values in non-PT_LOAD headers must not matter. */
	s.seg[2] = (struct seg){ PT_NOTE, PF_R, 0xffffffffffff0000ull, 1, 0xffffffff, 0 };
	s.seg[3] = (struct seg){ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0 };
	s.seg[4] = (struct seg){ PT_NULL, 0, UINT64_MAX, UINT64_MAX, UINT64_MAX, 1 };
	s.nseg = s.phnum = 5;
	struct elf_program prog;
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(prog.nsegments, 2);
	CHECK_EQ(prog.seg[1].vaddr, 0x401000);
}

static void unaligned_phoff_ok(void)
{
	/* Program headers need not be aligned: elf.c must copy, not cast. */
	struct spec s = spec_default();
	s.phoff = EHDR_SIZE + 3;
	struct elf_program prog;
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(prog.nsegments, 2);
	CHECK_EQ(prog.seg[1].memsz, 0x3000);
}

/* Every proper prefix of a valid image is refused as truncated, and never
 * read past (the prefix is copied to a block of exactly its length). */
static void truncated_at_every_length(void)
{
	struct spec s = spec_default();
	uint64_t size;
	uint8_t *full = build(&s, &size);
	struct elf_program prog;
	enum elf_status st = elf_parse(full, size, LO, HI, &prog);
	if (st != ELF_OK)
		free(full);
	CHECK_EQ(st, ELF_OK);
	for (uint64_t len = 0; len < size; len++) {
		uint8_t *cut = malloc(len ? len : 1);
		if (!cut)
			abort();
		memcpy(cut, full, len);
		st = elf_parse(cut, len, LO, HI, &prog);
		free(cut);
		if (st != ELF_TRUNCATED) {
			free(full);
			check_fail(__FILE__, __LINE__, "prefix of %llu/%llu bytes: %s (%d), want %s",
				   (unsigned long long)len, (unsigned long long)size,
				   elf_status_name(st), st, elf_status_name(ELF_TRUNCATED));
			return;
		}
	}
	free(full);
}

/* Truncation of an image with many headers, a page at a time and around the
 * header table's end: never OK, never out of bounds. */
static void truncated_many_segments(void)
{
	struct spec s = spec_many(16);
	uint64_t size;
	uint8_t *full = build(&s, &size);
	struct elf_program prog;
	enum elf_status st = elf_parse(full, size, LO, HI, &prog);
	if (st != ELF_OK || prog.nsegments != 16)
		free(full);
	CHECK_EQ(st, ELF_OK);
	CHECK_EQ(prog.nsegments, 16);
	for (uint64_t len = 0; len < size; len++) {
		uint8_t *cut = malloc(len ? len : 1);
		if (!cut)
			abort();
		memcpy(cut, full, len);
		st = elf_parse(cut, len, LO, HI, &prog);
		free(cut);
		if (st == ELF_OK) {
			free(full);
			check_fail(__FILE__, __LINE__, "prefix of %llu/%llu bytes parsed OK",
				   (unsigned long long)len, (unsigned long long)size);
			return;
		}
	}
	free(full);
}

static void wrong_magic_refused(void)
{
	for (unsigned i = 0; i < 4; i++) {
		struct spec s = spec_default();
		s.ident[i] ^= 0x20;
		CHECK_EQ(parse(&s), ELF_NOT_ELF64);
	}
}

static void wrong_class_data_machine_refused(void)
{
	struct spec s = spec_default();
	s.ident[4] = 1;                     /* ELFCLASS32 */
	CHECK_EQ(parse(&s), ELF_NOT_ELF64);
	s = spec_default();
	s.ident[4] = 0;
	CHECK_EQ(parse(&s), ELF_NOT_ELF64);
	s = spec_default();
	s.ident[5] = 2;                     /* big-endian */
	CHECK_EQ(parse(&s), ELF_NOT_ELF64);
	s = spec_default();
	s.machine = 3;                      /* EM_386 */
	CHECK_EQ(parse(&s), ELF_NOT_ELF64);
	s = spec_default();
	s.machine = 183;                    /* EM_AARCH64 */
	CHECK_EQ(parse(&s), ELF_NOT_ELF64);
	s = spec_default();
	s.phentsize = 32;                   /* not an Elf64_Phdr */
	CHECK_EQ(parse(&s), ELF_NOT_ELF64);
	s = spec_default();
	s.phentsize = PHDR_SIZE + 8;
	CHECK_EQ(parse(&s), ELF_NOT_ELF64);
}

static void not_executable_refused(void)
{
	static const uint16_t types[] = { 0, 1, 3, 4, 0xfe00, 0xffff };  /* NONE REL DYN CORE OS PROC */
	for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
		struct spec s = spec_default();
		s.type = types[i];
		CHECK_EQ(parse(&s), ELF_NOT_EXEC);
	}
}

static void header_table_out_of_image(void)
{
	struct spec s = spec_default();
	s.phnum = 0xffff;                   /* 0xffff * 56 bytes: far past the end */
	CHECK_EQ(parse(&s), ELF_TRUNCATED);
	s = spec_default();
	s.phoff = UINT64_MAX - 8;           /* phoff + phnum * 56 wraps */
	s.nseg = 0;
	s.size = 0x3000;
	CHECK_EQ(parse(&s), ELF_TRUNCATED);
	s.phoff = UINT64_MAX;
	CHECK_EQ(parse(&s), ELF_TRUNCATED);
	s.phoff = 0x3000 - PHDR_SIZE + 1;   /* last header one byte short */
	s.phnum = 1;
	CHECK_EQ(parse(&s), ELF_TRUNCATED);
	s.phoff = 0x3001;
	s.phnum = 0;                        /* past the end, even with no headers */
	CHECK_EQ(parse(&s), ELF_TRUNCATED);
}

static void no_loadable_segment_refused(void)
{
	struct spec s = spec_default();
	s.phnum = 0;
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	s = spec_default();
	s.seg[0].type = PT_NOTE;
	s.seg[1].type = PT_NOTE;
	s.size = 0x3000;
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
}

static void segment_past_image_end(void)
{
	struct spec s = spec_default();
	uint64_t size = 0x2100;             /* what the default image needs */
	s.size = size;
	s.seg[1].filesz = 0x101;            /* one byte past the end */
	CHECK_EQ(parse(&s), ELF_TRUNCATED);
	s.seg[1].filesz = 0;
	s.seg[1].offset = size + 1;         /* starts past the end */
	CHECK_EQ(parse(&s), ELF_TRUNCATED);
	s.seg[1].offset = size;             /* empty and exactly at the end: fine */
	CHECK_EQ(parse(&s), ELF_OK);
	s.seg[1].offset = UINT64_MAX - 0x10;  /* offset + filesz wraps */
	s.seg[1].filesz = 0x100;
	CHECK_EQ(parse(&s), ELF_TRUNCATED);
	s.seg[1].offset = 0x10;
	s.seg[1].filesz = UINT64_MAX - 0x8;
	s.seg[1].memsz = UINT64_MAX;
	CHECK_EQ(parse(&s), ELF_TRUNCATED);
}

static void filesz_above_memsz_refused(void)
{
	struct spec s = spec_default();
	s.seg[1].memsz = s.seg[1].filesz - 1;
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	s.seg[1].memsz = s.seg[1].filesz;   /* equal is fine */
	CHECK_EQ(parse(&s), ELF_OK);
	s = spec_default();
	s.seg[1].filesz = 1;
	s.seg[1].memsz = 0;
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
}

/* A PT_LOAD with nothing in it (filesz = memsz = 0) loads nothing: it is
 * skipped whatever its other fields say, and does not count. */
static void empty_load_segments_skipped(void)
{
	struct spec s = spec_default();
	s.seg[2] = (struct seg){ PT_LOAD, PF_R | PF_X, UINT64_MAX, 0xffffffff80000000ull, 0, 0 };
	s.seg[3] = (struct seg){ PT_LOAD, PF_R, 0, 0x400000, 0, 0 };   /* "overlaps" text */
	s.nseg = s.phnum = 4;
	struct elf_program prog;
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(prog.nsegments, 2);
	/* An entry inside an empty executable segment is still no entry. */
	s.seg[2].vaddr = 0x500000;
	s.entry = 0x500000;
	CHECK_EQ(parse(&s), ELF_BAD_ENTRY);
	/* Only empty loadable segments: nothing to run. */
	s = spec_default();
	s.seg[0].filesz = s.seg[0].memsz = 0;
	s.seg[1].filesz = s.seg[1].memsz = 0;
	s.size = 0x3000;
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	/* They do not count towards the limit. */
	s = spec_many(ELF_MAX_SEGMENTS + 3);
	s.seg[2].filesz = s.seg[2].memsz = 0;
	s.seg[5].filesz = s.seg[5].memsz = 0;
	s.seg[ELF_MAX_SEGMENTS + 2].filesz = s.seg[ELF_MAX_SEGMENTS + 2].memsz = 0;
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(prog.nsegments, ELF_MAX_SEGMENTS);
}

static void vaddr_outside_user_range(void)
{
	struct spec s = spec_default();
	s.seg[1].vaddr = LO - 0x1000;       /* below */
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	s.seg[1].vaddr = 0;
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	s.seg[1].vaddr = HI;                /* at the top */
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	s.seg[1].vaddr = 0xffffffff80000000ull;   /* kernel space */
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	s.seg[1].vaddr = HI - 0x2000;       /* 0x3000 bytes cross the top */
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	s.seg[1].vaddr = HI - 0x3000;       /* ends exactly at the top: fine */
	CHECK_EQ(parse(&s), ELF_OK);
	/* The range given is the one used. */
	s = spec_default();
	CHECK_EQ(parse_in(&s, 0x400001, HI, NULL), ELF_BAD_SEGMENT);
	CHECK_EQ(parse_in(&s, LO, 0x403fff, NULL), ELF_BAD_SEGMENT);
	CHECK_EQ(parse_in(&s, LO, 0x404000, NULL), ELF_OK);
	CHECK_EQ(parse_in(&s, 0x500000, 0x400000, NULL), ELF_BAD_SEGMENT);  /* empty */
}

static void vaddr_plus_memsz_overflow(void)
{
	struct spec s = spec_default();
	s.seg[1].memsz = UINT64_MAX - 0x401000 + 1 + 0x1000;   /* wraps to 0x1000 */
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	s.seg[1].memsz = UINT64_MAX;
	CHECK_EQ(parse(&s), ELF_BAD_SEGMENT);
	/* Even with the whole address space allowed. */
	s = spec_default();
	s.seg[1].vaddr = 0xfffffffffffff000ull;
	s.seg[1].memsz = 0x2000;
	CHECK_EQ(parse_in(&s, LO, UINT64_MAX, NULL), ELF_BAD_SEGMENT);
}

static void segments_sharing_a_page_overlap(void)
{
	struct spec s = spec_default();
	s.seg[0].memsz = 0x800;
	s.seg[0].filesz = 0x200;
	s.seg[1].vaddr = 0x400800;          /* same page, disjoint bytes */
	s.seg[1].memsz = 0x100;
	CHECK_EQ(parse(&s), ELF_OVERLAP);
	/* The other order too. */
	struct seg t = s.seg[0];
	s.seg[0] = s.seg[1];
	s.seg[1] = t;
	CHECK_EQ(parse(&s), ELF_OVERLAP);
	/* One byte into the next page. */
	s = spec_default();
	s.seg[0].memsz = 0x1001;
	s.seg[1].vaddr = 0x401fff;
	s.seg[1].filesz = 0x10;
	s.seg[1].memsz = 0x10;
	CHECK_EQ(parse(&s), ELF_OVERLAP);
	/* Identical segments. */
	s = spec_default();
	s.seg[1] = s.seg[0];
	CHECK_EQ(parse(&s), ELF_OVERLAP);
	/* A later segment inside an earlier big one. */
	s = spec_default();
	s.seg[1].memsz = 0x10000;
	s.seg[2] = (struct seg){ PT_LOAD, PF_R, 0x1000, 0x408000, 0x10, 0x10 };
	s.nseg = s.phnum = 3;
	CHECK_EQ(parse(&s), ELF_OVERLAP);
}

static void adjacent_pages_do_not_overlap(void)
{
	struct spec s = spec_default();
	s.seg[0].memsz = 0x1000;            /* ends exactly where the next begins */
	s.seg[1].vaddr = 0x401000;
	CHECK_EQ(parse(&s), ELF_OK);
	/* Unaligned starts on different pages. */
	s = spec_default();
	s.seg[0].vaddr = 0x400ff0;
	s.seg[0].filesz = 0x10;
	s.seg[0].memsz = 0x10;
	s.entry = 0x400ff0;
	s.seg[1].vaddr = 0x401010;
	CHECK_EQ(parse(&s), ELF_OK);
}

static void entry_outside_exec_segment(void)
{
	struct spec s = spec_default();
	s.entry = 0x401000;                 /* in the writable data segment */
	CHECK_EQ(parse(&s), ELF_BAD_ENTRY);
	s.entry = 0x400200;                 /* one past the text */
	CHECK_EQ(parse(&s), ELF_BAD_ENTRY);
	s.entry = 0x3fffff;                 /* one before */
	CHECK_EQ(parse(&s), ELF_BAD_ENTRY);
	s.entry = 0;
	CHECK_EQ(parse(&s), ELF_BAD_ENTRY);
	s.entry = UINT64_MAX;
	CHECK_EQ(parse(&s), ELF_BAD_ENTRY);
	s.entry = 0x4001ff;                 /* last byte of the text */
	CHECK_EQ(parse(&s), ELF_OK);
	s.entry = 0x400000;                 /* first byte */
	CHECK_EQ(parse(&s), ELF_OK);
	/* No executable segment at all. */
	s = spec_default();
	s.seg[0].flags = PF_R;
	s.entry = 0x400000;
	CHECK_EQ(parse(&s), ELF_BAD_ENTRY);
	/* Entry in the zero-filled tail of an executable segment is allowed. */
	s = spec_default();
	s.seg[0].memsz = 0x800;
	s.entry = 0x400700;
	CHECK_EQ(parse(&s), ELF_OK);
}

static void segment_count_limit(void)
{
	struct spec s = spec_many(ELF_MAX_SEGMENTS);
	struct elf_program prog;
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(prog.nsegments, ELF_MAX_SEGMENTS);
	CHECK_EQ(prog.seg[ELF_MAX_SEGMENTS - 1].vaddr, 0x400000 + (ELF_MAX_SEGMENTS - 1) * 0x2000ull);
	s = spec_many(ELF_MAX_SEGMENTS + 1);
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_TOO_MANY);
	s = spec_many(24);
	CHECK_EQ(parse(&s), ELF_TOO_MANY);
	/* Non-loadable headers do not count. */
	s = spec_many(ELF_MAX_SEGMENTS + 2);
	s.seg[3].type = PT_NOTE;
	s.seg[9].type = PT_GNU_STACK;
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(prog.nsegments, ELF_MAX_SEGMENTS);
}

/* Pages each segment touches, rounded out: the default's text is one page,
 * its data+bss at 0x401000 + 0x3000 three. */
static void program_pages_rounded_out(void)
{
	struct spec s = spec_default();
	struct elf_program prog;
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(elf_program_pages(&prog), 4);
	/* An unaligned start and end touch one page more each side. */
	s.seg[1].vaddr = 0x401ff0;
	s.seg[1].offset = 0x2ff0;
	s.seg[1].memsz = 0x1020;
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(elf_program_pages(&prog), 1 + 3);
}

/* A bss of 1 TiB parses (it fits user space) and counts 2^28 pages: the
 * loader compares that with the memory, and refuses it, by its size. */
static void program_pages_of_a_huge_bss(void)
{
	struct spec s = spec_default();
	s.seg[1].memsz = 1ull << 40;
	struct elf_program prog;
	CHECK_EQ(parse_in(&s, LO, HI, &prog), ELF_OK);
	CHECK_EQ(elf_program_pages(&prog), 1 + (1ull << 28));
	struct elf_program none = { .nsegments = 0 };
	CHECK_EQ(elf_program_pages(&none), 0);
}

static void status_names(void)
{
	for (int a = ELF_OK; a <= ELF_BAD_ENTRY; a++) {
		const char *na = elf_status_name((enum elf_status)a);
		CHECK(na);
		CHECK(strcmp(na, "?"));
		for (int b = ELF_OK; b < a; b++)
			CHECK(strcmp(na, elf_status_name((enum elf_status)b)));
	}
	CHECK_STREQ(elf_status_name(ELF_OK), "ok");
	CHECK_STREQ(elf_status_name((enum elf_status)(ELF_BAD_ENTRY + 1)), "?");
	CHECK_STREQ(elf_status_name((enum elf_status)-1), "?");
}

static const struct check_case cases[] = {
	CASE(valid_image_parses),
	CASE(segment_flags_translated),
	CASE(non_load_segments_ignored),
	CASE(unaligned_phoff_ok),
	CASE(truncated_at_every_length),
	CASE(truncated_many_segments),
	CASE(wrong_magic_refused),
	CASE(wrong_class_data_machine_refused),
	CASE(not_executable_refused),
	CASE(header_table_out_of_image),
	CASE(no_loadable_segment_refused),
	CASE(segment_past_image_end),
	CASE(filesz_above_memsz_refused),
	CASE(empty_load_segments_skipped),
	CASE(vaddr_outside_user_range),
	CASE(vaddr_plus_memsz_overflow),
	CASE(segments_sharing_a_page_overlap),
	CASE(adjacent_pages_do_not_overlap),
	CASE(entry_outside_exec_segment),
	CASE(segment_count_limit),
	CASE(program_pages_rounded_out),
	CASE(program_pages_of_a_huge_bss),
	CASE(status_names),
};

CHECK_MAIN(cases)
