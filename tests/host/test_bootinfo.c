/* Host tests of the multiboot1/multiboot2 information parser (kernel/bootinfo.c).
 *
 * "Physical memory" is a set of regions, each its own heap block of exactly
 * its length, so ASan reports any read past one.  The phys callback maps
 * [pa, pa+len) to a host pointer only when it lies inside one region. */
/* test-links: kernel/bootinfo.c */
#include "check.h"
#include "bootinfo.h"

#include "fake_phys.h"
#include "isolated.h"

/* A NUL-terminated string in a region of exactly its size. */
static paddr_t str_at(paddr_t pa, const char *s)
{
	memcpy(region_new(pa, strlen(s) + 1), s, strlen(s) + 1);
	return pa;
}

#define CHECK_ISOLATED(fn, ms)                                                 \
	do {                                                                   \
		char why_[160];                                                \
		if (isolated(fn, ms, why_, sizeof(why_))) {                    \
			check_fail(__FILE__, __LINE__, "%s: %s", #fn, why_);   \
			return;                                                \
		}                                                              \
	} while (0)

/* ---- multiboot 1 ---- */

#define INFO1 0x9000ull
#define MMAP1 0x20000ull
#define MODS1 0x30000ull
#define STRS 0x40000ull

#define MB1_MEM (1u << 0)
#define MB1_CMDLINE (1u << 2)
#define MB1_MODS (1u << 3)
#define MB1_MMAP (1u << 6)

struct mb1 {
	uint32_t flags, mem_lower, mem_upper, cmdline, mods_count, mods_addr;
	uint32_t mmap_length, mmap_addr;
};

/* The fixed block the parser reads: exactly its 52 bytes. */
static void mb1_write(paddr_t pa, const struct mb1 *m)
{
	uint8_t *p = region_new(pa, 52);
	put(p, 0, m->flags, 4);
	put(p, 4, m->mem_lower, 4);
	put(p, 8, m->mem_upper, 4);
	put(p, 12, 0x8000ffff, 4);            /* boot_device */
	put(p, 16, m->cmdline, 4);
	put(p, 20, m->mods_count, 4);
	put(p, 24, m->mods_addr, 4);
	put(p, 44, m->mmap_length, 4);
	put(p, 48, m->mmap_addr, 4);
}

/* One memory map entry: size (not counting itself), base, length, type. */
static uint32_t mb1_mmap_entry(uint8_t *p, uint32_t off, uint32_t size, uint64_t base,
			       uint64_t len, uint32_t type)
{
	put(p, off, size, 4);
	put(p, off + 4, base, 8);
	put(p, off + 12, len, 8);
	put(p, off + 20, type, 4);
	return off + size + 4;
}

static void mb1_module(uint8_t *p, unsigned i, uint32_t start, uint32_t end, uint32_t cmdline)
{
	put(p, i * 16, start, 4);
	put(p, i * 16 + 4, end, 4);
	put(p, i * 16 + 8, cmdline, 4);
	put(p, i * 16 + 12, 0, 4);
}

static bool parse(uint32_t magic, paddr_t info, struct bootinfo *b)
{
	memset(b, 0xa5, sizeof(*b));           /* the parser must clear it */
	return bootinfo_parse(magic, info, phys, b);
}

static void mb1_mmap_ram_only_type_1(void)
{
	mem_reset();
	uint8_t *m = region_new(MMAP1, 6 * 24);
	uint32_t o = 0;
	o = mb1_mmap_entry(m, o, 20, 0, 0x9fc00, 1);
	o = mb1_mmap_entry(m, o, 20, 0x9fc00, 0x400, 2);
	o = mb1_mmap_entry(m, o, 20, 0xf0000, 0x10000, 2);
	o = mb1_mmap_entry(m, o, 20, 0x100000, 0x7ee0000, 1);
	o = mb1_mmap_entry(m, o, 20, 0x7fe0000, 0x20000, 3);     /* ACPI */
	o = mb1_mmap_entry(m, o, 20, 0x100000000ull, 0x80000000ull, 1);
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MMAP | MB1_MEM, .mem_upper = 12345,
					.mmap_length = o, .mmap_addr = MMAP1 });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_STREQ(b.loader, "multiboot1");
	CHECK_EQ(b.nranges, 3);
	CHECK_EQ(b.ram[0].base, 0);
	CHECK_EQ(b.ram[0].len, 0x9fc00);
	CHECK_EQ(b.ram[1].base, 0x100000);
	CHECK_EQ(b.ram[1].len, 0x7ee0000);
	CHECK_EQ(b.ram[2].base, 0x100000000ull);
	CHECK_EQ(b.ram[2].len, 0x80000000ull);
	CHECK_EQ(b.nmodules, 0);
	CHECK_EQ(b.dropped, 0);
	CHECK_STREQ(b.cmdline, "");
}

static void mb1_mmap_follows_entry_size(void)
{
	mem_reset();
	uint8_t *m = region_new(MMAP1, 28 + 24 + 32 + 24);
	uint32_t o = 0;
	o = mb1_mmap_entry(m, o, 24, 0x1000, 0x1000, 1);        /* 4 bytes of padding */
	o = mb1_mmap_entry(m, o, 20, 0x2000, 0x2000, 1);
	o = mb1_mmap_entry(m, o, 28, 0x5000, 0x3000, 1);
	o = mb1_mmap_entry(m, o, 20, 0x9000, 0x4000, 1);
	CHECK_EQ(o, 108);
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MMAP, .mmap_length = o, .mmap_addr = MMAP1 });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_EQ(b.nranges, 4);
	CHECK_EQ(b.ram[1].base, 0x2000);
	CHECK_EQ(b.ram[2].base, 0x5000);
	CHECK_EQ(b.ram[3].base, 0x9000);
	CHECK_EQ(b.ram[3].len, 0x4000);
}

static void mb1_mmap_partial_entry_ignored(void)
{
	mem_reset();
	uint8_t *m = region_new(MMAP1, 24 + 23);
	mb1_mmap_entry(m, 0, 20, 0x100000, 0x100000, 1);
	put(m, 24, 20, 4);                   /* a second entry cut short */
	put(m, 28, 0x300000, 8);
	put(m, 36, 0x100000, 8);
	put(m, 44, 1, 3);
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MMAP, .mmap_length = 47, .mmap_addr = MMAP1 });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_EQ(b.nranges, 1);
	CHECK_EQ(b.ram[0].base, 0x100000);
	/* An empty map is no RAM, but not an error. */
	mb1_write(INFO1 + 0x100, &(struct mb1){ .flags = MB1_MMAP, .mmap_length = 0, .mmap_addr = MMAP1 });
	CHECK(parse(MB1_BOOT_MAGIC, INFO1 + 0x100, &b));
	CHECK_EQ(b.nranges, 0);
}

static void mb1_mem_upper_fallback(void)
{
	mem_reset();
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MEM, .mem_lower = 639, .mem_upper = 130048 });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_EQ(b.nranges, 1);
	CHECK_EQ(b.ram[0].base, 0x100000);
	CHECK_EQ(b.ram[0].len, 130048ull * 1024);
	/* No 32-bit overflow for a large mem_upper (4 GiB - 1 KiB units). */
	mb1_write(INFO1 + 0x100, &(struct mb1){ .flags = MB1_MEM, .mem_upper = 0xffffffffu });
	CHECK(parse(MB1_BOOT_MAGIC, INFO1 + 0x100, &b));
	CHECK_EQ(b.ram[0].len, 0xffffffffull * 1024);
	/* Neither flag: no RAM at all, still a valid block. */
	mb1_write(INFO1 + 0x200, &(struct mb1){ .flags = 0, .mem_upper = 1000 });
	CHECK(parse(MB1_BOOT_MAGIC, INFO1 + 0x200, &b));
	CHECK_EQ(b.nranges, 0);
}

static void mb1_cmdline(void)
{
	mem_reset();
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_CMDLINE,
					.cmdline = str_at(STRS, "/boot/kernel.elf bench=ipc") });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_STREQ(b.cmdline, "/boot/kernel.elf bench=ipc");
	/* Without the flag the field is not looked at. */
	mb1_write(INFO1 + 0x100, &(struct mb1){ .flags = 0, .cmdline = STRS });
	CHECK(parse(MB1_BOOT_MAGIC, INFO1 + 0x100, &b));
	CHECK_STREQ(b.cmdline, "");
	/* Address 0 or unmapped: empty. */
	mb1_write(INFO1 + 0x200, &(struct mb1){ .flags = MB1_CMDLINE, .cmdline = 0 });
	CHECK(parse(MB1_BOOT_MAGIC, INFO1 + 0x200, &b));
	CHECK_STREQ(b.cmdline, "");
	mb1_write(INFO1 + 0x300, &(struct mb1){ .flags = MB1_CMDLINE, .cmdline = 0xdead000 });
	CHECK(parse(MB1_BOOT_MAGIC, INFO1 + 0x300, &b));
	CHECK_STREQ(b.cmdline, "");
}

static void mb1_cmdline_too_long(void)
{
	mem_reset();
	static char longer[BOOT_CMDLINE_MAX + 2];
	for (unsigned i = 0; i < sizeof(longer) - 1; i++)
		longer[i] = 'a' + i % 26;
	longer[sizeof(longer) - 1] = 0;
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_CMDLINE, .cmdline = str_at(STRS, longer) });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK(b.cmdline_too_long);                   /* the kernel refuses it: no silent cut */
	/* Exactly the limit, 4096 bytes or more, fits whole. */
	CHECK(BOOT_CMDLINE_MAX >= 4096);
	longer[BOOT_CMDLINE_MAX] = 0;
	mb1_write(INFO1 + 0x100, &(struct mb1){ .flags = MB1_CMDLINE,
						.cmdline = str_at(STRS + 0x2000, longer) });
	CHECK(parse(MB1_BOOT_MAGIC, INFO1 + 0x100, &b));
	CHECK(!b.cmdline_too_long);
	CHECK_STREQ(b.cmdline, longer);
}

static void mb1_modules(void)
{
	mem_reset();
	char longer[300];
	memset(longer, 'm', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	uint8_t *mods = region_new(MODS1, 4 * 16);
	mb1_module(mods, 0, 0x200000, 0x212345, str_at(STRS, "/boot/root.elf root"));
	mb1_module(mods, 1, 0x213000, 0x213000, 0);                  /* empty, no cmdline */
	mb1_module(mods, 2, 0x214000, 0x218000, str_at(STRS + 0x1000, longer));
	mb1_module(mods, 3, 0x218000, 0x219000, 0xdead000);          /* unmapped cmdline */
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MODS, .mods_count = 4, .mods_addr = MODS1 });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_EQ(b.nmodules, 4);
	CHECK_EQ(b.dropped, 0);
	CHECK_EQ(b.module[0].start, 0x200000);
	CHECK_EQ(b.module[0].end, 0x212345);
	CHECK_STREQ(b.module[0].cmdline, "/boot/root.elf root");
	CHECK_EQ(b.module[1].start, 0x213000);
	CHECK_EQ(b.module[1].end, 0x213000);
	CHECK_STREQ(b.module[1].cmdline, "");
	CHECK_EQ(strlen(b.module[2].cmdline), sizeof(b.module[2].cmdline) - 1);
	CHECK(!memcmp(b.module[2].cmdline, longer, sizeof(b.module[2].cmdline) - 1));
	CHECK_STREQ(b.module[3].cmdline, "");
	/* mods_count 0, or the flag clear: none. */
	mb1_write(INFO1 + 0x100, &(struct mb1){ .flags = MB1_MODS, .mods_count = 0, .mods_addr = MODS1 });
	CHECK(parse(MB1_BOOT_MAGIC, INFO1 + 0x100, &b));
	CHECK_EQ(b.nmodules, 0);
	mb1_write(INFO1 + 0x200, &(struct mb1){ .flags = 0, .mods_count = 4, .mods_addr = MODS1 });
	CHECK(parse(MB1_BOOT_MAGIC, INFO1 + 0x200, &b));
	CHECK_EQ(b.nmodules, 0);
}

static void mb1_module_end_before_start_dropped(void)
{
	mem_reset();
	uint8_t *mods = region_new(MODS1, 3 * 16);
	mb1_module(mods, 0, 0x300000, 0x2fffff, 0);
	mb1_module(mods, 1, 0x300000, 0x301000, 0);
	mb1_module(mods, 2, 0xffffffff, 0, 0);
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MODS, .mods_count = 3, .mods_addr = MODS1 });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_EQ(b.nmodules, 1);
	CHECK_EQ(b.module[0].start, 0x300000);
	CHECK_EQ(b.dropped, 0);
	CHECK_EQ(b.modules_dropped, 2);              /* the kernel refuses the boot */
	CHECK(b.dropped_bad_range);
}

static void mb1_too_many_modules(void)
{
	mem_reset();
	enum { N = BOOT_MAX_MODULES + 4 };
	uint8_t *mods = region_new(MODS1, N * 16);
	for (unsigned i = 0; i < N; i++) {
		char name[16];
		snprintf(name, sizeof(name), "mod%u", i);
		mb1_module(mods, i, 0x400000 + i * 0x1000, 0x400800 + i * 0x1000,
			   str_at(STRS + i * 0x100, name));
	}
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MODS, .mods_count = N, .mods_addr = MODS1 });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_EQ(b.nmodules, BOOT_MAX_MODULES);
	CHECK_EQ(BOOT_MAX_MODULES, 17);                  /* root and 16, as START_MODULES_MAX */
	CHECK_EQ(b.dropped, 0);
	CHECK_EQ(b.modules_dropped, 4);
	CHECK_STREQ(b.dropped_module, "mod17");          /* the first dropped, for the message */
	CHECK(!b.dropped_bad_range);
	CHECK_STREQ(b.module[BOOT_MAX_MODULES - 1].cmdline, "mod16");
	CHECK_EQ(b.module[BOOT_MAX_MODULES - 1].start, 0x400000 + 16 * 0x1000);
}

static void mb1_too_many_ranges(void)
{
	mem_reset();
	enum { N = BOOT_MAX_RANGES + 6 };
	uint8_t *m = region_new(MMAP1, (N + 1) * 24);
	uint32_t o = 0;
	for (unsigned i = 0; i < N; i++)
		o = mb1_mmap_entry(m, o, 20, 0x100000ull * (i + 1), 0x80000, 1);
	o = mb1_mmap_entry(m, o, 20, 0x200000000ull, 0x1000, 2);   /* reserved: not dropped */
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MMAP, .mmap_length = o, .mmap_addr = MMAP1 });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_EQ(b.nranges, BOOT_MAX_RANGES);
	CHECK_EQ(b.dropped, 6);
	CHECK_EQ(b.ram[BOOT_MAX_RANGES - 1].base, 0x100000ull * BOOT_MAX_RANGES);
}

static void mb1_info_block_recorded(void)
{
	mem_reset();
	mb1_write(INFO1, &(struct mb1){ .flags = 0 });
	struct bootinfo b;
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_EQ(b.info_start, INFO1);
	CHECK(b.info_end >= INFO1 + 52);
	CHECK(b.info_end <= INFO1 + 0x1000);
	CHECK_STREQ(b.loader, "multiboot1");
	CHECK_EQ(b.nranges, 0);
	CHECK_EQ(b.nmodules, 0);
	CHECK_EQ(b.dropped, 0);
}

static void mb1_unmapped_tables_refused(void)
{
	mem_reset();
	struct bootinfo b;
	/* The block itself. */
	CHECK(!parse(MB1_BOOT_MAGIC, 0x7000000, &b));
	/* A block cut short: only 40 of its 52 bytes exist. */
	region_new(0x8000, 40);
	CHECK(!parse(MB1_BOOT_MAGIC, 0x8000, &b));
	/* The memory map, wholly or partly outside memory. */
	region_new(MMAP1, 48);
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MMAP, .mmap_length = 48, .mmap_addr = 0x7000000 });
	CHECK(!parse(MB1_BOOT_MAGIC, INFO1, &b));
	mb1_write(INFO1 + 0x100, &(struct mb1){ .flags = MB1_MMAP, .mmap_length = 72, .mmap_addr = MMAP1 });
	CHECK(!parse(MB1_BOOT_MAGIC, INFO1 + 0x100, &b));
	/* The module list. */
	region_new(MODS1, 32);
	mb1_write(INFO1 + 0x200, &(struct mb1){ .flags = MB1_MODS, .mods_count = 3, .mods_addr = MODS1 });
	CHECK(!parse(MB1_BOOT_MAGIC, INFO1 + 0x200, &b));
	mb1_write(INFO1 + 0x300, &(struct mb1){ .flags = MB1_MODS, .mods_count = 0xffffffff,
						.mods_addr = MODS1 });
	CHECK(!parse(MB1_BOOT_MAGIC, INFO1 + 0x300, &b));
}

/* A map entry's size field is the loader's word: a huge one must neither
 * loop forever (size + 4 wrapping to 0) nor jump the cursor outside the map
 * (off wrapping past 2^32). */
static int mb1_mmap_size_wraps_to_zero(void)
{
	mem_reset();
	uint8_t *m = region_new(MMAP1, 48);
	mb1_mmap_entry(m, 0, 20, 0x100000, 0x100000, 1);
	mb1_mmap_entry(m, 24, 0xfffffffc, 0x200000, 0x100000, 1);   /* size + 4 == 0 */
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MMAP, .mmap_length = 48, .mmap_addr = MMAP1 });
	struct bootinfo b;
	bool ok = parse(MB1_BOOT_MAGIC, INFO1, &b);
	/* Either refused, or the first entry and nothing made up. */
	if (ok && (b.nranges > 2 || b.ram[0].base != 0x100000))
		return 10;
	return 0;
}

static int mb1_mmap_size_wraps_past_map(void)
{
	mem_reset();
	uint8_t *m = region_new(MMAP1, 48);
	mb1_mmap_entry(m, 0, 20, 0x100000, 0x100000, 1);
	/* off = 24 + 0xffffffd4 + 4 = 0xfffffff0: off + 24 wraps to 8 <= 48. */
	mb1_mmap_entry(m, 24, 0xffffffd4, 0x200000, 0x100000, 1);
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MMAP, .mmap_length = 48, .mmap_addr = MMAP1 });
	struct bootinfo b;
	bool ok = parse(MB1_BOOT_MAGIC, INFO1, &b);
	if (ok && (b.nranges > 2 || b.ram[0].base != 0x100000))
		return 10;
	return 0;
}

static void mb1_mmap_bad_entry_size(void)
{
	CHECK_ISOLATED(mb1_mmap_size_wraps_to_zero, 3000);
	CHECK_ISOLATED(mb1_mmap_size_wraps_past_map, 3000);
}

/* ---- multiboot 2 ---- */

#define INFO2 0x10000ull

static uint8_t blk[16384];
static uint32_t blen;

static void mb2_begin(void)
{
	memset(blk, 0, sizeof(blk));
	blen = 8;
}

/* A tag whose size field says `size`, followed by plen payload bytes, then
 * padding to 8 with 0xaa (which no field may be read from). */
static void mb2_tag_sized(uint32_t type, uint32_t size, const void *payload, uint32_t plen)
{
	put(blk, blen, type, 4);
	put(blk, blen + 4, size, 4);
	if (plen)
		memcpy(blk + blen + 8, payload, plen);
	blen += 8 + plen;
	while (blen % 8)
		blk[blen++] = 0xaa;
}

static void mb2_tag(uint32_t type, const void *payload, uint32_t plen)
{
	mb2_tag_sized(type, 8 + plen, payload, plen);
}

static void mb2_cmdline(const char *s)
{
	mb2_tag(1, s, strlen(s) + 1);
}

static void mb2_module(uint32_t start, uint32_t end, const char *cmd)
{
	uint8_t p[512];
	put(p, 0, start, 4);
	put(p, 4, end, 4);
	memcpy(p + 8, cmd, strlen(cmd) + 1);
	mb2_tag(3, p, 8 + strlen(cmd) + 1);
}

struct e820 { uint64_t base, len; uint32_t type; };

static void mb2_mmap(uint32_t entry_size, const struct e820 *e, unsigned n)
{
	static uint8_t p[8 + 64 * 200];
	memset(p, 0x77, sizeof(p));
	put(p, 0, entry_size, 4);
	put(p, 4, 0, 4);                      /* entry_version */
	for (unsigned i = 0; i < n; i++) {
		put(p, 8 + i * entry_size, e[i].base, 8);
		put(p, 16 + i * entry_size, e[i].len, 8);
		put(p, 24 + i * entry_size, e[i].type, 4);
		put(p, 28 + i * entry_size, 0, 4);
	}
	mb2_tag(6, p, 8 + n * entry_size);
}

static void mb2_end(void)
{
	mb2_tag(0, NULL, 0);
}

/* Put the block at pa in a region of exactly its size, its total field
 * saying `total`. */
static void mb2_place_total(paddr_t pa, uint32_t total)
{
	put(blk, 0, total, 4);
	put(blk, 4, 0, 4);
	memcpy(region_new(pa, blen), blk, blen);
}

static void mb2_place(paddr_t pa)
{
	mb2_place_total(pa, blen);
}

static const struct e820 std_map[] = {
	{ 0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7ee0000, 1 },
	{ 0x7fe0000, 0x20000, 3 },
	{ 0xfffc0000, 0x40000, 2 },
	{ 0x100000000ull, 0x40000000ull, 1 },
};

static void mb2_std_block(void)
{
	static const uint8_t meminfo[8] = { 0x7f, 0x02, 0, 0, 0x80, 0xfb, 0x01, 0 };
	static const uint8_t bootdev[12] = { 0xff, 0xff, 0xff, 0xff };
	mb2_begin();
	mb2_cmdline("console=ttyS0 bench=ipc");
	mb2_tag(2, "GRUB 2.06", 10);          /* boot loader name: not ours */
	mb2_module(0x200000, 0x212345, "/boot/root.elf root");
	mb2_module(0x213000, 0x21a000, "echo");
	mb2_tag(4, meminfo, sizeof(meminfo));
	mb2_tag(5, bootdev, sizeof(bootdev));
	mb2_mmap(24, std_map, ARRAY_SIZE(std_map));
	mb2_end();
}

static void mb2_full_block(void)
{
	mem_reset();
	mb2_std_block();
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK_STREQ(b.loader, "multiboot2");
	CHECK_EQ(b.info_start, INFO2);
	CHECK_EQ(b.info_end, INFO2 + blen);
	CHECK_STREQ(b.cmdline, "console=ttyS0 bench=ipc");
	CHECK_EQ(b.nranges, 3);
	CHECK_EQ(b.ram[0].base, 0);
	CHECK_EQ(b.ram[0].len, 0x9fc00);
	CHECK_EQ(b.ram[1].base, 0x100000);
	CHECK_EQ(b.ram[1].len, 0x7ee0000);
	CHECK_EQ(b.ram[2].base, 0x100000000ull);
	CHECK_EQ(b.ram[2].len, 0x40000000ull);
	CHECK_EQ(b.nmodules, 2);
	CHECK_EQ(b.module[0].start, 0x200000);
	CHECK_EQ(b.module[0].end, 0x212345);
	CHECK_STREQ(b.module[0].cmdline, "/boot/root.elf root");
	CHECK_EQ(b.module[1].start, 0x213000);
	CHECK_EQ(b.module[1].end, 0x21a000);
	CHECK_STREQ(b.module[1].cmdline, "echo");
	CHECK_EQ(b.dropped, 0);
}

static void mb2_mmap_follows_entry_size(void)
{
	mem_reset();
	mb2_begin();
	mb2_mmap(32, std_map, ARRAY_SIZE(std_map));     /* larger entries */
	mb2_end();
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK_EQ(b.nranges, 3);
	CHECK_EQ(b.ram[1].base, 0x100000);
	CHECK_EQ(b.ram[2].base, 0x100000000ull);
	CHECK_EQ(b.ram[2].len, 0x40000000ull);
	/* Entries smaller than the spec's 24 bytes: the map is ignored. */
	mb2_begin();
	mb2_mmap(16, std_map, 3);
	mb2_end();
	mb2_place(INFO2 + 0x1000);
	CHECK(parse(MB2_BOOT_MAGIC, INFO2 + 0x1000, &b));
	CHECK_EQ(b.nranges, 0);
	/* A trailing partial entry is not read. */
	mb2_begin();
	{
		uint8_t p[8 + 24 + 20];
		memset(p, 0, sizeof(p));
		put(p, 0, 24, 4);
		put(p, 8, 0x100000, 8);
		put(p, 16, 0x1000, 8);
		put(p, 24, 1, 4);
		put(p, 32, 0x200000, 8);
		put(p, 40, 0x1000, 8);
		put(p, 48, 1, 4);                /* the partial entry's type */
		mb2_tag(6, p, sizeof(p));
	}
	mb2_end();
	mb2_place(INFO2 + 0x2000);
	CHECK(parse(MB2_BOOT_MAGIC, INFO2 + 0x2000, &b));
	CHECK_EQ(b.nranges, 1);
	CHECK_EQ(b.ram[0].base, 0x100000);
	/* A map tag too short to hold its header is skipped. */
	mb2_begin();
	mb2_tag(6, "\x18\0\0\0", 4);
	mb2_end();
	mb2_place(INFO2 + 0x3000);
	CHECK(parse(MB2_BOOT_MAGIC, INFO2 + 0x3000, &b));
	CHECK_EQ(b.nranges, 0);
}

/* The entry size is the loader's word too: one near 2^32 must not make the
 * cursor wrap and read entries outside the tag. */
static int mb2_mmap_entry_size_wrap_at_block_end(void)
{
	mem_reset();
	mb2_begin();
	mb2_cmdline("x");
	mb2_tag(6, "\xf8\xff\xff\xff\0\0\0\0", 8);      /* entry_size 0xfffffff8, no entries */
	mb2_end();                                      /* the region ends 8 bytes later */
	mb2_place(INFO2);
	struct bootinfo b;
	parse(MB2_BOOT_MAGIC, INFO2, &b);
	return b.nranges ? 10 : 0;
}

static void mb2_mmap_huge_entry_size(void)
{
	mem_reset();
	mb2_begin();
	mb2_tag(6, "\xf8\xff\xff\xff\0\0\0\0", 8);      /* entry_size 0xfffffff8, no entries */
	/* The next tag's bytes, read as a map entry, would say "RAM". */
	uint8_t bait[16];
	memset(bait, 0, sizeof(bait));
	put(bait, 0, 0x1000, 4);
	put(bait, 8, 1, 4);
	mb2_tag(0x1000, bait, sizeof(bait));
	mb2_end();
	mb2_place(INFO2);
	struct bootinfo b;
	bool ok = parse(MB2_BOOT_MAGIC, INFO2, &b);
	if (ok)
		CHECK_EQ(b.nranges, 0);
	CHECK_ISOLATED(mb2_mmap_entry_size_wrap_at_block_end, 3000);
}

static void mb2_tag_smaller_than_header(void)
{
	static const uint32_t sizes[] = { 7, 4, 1, 0 };
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		mem_reset();
		mb2_begin();
		mb2_cmdline("before");
		mb2_tag_sized(0x1234, sizes[i], "\0\0\0\0\0\0\0\0", 8);
		mb2_end();
		mb2_place(INFO2);
		struct bootinfo b;
		CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
	}
	/* Even the end tag must be at least 8. */
	mem_reset();
	mb2_begin();
	mb2_tag_sized(0, 0, "\0\0\0\0\0\0\0\0", 8);
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
}

static void mb2_tag_overrunning_block(void)
{
	mem_reset();
	mb2_begin();
	mb2_cmdline("abc");
	mb2_tag_sized(1, 8 + 64, "long", 5);  /* says 72 bytes, 16 remain with the end tag */
	mb2_end();
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
	/* One byte too many. */
	mem_reset();
	mb2_begin();
	mb2_cmdline("abc");
	uint32_t at = blen;
	mb2_end();
	put(blk, at + 4, 9, 4);               /* end tag claims 9 of the 8 left */
	mb2_place(INFO2);
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
	/* A huge size. */
	mem_reset();
	mb2_begin();
	mb2_tag_sized(3, 0xffffffff, "\0\0\0\0\0\0\0\0", 8);
	mb2_end();
	mb2_place(INFO2);
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
}

static void mb2_missing_end_tag(void)
{
	mem_reset();
	mb2_begin();
	mb2_cmdline("no end");
	mb2_mmap(24, std_map, 2);
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
	/* An end tag beyond the total does not count. */
	mem_reset();
	mb2_begin();
	mb2_cmdline("end outside");
	uint32_t without = blen;
	mb2_end();
	mb2_place_total(INFO2, without);
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
	/* Nothing but the header (and too short for anything). */
	mem_reset();
	mb2_begin();
	mb2_place(INFO2);
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
}

static void mb2_total_size_checks(void)
{
	struct bootinfo b;
	/* total below 16 (header + end tag). */
	static const uint32_t small[] = { 0, 8, 12, 15 };
	for (unsigned i = 0; i < ARRAY_SIZE(small); i++) {
		mem_reset();
		mb2_begin();
		mb2_end();
		mb2_place_total(INFO2, small[i]);
		CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
	}
	/* Exactly 16 is the smallest valid block. */
	mem_reset();
	mb2_begin();
	mb2_end();
	mb2_place(INFO2);
	CHECK_EQ(blen, 16);
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK_EQ(b.nranges, 0);
	CHECK_EQ(b.nmodules, 0);
	CHECK_STREQ(b.cmdline, "");
	CHECK_EQ(b.info_end - b.info_start, 16);
	/* total larger than the memory that holds the block. */
	mem_reset();
	mb2_begin();
	mb2_cmdline("abc");
	mb2_end();
	mb2_place_total(INFO2, blen + 8);
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
	mem_reset();
	mb2_begin();
	mb2_end();
	mb2_place_total(INFO2, 0xffffffff);
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
	/* Not 8-byte aligned. */
	mem_reset();
	mb2_begin();
	mb2_end();
	mb2_place(INFO2 + 4);
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2 + 4, &b));
	/* Not in memory at all. */
	mem_reset();
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
	/* Only the first 4 bytes exist. */
	region_new(INFO2, 4);
	CHECK(!parse(MB2_BOOT_MAGIC, INFO2, &b));
}

static void mb2_tags_after_end_ignored(void)
{
	mem_reset();
	mb2_begin();
	mb2_cmdline("first");
	mb2_end();
	mb2_cmdline("after the end");
	mb2_module(0x200000, 0x201000, "ghost");
	mb2_tag_sized(7, 3, "", 0);           /* even a malformed one */
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK_STREQ(b.cmdline, "first");
	CHECK_EQ(b.nmodules, 0);
	CHECK_EQ(b.info_end, INFO2 + blen);
}

static void mb2_cmdline_bounded_by_tag(void)
{
	mem_reset();
	mb2_begin();
	mb2_tag(1, "no-nul", 6);              /* no terminator: padding is 0xaa */
	mb2_end();
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK_STREQ(b.cmdline, "no-nul");
	/* Empty tag. */
	mem_reset();
	mb2_begin();
	mb2_tag(1, NULL, 0);
	mb2_end();
	mb2_place(INFO2);
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK_STREQ(b.cmdline, "");
	/* Too long: refused, not cut. */
	static char longer[BOOT_CMDLINE_MAX + 2];
	for (unsigned i = 0; i < sizeof(longer) - 1; i++)
		longer[i] = '0' + i % 10;
	longer[sizeof(longer) - 1] = 0;
	mem_reset();
	mb2_begin();
	mb2_cmdline(longer);
	mb2_end();
	mb2_place(INFO2);
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK(b.cmdline_too_long);
	/* Exactly BOOT_CMDLINE_MAX bytes fit. */
	longer[BOOT_CMDLINE_MAX] = 0;
	mem_reset();
	mb2_begin();
	mb2_cmdline(longer);
	mb2_end();
	mb2_place(INFO2);
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK(!b.cmdline_too_long);
	CHECK_STREQ(b.cmdline, longer);
}

static void mb2_module_cmdlines(void)
{
	mem_reset();
	mb2_begin();
	mb2_tag(3, "\0\x10\0\0\0\x20\0\0", 8);              /* no cmdline bytes at all */
	mb2_tag(3, "\0\x20\0\0\0\x30\0\0abcdefg", 15);      /* unterminated */
	char longer[300];
	memset(longer, 'z', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	mb2_module(0x300000, 0x310000, longer);
	mb2_tag(3, "\0\0\0\0", 4);                          /* too short: skipped */
	mb2_module(0x400000, 0x3fffff, "backwards");        /* dropped */
	mb2_end();
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK_EQ(b.nmodules, 3);
	CHECK_EQ(b.dropped, 0);
	CHECK_EQ(b.modules_dropped, 1);
	CHECK(b.dropped_bad_range);
	CHECK_STREQ(b.dropped_module, "backwards");
	CHECK_EQ(b.module[0].start, 0x1000);
	CHECK_EQ(b.module[0].end, 0x2000);
	CHECK_STREQ(b.module[0].cmdline, "");
	CHECK_EQ(b.module[1].start, 0x2000);
	CHECK_STREQ(b.module[1].cmdline, "abcdefg");
	CHECK_EQ(strlen(b.module[2].cmdline), sizeof(b.module[2].cmdline) - 1);
	CHECK(!memcmp(b.module[2].cmdline, longer, sizeof(b.module[2].cmdline) - 1));
}

static void mb2_too_many_modules(void)
{
	mem_reset();
	mb2_begin();
	for (unsigned i = 0; i < BOOT_MAX_MODULES + 2; i++) {
		char name[16];
		snprintf(name, sizeof(name), "m%u", i);
		mb2_module(0x500000 + i * 0x1000, 0x501000 + i * 0x1000, name);
	}
	mb2_end();
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK_EQ(b.nmodules, BOOT_MAX_MODULES);
	CHECK_EQ(b.dropped, 0);
	CHECK_EQ(b.modules_dropped, 2);
	CHECK_STREQ(b.dropped_module, "m17");
	CHECK_STREQ(b.module[0].cmdline, "m0");
	CHECK_STREQ(b.module[BOOT_MAX_MODULES - 1].cmdline, "m16");
}

static void mb2_too_many_ranges(void)
{
	static struct e820 map[BOOT_MAX_RANGES + 10];
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct e820){ 0x100000ull * (i + 1), 0x80000, i % 2 ? 1 : 2 };
	/* 74 entries, 37 of them RAM; two maps give 74 RAM ranges. */
	mem_reset();
	mb2_begin();
	mb2_mmap(24, map, ARRAY_SIZE(map));
	mb2_mmap(24, map, ARRAY_SIZE(map));
	mb2_end();
	mb2_place(INFO2);
	struct bootinfo b;
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK_EQ(b.nranges, BOOT_MAX_RANGES);
	CHECK_EQ(b.dropped, 2 * (ARRAY_SIZE(map) / 2) - BOOT_MAX_RANGES);
}

static void unknown_magic_refused(void)
{
	mem_reset();
	mb2_std_block();
	mb2_place(INFO2);
	mb1_write(INFO1, &(struct mb1){ .flags = MB1_MEM, .mem_upper = 1024 });
	struct bootinfo b;
	static const uint32_t magics[] = { 0, 0x1BADB002, 0xE85250D6, 0x2BADB003,
					   0x36d76288, ~MB1_BOOT_MAGIC, 0xffffffff };
	for (unsigned i = 0; i < ARRAY_SIZE(magics); i++) {
		CHECK(!parse(magics[i], INFO2, &b));
		CHECK(!parse(magics[i], INFO1, &b));
	}
	/* The right magics work on these blocks... */
	CHECK(parse(MB2_BOOT_MAGIC, INFO2, &b));
	CHECK(parse(MB1_BOOT_MAGIC, INFO1, &b));
	CHECK_EQ(b.nranges, 1);
	/* ...and swapped, the other loader's block is refused or harmless. */
	CHECK(!parse(MB2_BOOT_MAGIC, INFO1, &b));    /* "total" = flags = 1 */
	if (parse(MB1_BOOT_MAGIC, INFO2, &b))
		CHECK(b.nranges <= BOOT_MAX_RANGES && b.nmodules <= BOOT_MAX_MODULES);
	/* Whatever the outcome, nothing stale is left behind. */
	CHECK(!parse(0, INFO2, &b));
	CHECK(b.loader == NULL);
	CHECK_EQ(b.nranges, 0);
	CHECK_EQ(b.nmodules, 0);
	CHECK_EQ(b.dropped, 0);
	CHECK_STREQ(b.cmdline, "");
}

/* ---- mutation fuzzing, under ASan, in a child (a crash or hang fails) ---- */

static bool sane(const struct bootinfo *b)
{
	if (b->nranges > BOOT_MAX_RANGES || b->nmodules > BOOT_MAX_MODULES)
		return false;
	if (strnlen(b->cmdline, sizeof(b->cmdline)) == sizeof(b->cmdline))
		return false;
	for (unsigned i = 0; i < b->nmodules; i++)
		if (strnlen(b->module[i].cmdline, sizeof(b->module[i].cmdline)) ==
			    sizeof(b->module[i].cmdline) ||
		    b->module[i].end < b->module[i].start)
			return false;
	return true;
}

static const uint32_t interesting[] = {
	0, 1, 7, 8, 15, 16, 23, 24, 0x7fffffff, 0x80000000u, 0xfffffff0u, 0xfffffff8u,
	0xfffffffcu, 0xffffffffu, 0x1000,
};

static void mutate(uint8_t *p, uint32_t len, uint64_t *seed, uint32_t skip)
{
	unsigned n = 1 + check_rand_below(seed, 4);
	for (unsigned k = 0; k < n; k++) {
		uint32_t at = skip + check_rand_below(seed, len - skip);
		if (check_rand_below(seed, 2)) {
			p[at] = (uint8_t)check_rand(seed);
		} else {
			at &= ~3u;
			if (at < skip || at + 4 > len)
				continue;
			put(p, at, interesting[check_rand_below(seed, ARRAY_SIZE(interesting))], 4);
		}
	}
}

static int mb2_fuzz_child(void)
{
	uint64_t seed = 0xfeedfacecafebeefull;
	mem_reset();
	mb2_std_block();
	uint32_t good = blen;
	static uint8_t orig[sizeof(blk)];
	put(blk, 0, good, 4);
	memcpy(orig, blk, good);
	for (unsigned iter = 0; iter < 20000; iter++) {
		mem_reset();
		memcpy(blk, orig, good);
		blen = good;
		mutate(blk, good, &seed, 0);
		uint8_t *r = region_new(INFO2, good);   /* exactly the block: overruns trap */
		memcpy(r, blk, good);
		struct bootinfo b;
		if (parse(MB2_BOOT_MAGIC, INFO2, &b) && !sane(&b))
			return 10;
	}
	mem_reset();
	return 0;
}

static void mb2_fuzz(void)
{
	CHECK_ISOLATED(mb2_fuzz_child, 20000);
}

static int mb1_fuzz_child(void)
{
	uint64_t seed = 0x0123456789abcdefull;
	static uint8_t info[52], map[6 * 24], mods[3 * 16];
	/* A valid block to mutate. */
	uint32_t o = 0;
	memset(map, 0, sizeof(map));
	for (unsigned i = 0; i < 6; i++)
		o = mb1_mmap_entry(map, o, 20, 0x100000ull * i, 0x80000, 1 + i % 2);
	for (unsigned i = 0; i < 3; i++)
		mb1_module(mods, i, 0x200000 + 0x1000 * i, 0x200800 + 0x1000 * i, STRS + 0x100 * i);
	memset(info, 0, sizeof(info));
	put(info, 0, MB1_MEM | MB1_CMDLINE | MB1_MODS | MB1_MMAP, 4);
	put(info, 8, 4096, 4);
	put(info, 16, STRS + 0x1000, 4);
	put(info, 20, 3, 4);
	put(info, 24, MODS1, 4);
	put(info, 44, sizeof(map), 4);
	put(info, 48, MMAP1, 4);
	for (unsigned iter = 0; iter < 20000; iter++) {
		mem_reset();
		uint8_t *pi = region_new(INFO1, sizeof(info));
		uint8_t *pm = region_new(MMAP1, sizeof(map));
		uint8_t *pd = region_new(MODS1, sizeof(mods));
		memcpy(pi, info, sizeof(info));
		memcpy(pm, map, sizeof(map));
		memcpy(pd, mods, sizeof(mods));
		for (unsigned i = 0; i < 3; i++)
			str_at(STRS + 0x100 * i, i == 1 ? "" : "module args");
		str_at(STRS + 0x1000, "kernel args");
		switch (check_rand_below(&seed, 3)) {
		case 0: mutate(pi, sizeof(info), &seed, 0); break;
		case 1: mutate(pm, sizeof(map), &seed, 0); break;
		default: mutate(pd, sizeof(mods), &seed, 0); break;
		}
		struct bootinfo b;
		if (parse(MB1_BOOT_MAGIC, INFO1, &b) && !sane(&b))
			return 10;
	}
	mem_reset();
	return 0;
}

static void mb1_fuzz(void)
{
	CHECK_ISOLATED(mb1_fuzz_child, 20000);
}

static const struct check_case cases[] = {
	CASE(mb1_mmap_ram_only_type_1),
	CASE(mb1_mmap_follows_entry_size),
	CASE(mb1_mmap_partial_entry_ignored),
	CASE(mb1_mem_upper_fallback),
	CASE(mb1_cmdline),
	CASE(mb1_cmdline_too_long),
	CASE(mb1_modules),
	CASE(mb1_module_end_before_start_dropped),
	CASE(mb1_too_many_modules),
	CASE(mb1_too_many_ranges),
	CASE(mb1_info_block_recorded),
	CASE(mb1_unmapped_tables_refused),
	CASE(mb1_mmap_bad_entry_size),
	CASE(mb2_full_block),
	CASE(mb2_mmap_follows_entry_size),
	CASE(mb2_mmap_huge_entry_size),
	CASE(mb2_tag_smaller_than_header),
	CASE(mb2_tag_overrunning_block),
	CASE(mb2_missing_end_tag),
	CASE(mb2_total_size_checks),
	CASE(mb2_tags_after_end_ignored),
	CASE(mb2_cmdline_bounded_by_tag),
	CASE(mb2_module_cmdlines),
	CASE(mb2_too_many_modules),
	CASE(mb2_too_many_ranges),
	CASE(unknown_magic_refused),
	CASE(mb2_fuzz),
	CASE(mb1_fuzz),
};

CHECK_MAIN(cases)
