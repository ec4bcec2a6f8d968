/* The I/O APIC, reached through its index/data window.  Register layout:
 * Intel 82093AA I/O APIC data sheet, section 3.  The redirection entries'
 * low words are kept here too, so masking and unmasking never read the
 * device (a read is an exit to the emulator under QEMU). */
#include "ioapic.h"
#include "cpu.h"
#include "mmu.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPICVER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))
#define RTE_MASKED (1u << 16)
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

static volatile uint32_t *ioapic;
static unsigned lines;
static uint32_t rte_low[IRQ_LINES_MAX];

static uint32_t ioapic_read(unsigned reg)
{
	ioapic[IOREGSEL / 4] = reg;
	return ioapic[IOWIN / 4];
}

static void ioapic_write(unsigned reg, uint32_t v)
{
	ioapic[IOREGSEL / 4] = reg;
	ioapic[IOWIN / 4] = v;
}

unsigned ioapic_init(void)
{
	ioapic = mmu_map_device(IOAPIC_PHYS, PAGE_SIZE);
	if (!ioapic)
		return 0;
	uint32_t ver = ioapic_read(IOAPICVER);
	if (ver == 0xffffffff)
		return 0;
	lines = MIN((ver >> 16 & 0xff) + 1, IRQ_LINES_MAX);
	for (unsigned g = 0; g < lines; g++) {
		rte_low[g] = RTE_MASKED | (IRQ_VECTOR_BASE + g);
		ioapic_write(IOREDTBL(g), rte_low[g]);
	}
	return lines;
}

unsigned ioapic_lines(void)
{
	return lines;
}

void ioapic_route(unsigned gsi, bool level, bool active_low)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	uint32_t apic_id = r[1] >> 24;              /* this CPU's, physical mode */
	rte_low[gsi] = RTE_MASKED | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0) |
		       (IRQ_VECTOR_BASE + gsi);
	ioapic_write(IOREDTBL(gsi) + 1, apic_id << 24);
	ioapic_write(IOREDTBL(gsi), rte_low[gsi]);
}

void ioapic_mask(unsigned gsi)
{
	rte_low[gsi] |= RTE_MASKED;
	ioapic_write(IOREDTBL(gsi), rte_low[gsi]);
}

void ioapic_unmask(unsigned gsi)
{
	rte_low[gsi] &= ~RTE_MASKED;
	ioapic_write(IOREDTBL(gsi), rte_low[gsi]);
}
