/* Boot: from the loader's hand-over to the root task's first instruction. */
#include "kernel.h"
#include "bootinfo.h"
#include "cpus.h"
#include "frame.h"
#include "mmu.h"
#include "timer.h"
#include "device.h"
#include <commit.h>
#include <ipclab/format.h>
#include <ipclab/result.h>

extern char kernel_phys_start[], kernel_end[];

static struct bootinfo boot;
static struct kobj console_obj = { OBJ_CONSOLE, 1 };
static struct kobj machine_obj = { OBJ_MACHINE, 1 };
static struct memory memory_obj = { .obj = { OBJ_MEMORY, 1 } };
static struct module modules[BOOT_MAX_MODULES];
static uint64_t ram_bytes;               /* what the loader reported */

/* Until mmu_init the boot tables map the first GiB at KERNEL_VMA. */
static const void *boot_phys(paddr_t pa, uint64_t len)
{
	if (pa >= (1ull << 30) || len > (1ull << 30) - pa)
		return NULL;
	return (const void *)(KERNEL_VMA + pa);
}

void poweroff(bool pass)
{
	kprintf("ipclab: power off (%s)\n", pass ? "pass" : "fail");
	arch_poweroff(pass ? EXIT_PASS : EXIT_FAIL);
}

static void print_banner(void)
{
	kprintf(BANNER_PREFIX "%s (%s)\n", CONFIG_NAME, CONFIG_AXES);
	/* The same bytes in every build (layout): the tail is or is not printed. */
	kprintf("ipclab: built from commit %s%s\n", BUILD_COMMIT,
		&" with changes"[BUILD_CHANGED ? 0 : sizeof(" with changes") - 1]);
	kprintf("ipclab: cpu %s \"%s\": pcid=%s invpcid=%s pge=%s nx=%s rdtscp=%s x2apic=%s "
		"invariant-tsc=%s hypervisor=%s pmu=",
		cpu.vendor, cpu.brand, cpu.pcid ? "yes" : "no", cpu.invpcid ? "yes" : "no",
		cpu.pge ? "yes" : "no", cpu.nx ? "yes" : "no", cpu.rdtscp ? "yes" : "no",
		cpu.x2apic ? "yes" : "no", cpu.invariant_tsc ? "yes" : "no",
		cpu.hypervisor ? "yes" : "no");
	if (cpu.pmu_version)
		kprintf("v%u/%u-counters\n", cpu.pmu_version, cpu.pmu_counters);
	else
		kprintf("absent\n");
	kprintf("ipclab: address spaces: KPTI %s; PCID %s\n",
		CONFIG_KPTI_KPTI ? "on (user tables map only the entry trampoline)" : "off",
		mmu_pcid_state());
}

/* Reads the firmware's tables through the physmap, which covers [0, 4 GiB). */
static const void *physmap_phys(paddr_t pa, uint64_t len)
{
	if (pa >= PHYSMAP_LIMIT || len > PHYSMAP_LIMIT - pa)
		return NULL;
	return phys_to_virt(pa);
}

/* Say how many CPUs the firmware lists and which of them ipclab leaves unused. */
static void print_cpus(void)
{
	static struct cpu_list cpus;
	cpus_find(physmap_phys, &cpus);
	uint32_t r[4];
	cpuid(1, 0, r);
	uint32_t self = r[1] >> 24;
	if (!cpus.source) {
		kprintf("ipclab: cpu count unknown (no usable ACPI MADT%s%s), "
			"running on apic id %u\n", cpus.problem ? ": " : "",
			cpus.problem ? cpus.problem : "", self);
		return;
	}
	kprintf("ipclab: %u cpu%s (%s), running on apic id %u", cpus.n, cpus.n == 1 ? "" : "s",
		cpus.source, self);
	const char *sep = "; unused: apic ids ";
	for (unsigned i = 0; i < MIN(cpus.n, CPUS_MAX); i++) {
		if (cpus.apic_id[i] == self)
			continue;
		kprintf("%s%u", sep, cpus.apic_id[i]);
		sep = " ";
	}
	if (cpus.n > CPUS_MAX)
		kprintf(" and %u more", cpus.n - CPUS_MAX);
	kprintf("%s%s\n", cpus.problem ? "; " : "", cpus.problem ? cpus.problem : "");
}

/* Hand the loader's free RAM to the frame pool, keeping what is in use. */
static void setup_memory(void)
{
	memory_init();
	uint64_t total = 0;
	for (unsigned i = 0; i < boot.nranges; i++) {
		frame_pool_add(&kernel_frames, boot.ram[i].base, boot.ram[i].len);
		total += boot.ram[i].len;
	}
	frame_pool_reserve(&kernel_frames, 0, 0x100000);   /* BIOS, VGA, real-mode data */
	frame_pool_reserve(&kernel_frames, (paddr_t)kernel_phys_start,
			   kernel_virt_to_phys(kernel_end) - (paddr_t)kernel_phys_start);
	frame_pool_reserve(&kernel_frames, boot.info_start, boot.info_end - boot.info_start);
	for (unsigned i = 0; i < boot.nmodules; i++)
		frame_pool_reserve(&kernel_frames, boot.module[i].start,
				   boot.module[i].end - boot.module[i].start);
	ram_bytes = total;
	kprintf("ipclab: boot %s, %lu MiB RAM, %lu frames free, %u modules%s\n", boot.loader,
		total >> 20, kernel_frames.nfree, boot.nmodules,
		boot.dropped ? " (some boot entries dropped)" : "");
}

/* A module's name: the first word of its command line that is not a path
 * (QEMU passes "path name", GRUB "name" or "path name"), else the path's last
 * component without ".elf". */
static void name_module(struct module *m, const char *cmdline)
{
	const char *word = cmdline, *path = NULL;
	while (*word == ' ')
		word++;
	size_t n = 0;
	while (word[n] && word[n] != ' ')
		n++;
	bool is_path = n > 4 && !strncmp(word + n - 4, ".elf", 4);
	for (size_t i = 0; i < n; i++)
		is_path |= word[i] == '/';
	if (is_path) {
		path = word;
		word += n;
		while (*word == ' ')
			word++;
		for (n = 0; word[n] && word[n] != ' ';)
			n++;
	}
	if (n == 0 && path) {                /* only a path: take its last part */
		for (word = path; *path && *path != ' '; path++)
			if (*path == '/')
				word = path + 1;
		n = path - word;
		if (n > 4 && !strncmp(path - 4, ".elf", 4))
			n -= 4;
	}
	n = MIN(n, sizeof(m->name) - 1);
	memcpy(m->name, word, n);
	m->name[n] = 0;
}

/* Is word one of the space-separated words of a command line? */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, word, n) && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* The value of the first word key=... of a command line (its length in
 * *len), or NULL. */
static const char *cmdline_value(const char *cmdline, const char *key, size_t *len)
{
	size_t n = strlen(key);
	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, n) && p[n] == '=') {
			for (*len = 0; p[n + 1 + *len] && p[n + 1 + *len] != ' ';)
				(*len)++;
			return p + n + 1;
		}
	return NULL;
}

/* The tick rate asked for by hz=N on the command line (default
 * TICK_HZ_DEFAULT); anything but a number in range stops the boot. */
static unsigned cmdline_hz(const char *cmdline)
{
	size_t len;
	const char *v = cmdline_value(cmdline, "hz", &len);
	if (!v)
		return TICK_HZ_DEFAULT;
	uint64_t hz = 0;
	size_t i = 0;
	for (; i < len && v[i] >= '0' && v[i] <= '9' && hz <= TICK_HZ_MAX; i++)
		hz = hz * 10 + (uint64_t)(v[i] - '0');
	if (i == 0 || i < len || hz < TICK_HZ_MIN || hz > TICK_HZ_MAX)
		panic("hz= must be a whole number from %u to %u", TICK_HZ_MIN, TICK_HZ_MAX);
	return (unsigned)hz;
}

/* Refuse a boot that the loader's information does not fit: a command line
 * we would cut, a module we would drop, an argument of ours we do not know.
 * One line says which, then off. */
static void check_boot(void)
{
	size_t len;
	const char *crash = cmdline_value(boot.cmdline, "crash", &len);
	if (crash && (len != 6 || strncmp(crash, "kernel", 6))) {
		char shown[64];
		format_escape(shown, sizeof(shown), crash, len);
		kprintf("ipclab: crash=%s: unknown; accepted: crash=kernel; refusing to boot\n", shown);
		poweroff(false);
	}
	if (boot.cmdline_too_long) {
		kprintf("ipclab: the kernel command line is longer than %u bytes; refusing to boot\n",
			(unsigned)BOOT_CMDLINE_MAX);
		poweroff(false);
	}
	if (!boot.modules_dropped)
		return;
	struct module m;
	char shown[MODULE_NAME_MAX * 4];
	name_module(&m, boot.dropped_module);
	format_escape(shown, sizeof(shown), m.name, sizeof(m.name));
	if (boot.dropped_bad_range)
		kprintf("ipclab: boot module '%s' ends before it starts; refusing to boot\n", shown);
	else
		kprintf("ipclab: boot module '%s' and %u after it dropped: at most %u boot modules "
			"(the root task and %u more); refusing to boot\n", shown,
			boot.modules_dropped - 1, (unsigned)BOOT_MAX_MODULES, START_MODULES_MAX);
	poweroff(false);
}

/* Stop the boot: the root task (module name) could not be set up, with err;
 * last_shortage says what ran short when err is E_NOMEM. */
static void __attribute__((noreturn)) root_failed(const char *what, const char *name, int err)
{
	const struct shortage *sh = &last_shortage;
	if (err != E_NOMEM)
		panic("cannot %s %s: error %d", what, name, err);
	panic("cannot %s %s: out of memory (%s): it needs %lu KiB, %lu KiB free "
	      "(%lu MiB RAM, kernel and modules take the rest)", what, name,
	      sh->kind == NOMEM_QUOTA ? "the memory quota, 7/8 of the free frames" :
	      sh->kind == NOMEM_CONTIGUOUS ? "free frames in a row" : "free frames",
	      sh->asked * (PAGE_SIZE >> 10), sh->free * (PAGE_SIZE >> 10), ram_bytes >> 20);
}

/* Build the root task: its space, its program, its capabilities, its thread. */
static void start_root(void)
{
	if (boot.nmodules == 0)
		panic("no boot modules: the first module must be the root task");
	static struct start_info info;
	memcpy(info.args, boot.cmdline, sizeof(info.args) - 1);
	for (unsigned i = 0; i < boot.nmodules; i++) {
		struct module *m = &modules[i];
		m->obj = (struct kobj){ OBJ_MODULE, 1 };
		m->start = boot.module[i].start;
		m->size = boot.module[i].end - boot.module[i].start;
		name_module(m, boot.module[i].cmdline);
		if (i > 0 && info.nmodules < START_MODULES_MAX) {
			struct start_module *sm = &info.modules[info.nmodules++];
			memcpy(sm->name, m->name, sizeof(sm->name));
			sm->size = m->size;
		}
	}
	memory_obj.quota = kernel_frames.nfree - kernel_frames.nfree / 8;  /* 1/8 for the kernel */
	memory_obj.total = memory_obj.quota;

	struct space *s = space_create(modules[0].name);
	if (!s)
		root_failed("make a space for the root task", modules[0].name, E_NOMEM);
	vaddr_t entry;
	int err = space_load_module(s, &memory_obj, &modules[0], &info, &entry);
	if (err)
		root_failed("load the root task", modules[0].name, err);
	struct cap_table *caps = &s->caps;
	cap_insert(caps, SLOT_CONSOLE, &console_obj, RIGHTS_ALL, 0);
	cap_insert(caps, SLOT_SELF, &s->obj, RIGHTS_ALL, 0);
	cap_insert(caps, SLOT_MEMORY, &memory_obj.obj, RIGHTS_ALL, 0);
	cap_insert(caps, SLOT_MACHINE, &machine_obj, RIGHTS_ALL, 0);
	cap_insert(caps, SLOT_SELF_IMAGE, &modules[0].obj, RIGHT_READ, 0);
	_Static_assert(SLOT_MODULE0 + BOOT_MAX_MODULES - 1 <= SLOT_DEV_PORTS,
		       "boot modules overlap root's device slots");
	for (unsigned i = 1; i < boot.nmodules; i++)
		cap_insert(caps, SLOT_MODULE0 + i - 1, &modules[i].obj, RIGHT_READ, 0);
	root_thread = thread_create(s, entry, USER_STACK_TOP, 0, ROOT_PRIO);
	if (!root_thread)
		root_failed("make the thread of the root task", modules[0].name, E_NOMEM);
}

void kmain(uint32_t magic, paddr_t info);
void kmain(uint32_t magic, paddr_t info)
{
	console_init();
	cpu_detect();
	print_banner();
	if (*cpu_missing())
		panic("this CPU lacks %s, which ipclab needs", cpu_missing());
	if (!bootinfo_parse(magic, info, boot_phys, &boot))
		panic("not started by a multiboot loader (magic %x) or bad boot information", magic);
	check_boot();
	mmu_init();
	print_cpus();
	setup_memory();
	cpu_init();
	device_init(boot.ram, boot.nranges);   /* I/O APIC, what device memory may be */
	timer_init(cmdline_hz(boot.cmdline));
	kprintf("ipclab: tsc %lu kHz, tick %u Hz, kernel %lu KiB\n", tsc_khz, tick_hz,
		(kernel_virt_to_phys(kernel_end) - (paddr_t)kernel_phys_start) >> 10);
	sched_init();
	start_root();
	if (cmdline_has(boot.cmdline, "crash=kernel")) {
		/* For the test that a kernel fault is reported and ends the run. */
		kprintf("ipclab: crash=kernel: faulting on purpose\n");
		asm volatile("movq $0, (%0)" : : "r"(8ul) : "memory");
	}
	sched_start();
}
