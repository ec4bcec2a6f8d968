/* Counting the processors in the ACPI MADT (cpus.h). */
#include "cpus.h"

#define TABLE_MAX (1u << 20)           /* no MADT is near 1 MiB */
#define SDT_HEADER 36
#define MADT_ENTRIES 44                /* header, local APIC address, flags */

/* Little-endian fields read bytewise: the tables do not align them. */
static uint32_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

/* Do len bytes sum to 0 modulo 256, as every ACPI structure must? */
static bool sums_to_zero(const uint8_t *p, uint64_t len)
{
	uint8_t sum = 0;
	for (uint64_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/* Where the BIOS says its extended data area is (0 if it says nothing sane). */
static paddr_t ebda_base(boot_phys_fn phys)
{
	const uint8_t *bda = phys(0x40e, 2);
	paddr_t base = bda ? (paddr_t)get16(bda) << 4 : 0;
	return base >= 0x80000 && base < 0xa0000 ? base : 0;
}

/* The physical address of the 16-byte-aligned structure that starts with
 * sig and sums to zero over len bytes in [base, base + size), or 0. */
static paddr_t scan(boot_phys_fn phys, paddr_t base, uint64_t size, const char *sig,
		    uint64_t len)
{
	const uint8_t *area = phys(base, size);
	if (!area)
		return 0;
	for (uint64_t off = 0; off + len <= size; off += 16)
		if (!memcmp(area + off, sig, strlen(sig)) && sums_to_zero(area + off, len))
			return base + off;
	return 0;
}

/* scan() in the first KiB of the extended BIOS data area, then in [base, base + size). */
static paddr_t scan_bios(boot_phys_fn phys, paddr_t base, uint64_t size, const char *sig,
			 uint64_t len)
{
	paddr_t ebda = ebda_base(phys);
	paddr_t pa = ebda ? scan(phys, ebda, 1024, sig, len) : 0;
	return pa ? pa : scan(phys, base, size, sig, len);
}

/* Add one enabled processor to the list. */
static void add_cpu(struct cpu_list *out, uint32_t apic_id)
{
	if (out->n < CPUS_MAX)
		out->apic_id[out->n] = apic_id;
	out->n++;
}

/* The whole ACPI table at pa if it is sane and its signature is sig, else NULL. */
static const uint8_t *acpi_table(boot_phys_fn phys, paddr_t pa, const char *sig)
{
	const uint8_t *h = phys(pa, SDT_HEADER);
	if (!h || memcmp(h, sig, 4))
		return NULL;
	uint32_t len = get32(h + 4);
	if (len < SDT_HEADER || len > TABLE_MAX)
		return NULL;
	const uint8_t *t = phys(pa, len);
	return t && sums_to_zero(t, len) ? t : NULL;
}

/* The processors of a MADT; false (and problem) if an entry is malformed. */
static bool madt_walk(const uint8_t *madt, struct cpu_list *out)
{
	uint32_t len = get32(madt + 4);
	for (uint32_t off = MADT_ENTRIES; off < len;) {
		if (len - off < 2 || madt[off + 1] < 2 || madt[off + 1] > len - off) {
			out->problem = "ACPI MADT ignored: an entry overruns the table";
			return false;
		}
		const uint8_t *e = madt + off;
		if (e[0] == 0 && e[1] >= 8 && (get32(e + 4) & 1))       /* local APIC */
			add_cpu(out, e[3]);
		else if (e[0] == 9 && e[1] >= 16 && (get32(e + 8) & 1)) /* local x2APIC */
			add_cpu(out, get32(e + 4));
		off += e[1];
	}
	return true;
}

/* The MADT through the RSDP's XSDT (revision 2 on) or RSDT, or NULL. */
static const uint8_t *find_madt(boot_phys_fn phys)
{
	paddr_t rsdp_pa = scan_bios(phys, 0xe0000, 0x20000, "RSD PTR ", 20);
	const uint8_t *rsdp = rsdp_pa ? phys(rsdp_pa, 20) : NULL;
	if (!rsdp)
		return NULL;
	const uint8_t *sdt = NULL;
	unsigned entry = 4;
	if (rsdp[15] >= 2) {             /* the XSDT, if the longer RSDP is sound */
		const uint8_t *ext = phys(rsdp_pa, 36);
		uint32_t len = ext ? get32(ext + 20) : 0;
		ext = len >= 36 && len <= 1024 ? phys(rsdp_pa, len) : NULL;
		if (ext && sums_to_zero(ext, len) && get64(ext + 24)) {
			sdt = acpi_table(phys, get64(ext + 24), "XSDT");
			entry = 8;
		}
	}
	if (!sdt) {
		sdt = acpi_table(phys, get32(rsdp + 16), "RSDT");
		entry = 4;
	}
	if (!sdt)
		return NULL;
	uint32_t n = (get32(sdt + 4) - SDT_HEADER) / entry;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = sdt + SDT_HEADER + i * entry;
		const uint8_t *madt = acpi_table(phys, entry == 8 ? get64(e) : get32(e), "APIC");
		if (madt)
			return madt;
	}
	return NULL;
}

/* The MADT's processors, else none (cpus.h). */
void cpus_find(boot_phys_fn phys, struct cpu_list *out)
{
	*out = (struct cpu_list){ .source = NULL };
	const uint8_t *madt = find_madt(phys);
	if (madt && madt_walk(madt, out) && out->n) {
		out->source = "ACPI MADT";
		return;
	}
	if (madt && !out->problem)
		out->problem = "ACPI MADT ignored: it lists no enabled processor";
	out->n = 0;
}
