/* CPU set-up: feature detection, GDT with the TSS, IDT, syscall MSRs, %gs. */
#include "cpu.h"
#include "iobitmap.h"

struct cpu_features cpu;

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct tss tss __attribute__((aligned(4096)));   /* rsp0 is also set by the IPC fast path;
                                                  * page-aligned for its alias (iobitmap.h) */
static struct idt_entry idt[256] ENTRY_DATA;
struct percpu percpu0 ENTRY_DATA;
static uint64_t double_fault_stack[512] ENTRY_DATA;


/* Null, kernel code, kernel data, user data, user code, then the 16-byte TSS
 * descriptor.  The user pair is in the order sysret expects (data, code). */
static uint64_t gdt[7] ENTRY_DATA = {
	0,
	0x00209a0000000000,   /* SEL_KCODE: 64-bit, ring 0 */
	0x0000920000000000,   /* SEL_KDATA */
	0x0000f20000000000,   /* SEL_UDATA: ring 3 */
	0x0020fa0000000000,   /* SEL_UCODE: 64-bit, ring 3 */
	0, 0,                 /* SEL_TSS, filled in at run time */
};

void cpu_detect(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	unsigned max_leaf = r[0];
	memcpy(cpu.vendor, &r[1], 4);
	memcpy(cpu.vendor + 4, &r[3], 4);
	memcpy(cpu.vendor + 8, &r[2], 4);
	cpuid(1, 0, r);
	cpu.pcid = r[2] >> 17 & 1;
	cpu.x2apic = r[2] >> 21 & 1;
	cpu.tsc_deadline = r[2] >> 24 & 1;
	cpu.hypervisor = r[2] >> 31 & 1;
	cpu.pge = r[3] >> 13 & 1;
	cpu.tsc = r[3] >> 4 & 1;
	cpu.apic = r[3] >> 9 & 1;
	cpu.sse2 = r[3] >> 26 & 1;
	if (max_leaf >= 7) {
		cpuid(7, 0, r);
		cpu.invpcid = r[1] >> 10 & 1;
	}
	if (max_leaf >= 10) {
		cpuid(10, 0, r);
		cpu.pmu_version = r[0] & 0xff;
		cpu.pmu_counters = r[0] >> 8 & 0xff;
	}
	cpuid(0x80000000, 0, r);
	unsigned max_ext = r[0];
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		cpu.syscall = r[3] >> 11 & 1;
		cpu.nx = r[3] >> 20 & 1;
		cpu.rdtscp = r[3] >> 27 & 1;
	}
	if (max_ext >= 0x80000004) {
		for (unsigned i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, r);
			memcpy(cpu.brand + 16 * i, r, 16);
		}
		char *b = cpu.brand;
		while (*b == ' ')
			b++;
		if (b != cpu.brand)
			memcpy(cpu.brand, b, strlen(b) + 1);
	}
	if (max_ext >= 0x80000007) {
		cpuid(0x80000007, 0, r);
		cpu.invariant_tsc = r[3] >> 8 & 1;
	}
}

/* The required features this CPU lacks, by name (cpu.h). */
const char *cpu_missing(void)
{
	/* Each has no fallback: the TSC is the only clock, the local APIC the
	 * only timer, lfence (SSE2) orders every TSC read, and syscall/sysret is
	 * the only way into the kernel.  boot.S checks for long mode itself. */
	static const struct {
		const bool *has;
		const char *name;
	} required[] = {
		{ &cpu.tsc, "tsc" }, { &cpu.apic, "apic" }, { &cpu.sse2, "sse2" },
		{ &cpu.syscall, "syscall" },
	};
	static char names[64];
	size_t n = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(required); i++) {
		if (*required[i].has)
			continue;
		size_t len = strlen(required[i].name);
		if (n)
			names[n++] = ' ';
		memcpy(names + n, required[i].name, len);
		n += len;
	}
	names[n] = 0;
	return names;
}

static void idt_set(unsigned vec, void *handler, unsigned dpl, unsigned ist)
{
	uint64_t a = (uint64_t)handler;
	idt[vec] = (struct idt_entry){
		.off_lo = a & 0xffff, .sel = SEL_KCODE, .ist = ist,
		.attr = 0x8e | dpl << 5,   /* present, 64-bit interrupt gate */
		.off_mid = a >> 16 & 0xffff, .off_hi = a >> 32,
	};
}

static void gdt_load(void)
{
	/* The CPU reads the TSS through its alias in the I/O-port window, so the
	 * bitmap after it is the current space's; the limit takes in the byte
	 * past the bitmap. */
	uint64_t base = IOWIN_BASE, limit = IOBITMAP_OFFSET + IOBITMAP_BYTES;
	gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		 (limit >> 16 & 0xf) << 48 | (base >> 24 & 0xff) << 56;
	gdt[6] = base >> 32;
	struct desc_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };
	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "lea 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1: mov %2, %%eax\n\t"
		     "mov %%eax, %%ds\n\t"
		     "mov %%eax, %%es\n\t"
		     "mov %%eax, %%ss\n\t"
		     "xor %%eax, %%eax\n\t"
		     "mov %%eax, %%fs\n\t"
		     "mov %%eax, %%gs\n\t"
		     "ltr %w3"
		     : : "m"(p), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"(SEL_TSS) : "rax", "memory");
}

void cpu_init(void)
{
	tss.iomap_base = IOBITMAP_OFFSET;        /* ports per space: iobitmap.h */
	tss.ist[0] = (uint64_t)(double_fault_stack + ARRAY_SIZE(double_fault_stack));
	if (CONFIG_KPTI_KPTI)
		tss.rsp[0] = (uint64_t)entry_stack_top;
	gdt_load();

	/* int3 may be used from user mode (#BP); a double fault gets its own stack. */
	for (unsigned v = 0; v < 256; v++)
		idt_set(v, trap_vectors + v * TRAP_STUB_SIZE, v == 3 ? 3 : 0, v == 8 ? 1 : 0);
	struct desc_ptr ip = { sizeof(idt) - 1, (uint64_t)idt };
	asm volatile("lidt %0" : : "m"(ip));

	/* The kernel's %gs points at the per-CPU block; user %gs starts at 0. */
	wrmsr(MSR_GS_BASE, (uint64_t)&percpu0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | (cpu.nx ? EFER_NXE : 0));
	/* sysret takes cs = STAR[63:48] + 16 and ss = STAR[63:48] + 8. */
	wrmsr(MSR_STAR, (uint64_t)(SEL_UDATA - 8) << 48 | (uint64_t)SEL_KCODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Clear IF, TF, DF, AC and NT on entry. */
	wrmsr(MSR_FMASK, 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000);
}

void arch_poweroff(unsigned code)
{
	/* isa-debug-exit: QEMU exits with status (code << 1) | 1.  A real PC
	 * ignores the port and halts, leaving the serial log and the screen. */
	outl(0xf4, code);
	cpu_halt_forever();
}
