/* Local APIC timer and its calibration against PIT channel 2.  Register
 * offsets: Intel SDM vol. 3A, table 11-1; PIT: Intel 8254 data sheet. */
#include "timer.h"
#include "console.h"
#include "cpu.h"
#include "mmu.h"

#define APIC_BASE_X2APIC (1u << 10)
#define APIC_BASE_ENABLE (1u << 11)
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_PERIODIC (1u << 17)
#define LVT_MASKED (1u << 16)

#define PIT_HZ 1193182u
#define CALIBRATE_MS 10

uint64_t tsc_khz;
unsigned tick_hz;
static volatile uint32_t *lapic;

static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }
static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

static void pic_disable(void)
{
	/* Move the 8259s' vectors off the exceptions, then mask every line. */
	static const uint8_t init[][2] = {
		{ 0x20, 0x11 }, { 0xa0, 0x11 }, { 0x21, 0x20 }, { 0xa1, 0x28 },
		{ 0x21, 0x04 }, { 0xa1, 0x02 }, { 0x21, 0x01 }, { 0xa1, 0x01 },
		{ 0x21, 0xff }, { 0xa1, 0xff },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(init); i++)
		outb(init[i][0], init[i][1]);
}

/* Count LAPIC timer and TSC ticks over CALIBRATE_MS of PIT channel 2. */
static uint32_t calibrate(void)
{
	uint16_t count = PIT_HZ * CALIBRATE_MS / 1000;
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);     /* gate on, speaker off */
	outb(0x43, 0xb0);                           /* ch 2, lo/hi, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	uint8_t gate = inb(0x61) & ~0x01;
	outb(0x61, gate);                           /* restart the count */
	outb(0x61, gate | 0x01);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		;
	uint32_t elapsed = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
	tsc_khz = (rdtsc() - t0) / CALIBRATE_MS;
	lapic_write(LAPIC_TIMER_INIT, 0);
	return elapsed;
}

void timer_init(unsigned hz)
{
	pic_disable();
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if (base & APIC_BASE_X2APIC) {
		/* Firmware may hand over in x2APIC mode, where the MMIO page below
		 * is dead.  x2APIC to xAPIC must pass through disabled (Intel SDM
		 * vol. 3A, 11.12.5). */
		base &= ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE);
		wrmsr(MSR_APIC_BASE, base);
		kprintf("ipclab: the local APIC was in x2APIC mode: back in xAPIC mode\n");
	}
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = mmu_map_device(base & 0xfffff000, PAGE_SIZE);
	if (!lapic)
		panic("no room to map the local APIC");
	lapic_write(LAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_TIMER_DIV, 0x3);          /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
	uint64_t per_tick = (uint64_t)calibrate() * 1000 / (CALIBRATE_MS * hz);
	if (per_tick == 0 || per_tick > 0xffffffff)
		panic("the local APIC timer does not count");
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)per_tick);
	tick_hz = hz;
}

void timer_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}
