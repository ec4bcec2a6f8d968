/* Host tests of counting processors in the ACPI MADT
 * (kernel/cpus.c), on the physical memory model of fake_phys.h. */
/* test-links: kernel/cpus.c */
#include "check.h"
#include "cpus.h"

#include "fake_phys.h"
#include "isolated.h"

/* Set p[at] so that len bytes from p sum to zero. */
static void checksum(uint8_t *p, uint64_t len, uint64_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (uint64_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

/* ---- firmware builders ---- */

#define ROM 0xe0000ull
#define EBDA 0x9fc00ull
#define TABLES 0x7fe0000ull

static uint8_t *bda, *rom, *ebda;

/* The BIOS data area (EBDA segment, 640 KiB of base memory), the EBDA and
 * the ROM area, all empty. */
static void bios_new(void)
{
	mem_reset();
	bda = region_new(0x400, 0x100);
	put(bda, 0x0e, EBDA >> 4, 2);
	put(bda, 0x13, 640, 2);
	ebda = region_new(EBDA, 0x400);
	rom = region_new(ROM, 0x20000);
}

/* An RSDP at p (in the ROM or EBDA): revision 2 when xsdt is set. */
static void rsdp_at(uint8_t *p, uint32_t rsdt, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	p[15] = xsdt ? 2 : 0;
	put(p, 16, rsdt, 4);
	checksum(p, 20, 8);
	if (xsdt) {
		put(p, 20, 36, 4);
		put(p, 24, xsdt, 8);
		checksum(p, 36, 32);
	}
}

/* An ACPI table at pa with the body given, in a region of exactly its size. */
static uint8_t *sdt_new(paddr_t pa, const char *sig, const uint8_t *body, uint32_t n)
{
	uint8_t *t = region_new(pa, 36 + n);
	memcpy(t, sig, 4);
	put(t, 4, 36 + n, 4);
	memcpy(t + 36, body, n);
	checksum(t, 36 + n, 9);
	return t;
}

/* A MADT at pa: local APIC address and flags, then the entries given. */
static uint8_t *madt_new(paddr_t pa, const uint8_t *entries, uint32_t n)
{
	uint8_t body[1024] = { 0 };
	put(body, 0, 0xfee00000, 4);
	memcpy(body + 8, entries, n);
	return sdt_new(pa, "APIC", body, 8 + n);
}

/* An RSDT at pa listing the tables at the addresses given. */
static void rsdt_new(paddr_t pa, const paddr_t *tables, unsigned n)
{
	uint8_t body[64];
	for (unsigned i = 0; i < n; i++)
		put(body, 4 * i, tables[i], 4);
	sdt_new(pa, "RSDT", body, 4 * n);
}

/* A local APIC entry (type 0). */
static unsigned lapic(uint8_t *e, uint8_t apic_id, bool enabled)
{
	uint8_t v[8] = { 0, 8, apic_id, apic_id, enabled, 0, 0, 0 };
	memcpy(e, v, 8);
	return 8;
}

/* The usual firmware: RSDP in the ROM, an RSDT with a FACP and a MADT. */
static void acpi_std(const uint8_t *entries, uint32_t n)
{
	bios_new();
	rsdp_at(rom + 0x10, TABLES, 0);
	paddr_t tables[] = { TABLES + 0x100, TABLES + 0x200 };
	rsdt_new(TABLES, tables, 2);
	uint8_t facp[8] = { 0 };
	sdt_new(TABLES + 0x100, "FACP", facp, sizeof(facp));
	madt_new(TABLES + 0x200, entries, n);
}

static struct cpu_list found(void)
{
	struct cpu_list c;
	memset(&c, 0xa5, sizeof(c));
	cpus_find(phys, &c);
	return c;
}

/* ---- ACPI ---- */

static void madt_counts_enabled_cpus(void)
{
	uint8_t e[64];
	unsigned n = 0;
	n += lapic(e + n, 0, true);
	n += lapic(e + n, 1, true);
	n += lapic(e + n, 2, false);          /* present, not enabled: not counted */
	uint8_t ioapic[12] = { 1, 12, 0 };
	memcpy(e + n, ioapic, 12);
	n += 12;
	n += lapic(e + n, 6, true);
	acpi_std(e, n);
	struct cpu_list c = found();
	CHECK_STREQ(c.source, "ACPI MADT");
	CHECK(c.problem == NULL);
	CHECK_EQ(c.n, 3);
	CHECK_EQ(c.apic_id[0], 0);
	CHECK_EQ(c.apic_id[1], 1);
	CHECK_EQ(c.apic_id[2], 6);
}

static void madt_x2apic_entries(void)
{
	uint8_t e[32] = { 0 };
	unsigned n = lapic(e, 0, true);
	e[n] = 9;
	e[n + 1] = 16;
	put(e, n + 4, 300, 4);
	put(e, n + 8, 1, 4);
	n += 16;
	acpi_std(e, n);
	struct cpu_list c = found();
	CHECK_EQ(c.n, 2);
	CHECK_EQ(c.apic_id[1], 300);
}

static void rsdp_in_ebda(void)
{
	uint8_t e[16];
	unsigned n = lapic(e, 0, true);
	n += lapic(e + n, 1, true);
	acpi_std(e, n);
	memset(rom, 0, 0x40);                  /* no RSDP in the ROM ... */
	rsdp_at(ebda + 0x20, TABLES, 0);       /* ... but one in the EBDA */
	struct cpu_list c = found();
	CHECK_STREQ(c.source, "ACPI MADT");
	CHECK_EQ(c.n, 2);
}

static void xsdt_preferred(void)
{
	uint8_t e[16];
	unsigned n = lapic(e, 0, true);
	acpi_std(e, n);                        /* the RSDT's MADT: one CPU */
	n += lapic(e + n, 1, true);
	madt_new(TABLES + 0x300, e, n);        /* the XSDT's: two */
	uint8_t body[8];
	put(body, 0, TABLES + 0x300, 8);
	sdt_new(TABLES + 0x400, "XSDT", body, 8);
	rsdp_at(rom + 0x10, TABLES, TABLES + 0x400);
	CHECK_EQ(found().n, 2);
	rom[0x10 + 32]++;                      /* a broken extended checksum: the RSDT */
	CHECK_EQ(found().n, 1);
}

static void madt_entry_length_zero(void)
{
	uint8_t e[16];
	unsigned n = lapic(e, 0, true);
	e[n] = 0;
	e[n + 1] = 0;                          /* would loop for ever if trusted */
	n += 8;
	acpi_std(e, n);
	struct cpu_list c = found();
	CHECK(c.source == NULL);
	CHECK_EQ(c.n, 0);
	CHECK_STREQ(c.problem, "ACPI MADT ignored: an entry overruns the table");
}

static void madt_entry_overruns(void)
{
	uint8_t e[16];
	unsigned n = lapic(e, 0, true);
	n += lapic(e + n, 1, true);
	e[9] = 200;                            /* the second entry claims 200 bytes */
	acpi_std(e, n);
	struct cpu_list c = found();
	CHECK(c.source == NULL);
	CHECK(c.problem != NULL);
}

static void madt_bad_checksum_ignored(void)
{
	uint8_t e[8];
	acpi_std(e, lapic(e, 0, true));
	((uint8_t *)phys(TABLES + 0x200, 36))[9]++;
	struct cpu_list c = found();
	CHECK(c.source == NULL);
	CHECK_EQ(c.n, 0);
}

static void rsdt_lies_about_its_length(void)
{
	uint8_t e[8];
	acpi_std(e, lapic(e, 0, true));
	uint8_t *rsdt = (uint8_t *)phys(TABLES, 36);
	put(rsdt, 4, 0xffffffff, 4);
	CHECK(found().source == NULL);
	put(rsdt, 4, 3, 4);                    /* shorter than its header */
	CHECK(found().source == NULL);
}

static void rsdt_points_nowhere(void)
{
	uint8_t e[8];
	acpi_std(e, lapic(e, 0, true));
	rsdp_at(rom + 0x10, 0xdead0000, 0);
	CHECK(found().source == NULL);
	rsdp_at(rom + 0x10, 0xfffffffc, 0xfffffffffffffff0ull);
	CHECK(found().source == NULL);
}

static void more_cpus_than_kept(void)
{
	static uint8_t e[8 * 100];
	unsigned n = 0;
	for (unsigned i = 0; i < 100; i++)
		n += lapic(e + n, (uint8_t)i, true);
	bios_new();
	rsdp_at(rom + 0x10, TABLES, 0);
	uint8_t body[1024] = { 0 };
	memcpy(body + 8, e, n);
	sdt_new(TABLES + 0x1000, "APIC", body, 8 + n);
	paddr_t t = TABLES + 0x1000;
	rsdt_new(TABLES, &t, 1);
	struct cpu_list c = found();
	CHECK_EQ(c.n, 100);
	CHECK_EQ(c.apic_id[CPUS_MAX - 1], CPUS_MAX - 1);
}

static void no_tables(void)
{
	bios_new();
	struct cpu_list c = found();
	CHECK(c.source == NULL);
	CHECK(c.problem == NULL);
	CHECK_EQ(c.n, 0);
	mem_reset();                           /* not even a BIOS data area */
	CHECK(found().source == NULL);
}

/* ---- mutation fuzzing, under ASan, in a child (a crash or hang fails) ---- */

/* Flip random bytes of one table (checksum fixed up half the time, so the
 * parser gets past it) and parse: nothing may crash, hang or overrun. */
static int fuzz_child(void)
{
	uint64_t seed = 0x5eedc0de12345678ull;
	for (unsigned iter = 0; iter < 20000; iter++) {
		uint8_t e[32];
		unsigned n = lapic(e, 0, true);
		n += lapic(e + n, 1, true);
		n += lapic(e + n, 2, true);
		bios_new();
		rsdp_at(rom + 0x10, TABLES, 0);
		paddr_t t = TABLES + 0x200;
		rsdt_new(TABLES, &t, 1);
		madt_new(t, e, n);
		struct { uint8_t *p; uint32_t len, csum; } victims[] = {
			{ (uint8_t *)phys(t, 44 + n), 44 + n, 9 },
			{ (uint8_t *)phys(TABLES, 40), 40, 9 },
			{ rom + 0x10, 20, 8 },
		};
		unsigned v = check_rand_below(&seed, ARRAY_SIZE(victims));
		for (unsigned k = 1 + check_rand_below(&seed, 4); k; k--)
			victims[v].p[check_rand_below(&seed, victims[v].len)] = (uint8_t)check_rand(&seed);
		if (check_rand_below(&seed, 2))
			checksum(victims[v].p, victims[v].len, victims[v].csum);
		struct cpu_list c;
		cpus_find(phys, &c);
		if ((c.source == NULL) != (c.n == 0))
			return 10;
	}
	mem_reset();
	return 0;
}

static void fuzz(void)
{
	char why[160];
	if (isolated(fuzz_child, 20000, why, sizeof(why)))
		check_fail(__FILE__, __LINE__, "fuzz: %s", why);
}

static const struct check_case cases[] = {
	CASE(madt_counts_enabled_cpus),
	CASE(madt_x2apic_entries),
	CASE(rsdp_in_ebda),
	CASE(xsdt_preferred),
	CASE(madt_entry_length_zero),
	CASE(madt_entry_overruns),
	CASE(madt_bad_checksum_ignored),
	CASE(rsdt_lies_about_its_length),
	CASE(rsdt_points_nowhere),
	CASE(more_cpus_than_kept),
	CASE(no_tables),
	CASE(fuzz),
};

CHECK_MAIN(cases)
