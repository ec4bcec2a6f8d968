/* Multiboot 1 and 2 information parsing (pure logic, host-tested). */
#include "bootinfo.h"

/* Copy the string src (at most max bytes) into dst (cap bytes with the NUL);
 * false if it was cut to fit. */
static bool copy_str(char *dst, size_t cap, const char *src, size_t max)
{
	size_t n = src ? strnlen(src, max < cap ? max : cap) : 0;
	bool fits = n < cap;
	if (!fits)
		n = cap - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = 0;
	return fits;
}

static void add_ram(struct bootinfo *b, uint64_t base, uint64_t len)
{
	if (b->nranges == BOOT_MAX_RANGES) {
		b->dropped++;
		return;
	}
	b->ram[b->nranges++] = (struct boot_range){ base, len };
}

/* One memory-map entry as both multiboot versions lay it out (base, length,
 * type; unaligned): kept if it is RAM (type 1). */
static void add_mmap_entry(struct bootinfo *b, const uint8_t *e)
{
	uint64_t base, len;
	uint32_t type;
	memcpy(&base, e, 8);
	memcpy(&len, e + 8, 8);
	memcpy(&type, e + 16, 4);
	if (type == 1)
		add_ram(b, base, len);
}

static void add_module(struct bootinfo *b, paddr_t start, paddr_t end, const char *cmd, size_t max)
{
	if (b->nmodules == BOOT_MAX_MODULES || end < start) {
		if (!b->modules_dropped++) {
			copy_str(b->dropped_module, sizeof(b->dropped_module), cmd, max);
			b->dropped_bad_range = end < start;
		}
		return;
	}
	struct boot_module *m = &b->module[b->nmodules++];
	m->start = start;
	m->end = end;
	copy_str(m->cmdline, sizeof(m->cmdline), cmd, max);
}

/* Multiboot 1: a fixed block with flags saying which fields are valid. */
struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4], mmap_length, mmap_addr;
};
struct mb1_module {
	uint32_t start, end, cmdline, reserved;
};

static bool parse_mb1(paddr_t info, boot_phys_fn phys, struct bootinfo *b)
{
	const struct mb1_info *mi = phys(info, sizeof(*mi));
	if (!mi)
		return false;
	b->loader = "multiboot1";
	b->info_start = info;
	b->info_end = info + sizeof(*mi);
	if (mi->flags & (1u << 2) && mi->cmdline)
		b->cmdline_too_long = !copy_str(b->cmdline, sizeof(b->cmdline), phys(mi->cmdline, 1),
						 BOOT_CMDLINE_MAX + 1);
	if (mi->flags & (1u << 6)) {
		const uint8_t *p = phys(mi->mmap_addr, mi->mmap_length);
		if (!p)
			return false;
		for (uint64_t off = 0; off + 24 <= mi->mmap_length;) {
			uint32_t size;
			memcpy(&size, p + off, 4);
			if (size < 20)                   /* base, length, type */
				return false;
			add_mmap_entry(b, p + off + 4);
			off += (uint64_t)size + 4;
		}
	} else if (mi->flags & 1u) {
		add_ram(b, 0x100000, (uint64_t)mi->mem_upper * 1024);
	}
	if (mi->flags & (1u << 3) && mi->mods_count) {
		const struct mb1_module *mod = phys(mi->mods_addr, mi->mods_count * sizeof(*mod));
		if (!mod)
			return false;
		for (uint32_t i = 0; i < mi->mods_count; i++)
			add_module(b, mod[i].start, mod[i].end,
				   mod[i].cmdline ? phys(mod[i].cmdline, 1) : NULL, 4096);
	}
	return true;
}

/* Multiboot 2: a size, then 8-byte-aligned tags up to an end tag. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6

static void parse_mb2_mmap(const uint8_t *t, uint32_t size, struct bootinfo *b)
{
	uint32_t entry_size;
	memcpy(&entry_size, t + 8, 4);
	if (entry_size < 24)
		return;
	for (uint64_t off = 16; off + entry_size <= size; off += entry_size)
		add_mmap_entry(b, t + off);
}

static bool parse_mb2(paddr_t info, boot_phys_fn phys, struct bootinfo *b)
{
	const uint32_t *hdr = phys(info, 8);
	if (!hdr)
		return false;
	uint32_t total = hdr[0];
	if (total < 16 || info % 8)
		return false;
	const uint8_t *p = phys(info, total);
	if (!p)
		return false;
	b->loader = "multiboot2";
	b->info_start = info;
	b->info_end = info + total;
	for (uint64_t off = 8; off + 8 <= total;) {
		uint32_t type, size;
		memcpy(&type, p + off, 4);
		memcpy(&size, p + off + 4, 4);
		if (size < 8 || size > total - off)
			return false;
		const uint8_t *t = p + off;
		if (type == MB2_TAG_END)
			return true;
		if (type == MB2_TAG_CMDLINE)
			b->cmdline_too_long = !copy_str(b->cmdline, sizeof(b->cmdline),
							 (const char *)t + 8, size - 8);
		else if (type == MB2_TAG_MMAP && size >= 16)
			parse_mb2_mmap(t, size, b);
		else if (type == MB2_TAG_MODULE && size >= 16) {
			uint32_t start, end;
			memcpy(&start, t + 8, 4);
			memcpy(&end, t + 12, 4);
			add_module(b, start, end, (const char *)t + 16, size - 16);
		}
		off += ((uint64_t)size + 7) & ~7ull;
	}
	return false;   /* no end tag */
}

bool bootinfo_parse(uint32_t magic, paddr_t info, boot_phys_fn phys, struct bootinfo *out)
{
	memset(out, 0, sizeof(*out));
	if (magic == MB1_BOOT_MAGIC)
		return parse_mb1(info, phys, out);
	if (magic == MB2_BOOT_MAGIC)
		return parse_mb2(info, phys, out);
	return false;
}
