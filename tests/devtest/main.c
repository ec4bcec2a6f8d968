/* The device mechanisms' on-target tests (docs/devices.md): device
 * capabilities are ranges that only narrow; I/O ports reach exactly the
 * space they were given to; device memory maps uncached and never over RAM
 * or the kernel's APICs; DMA frames are shared between spaces and outlive
 * their capability while mapped; an interrupt line is delivered as a
 * notification and stays masked until acknowledged.
 *
 * It runs as the boot module `devtest` (root gives it the device
 * capabilities), every test alone by name with test=<name>, printing
 * "TEST <name> ok|FAIL <reason>".  The tests that need a device use the
 * e1000 QEMU's `-M pc` always has (or the one the harness adds).  Loaded
 * again with child=<what> it is the other space some tests need. */
#include "ulib.h"
#include "device.h"
#include "ipc.h"
#include <ipclab/result.h>

#define EXPECT(cond, ...)                                                        \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fail(__VA_ARGS__);                                       \
			return;                                                  \
		}                                                                \
	} while (0)
#define EXPECT_ERR(expr, want)                                                   \
	do {                                                                     \
		long e_ = (expr);                                                \
		EXPECT(e_ == (want), "line %d: %s returned %ld, not %ld", __LINE__, #expr, e_, \
		       (long)(want));                                            \
	} while (0)
#define EXPECT_OK(expr) EXPECT_ERR(expr, IPC_OK)

/* Our own slots (SLOT_FREE and up); every test starts with them empty. */
#define S_A (SLOT_FREE + 0)
#define S_B (SLOT_FREE + 1)
#define S_NOTE (SLOT_FREE + 2)
#define S_CHILD (SLOT_FREE + 3)
#define S_THREAD (SLOT_FREE + 4)
#define S_BAR (SLOT_FREE + 5)
#define CHILD_SHARED 40                  /* the child's slot for what we share */

#define BAR_VA 0x50000000ul
#define SHARED_VA 0x60000000ul
#define SCRATCH_VA 0x70000000ul

static bool failed;
static char reason[200];

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	if (failed)
		return;
	failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
}

/* --- PCI configuration space through ports 0xCF8/0xCFC ------------------ */

static uint32_t pci_read(unsigned bdf, unsigned off)
{
	outl(0xcf8, 0x80000000u | bdf << 8 | (off & 0xfc));
	return inl(0xcfc);
}

/* The bus/device/function of the first vendor:device on bus 0, or -1. */
static int pci_find(uint32_t id)
{
	for (unsigned dev = 0; dev < 32; dev++)
		if (pci_read(dev << 3, 0) == id)
			return (int)(dev << 3);
	return -1;
}

#define E1000_ID 0x100e8086u             /* 82540EM: device << 16 | vendor */

/* Run fn in a new thread of ours; its end: how and code. */
static long run_thread(void (*fn)(uint64_t), uint64_t *how, uint64_t *code)
{
	uint64_t addr;
	long err = thread_spawn(fn, 0, S_THREAD, 12);
	if (err)
		return err;
	err = sys_thread_join(S_THREAD, how, code, &addr);
	sys_cap_delete(S_THREAD);
	return err;
}

/* Load ourselves into a new space (slot S_CHILD) with child=<what>; give
 * it shared (if not 0) in its slot CHILD_SHARED; run it to its end. */
static long run_child(const char *what, uint64_t shared, bool ports, uint64_t *how, uint64_t *code)
{
	char args[64];
	uint64_t entry, stack, addr;
	int n = snprintf(args, sizeof(args), "child=%s", what);
	long err;
	if ((err = sys_space_create(S_CHILD)) ||
	    (err = sys_cap_copy(SLOT_CONSOLE, S_CHILD, SLOT_CONSOLE, RIGHT_WRITE)) ||
	    (err = sys_cap_copy(S_CHILD, S_CHILD, SLOT_SELF, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(SLOT_MEMORY, S_CHILD, SLOT_MEMORY, RIGHTS_ALL)) ||
	    (shared && (err = sys_cap_copy(shared, S_CHILD, CHILD_SHARED, RIGHTS_ALL))) ||
	    (ports && (err = sys_ioport_allow(SLOT_DEV_PORTS, S_CHILD))) ||
	    (err = sys_module_load(SLOT_SELF_IMAGE, S_CHILD, SLOT_MEMORY, args, n, &entry, &stack)) ||
	    (err = sys_thread_create(S_CHILD, S_THREAD, entry, stack, 0, 12)))
		return err;
	err = sys_thread_join(S_THREAD, how, code, &addr);
	sys_cap_delete(S_THREAD);
	sys_cap_delete(S_CHILD);
	return err;
}

/* --- The tests ------------------------------------------------------------ */

/* Capabilities name ranges; a range can only be narrowed, never widened or
 * changed in kind; and none can be made without the machine capability. */
static void test_dev_caps(void)
{
	uint64_t kind, base, count;
	EXPECT_OK(sys_dev_info(SLOT_DEV_PORTS, &kind, &base, &count));
	EXPECT(kind == DEV_IOPORT && base == 0xcf8 && count == 8, "ports cap is %lu %lx+%lu", kind,
	       base, count);
	EXPECT_OK(sys_dev_create(SLOT_DEV_PORTS, DEV_IOPORT, S_A, 0xcfc, 4));
	EXPECT_OK(sys_dev_info(S_A, &kind, &base, &count));
	EXPECT(base == 0xcfc && count == 4, "narrowed to %lx+%lu", base, count);
	EXPECT_ERR(sys_dev_create(S_A, DEV_IOPORT, S_B, 0xcf8, 8), E_INVAL);      /* wider */
	EXPECT_ERR(sys_dev_create(S_A, DEV_IOPORT, S_B, 0xcfc, 5), E_INVAL);      /* past its end */
	EXPECT_ERR(sys_dev_create(S_A, DEV_IOPORT, S_B, 0xcfc, 0), E_INVAL);
	EXPECT_ERR(sys_dev_create(S_A, DEV_IOPORT, S_B, ~0ul, 2), E_INVAL);       /* wraps */
	EXPECT_ERR(sys_dev_create(S_A, DEV_MMIO, S_B, 0x1000, 4096), E_BADCAP);  /* other kind */
	EXPECT_ERR(sys_dev_create(S_A, 99, S_B, 0xcfc, 4), E_INVAL);
	EXPECT_ERR(sys_dev_create(S_A, DEV_IOPORT, S_A, 0xcfc, 4), E_EXISTS);
	EXPECT_ERR(sys_dev_create(SLOT_CONSOLE, DEV_IOPORT, S_B, 0x3f8, 8), E_BADCAP); /* no machine */
	EXPECT_ERR(sys_dev_create(SLOT_DEV_MMIO, DEV_MMIO, S_B, 0x80000001ul, 4096), E_INVAL);
	EXPECT_OK(sys_dev_create(SLOT_DEV_MMIO, DEV_MMIO, S_B, 0xfe000000ul, 8192));
	EXPECT_OK(sys_dev_info(S_B, &kind, &base, &count));
	EXPECT(kind == DEV_MMIO && base == 0xfe000000ul && count == 8192, "mmio %lx+%lu", base, count);
	EXPECT_ERR(sys_dev_info(SLOT_CONSOLE, &kind, &base, &count), E_BADCAP);
}

static void port_reader(uint64_t unused)
{
	(void)unused;
	sys_exit(pci_read(0, 0) & 0xffff);
}

static void port_0x80(uint64_t unused)
{
	(void)unused;
	asm volatile("outb %%al, $0x80" : : "a"(0));
	sys_exit(0);
}

static void port_0xcf7(uint64_t unused)
{
	(void)unused;
	asm volatile("inl %%dx, %%eax" : : "d"(0xcf7) : "eax");   /* 0xcf7..0xcfa: one outside */
	sys_exit(0);
}

/* Ports are nobody's until given to a space, then that space's exactly:
 * the range and no port beside it. */
static void test_dev_ports(void)
{
	uint64_t how, code;
	EXPECT_OK(run_thread(port_reader, &how, &code));
	EXPECT(how == JOIN_FAULTED && code == VEC_GP, "port I/O before SYS_IOPORT_ALLOW: how %lu code %lu",
	       how, code);
	EXPECT_ERR(sys_ioport_allow(SLOT_CONSOLE, SLOT_SELF), E_BADCAP);
	EXPECT_OK(sys_ioport_allow(SLOT_DEV_PORTS, SLOT_SELF));
	EXPECT_OK(run_thread(port_reader, &how, &code));
	EXPECT(how == JOIN_EXITED && code == 0x8086, "PCI 00:00.0 vendor: how %lu code %lx", how, code);
	EXPECT_OK(run_thread(port_0x80, &how, &code));
	EXPECT(how == JOIN_FAULTED && code == VEC_GP, "port 0x80 was not denied (how %lu)", how);
	EXPECT_OK(run_thread(port_0xcf7, &how, &code));
	EXPECT(how == JOIN_FAULTED && code == VEC_GP, "a 4-byte access at 0xcf7 was not denied");
}

/* Ports given to one space are not another's; given to both, both have them. */
static void test_dev_ports_spaces(void)
{
	uint64_t how, code;
	EXPECT_OK(sys_ioport_allow(SLOT_DEV_PORTS, SLOT_SELF));
	EXPECT_OK(run_child("ports", 0, false, &how, &code));
	EXPECT(how == JOIN_FAULTED && code == VEC_GP, "another space used our ports (how %lu code %lu)",
	       how, code);
	EXPECT((pci_read(0, 0) & 0xffff) == 0x8086, "we lost our ports to a space switch");
	EXPECT_OK(run_child("ports", 0, true, &how, &code));
	EXPECT(how == JOIN_EXITED && code == 0x8086, "a space given the ports: how %lu code %lx", how,
	       code);
	EXPECT((pci_read(0, 0) & 0xffff) == 0x8086, "we lost our ports");
}

static uintptr_t bar_va;              /* where map_e1000 put BAR0 last */

/* The e1000's BAR0 as a new device-memory capability in S_BAR, mapped at
 * a fresh address (bar_va); its PCI function in *bdf. */
static void map_e1000(int *bdf)
{
	static uintptr_t next = BAR_VA;
	bar_va = next;
	next += 0x100000;
	EXPECT_OK(sys_ioport_allow(SLOT_DEV_PORTS, SLOT_SELF));
	*bdf = pci_find(E1000_ID);
	EXPECT(*bdf >= 0, "no 8086:100e on PCI bus 0");
	uint32_t bar = pci_read(*bdf, 0x10) & ~0xfu;
	EXPECT_OK(sys_dev_create(SLOT_DEV_MMIO, DEV_MMIO, S_BAR, bar, 0x20000));
	EXPECT_OK(sys_phys_map(S_BAR, SLOT_SELF, bar_va, 0, 32, MAP_WRITE));
}

#define REG(off) (*(volatile uint32_t *)(bar_va + (off)))
#define E1000_STATUS 0x8
#define E1000_ICR 0xc0
#define E1000_ICS 0xc8
#define E1000_IMS 0xd0
#define E1000_IMC 0xd8
#define E1000_ICR_LSC 0x4

/* Device memory maps (uncached) only inside its range and never over RAM,
 * the APICs or what is already mapped. */
static void test_dev_mmio(void)
{
	int bdf = -1;
	map_e1000(&bdf);
	if (failed)
		return;
	uint32_t status = REG(E1000_STATUS);
	EXPECT(status != 0 && status != ~0u, "e1000 STATUS reads %x", status);
	EXPECT_ERR(sys_phys_map(S_BAR, SLOT_SELF, bar_va, 0, 1, 0), E_EXISTS);
	EXPECT_ERR(sys_phys_map(S_BAR, SLOT_SELF, SCRATCH_VA, 31, 2, 0), E_INVAL);
	EXPECT_ERR(sys_phys_map(S_BAR, SLOT_SELF, SCRATCH_VA + 1, 0, 1, 0), E_INVAL);
	EXPECT_ERR(sys_phys_map(S_BAR, SLOT_SELF, SCRATCH_VA, 0, 1, MAP_EXEC), E_INVAL);
	EXPECT_ERR(sys_phys_map(S_BAR, SLOT_CONSOLE, SCRATCH_VA, 0, 1, 0), E_BADCAP);
	EXPECT_OK(sys_dev_create(SLOT_DEV_MMIO, DEV_MMIO, S_A, 0xfec00000ul, 4096));
	EXPECT_ERR(sys_phys_map(S_A, SLOT_SELF, SCRATCH_VA, 0, 1, 0), E_INVAL);  /* I/O APIC */
	EXPECT_OK(sys_dev_create(SLOT_DEV_MMIO, DEV_MMIO, S_B, 0xfee00000ul, 4096));
	EXPECT_ERR(sys_phys_map(S_B, SLOT_SELF, SCRATCH_VA, 0, 1, 0), E_INVAL);  /* local APIC */
	EXPECT_OK(sys_cap_copy(S_BAR, SLOT_SELF, S_NOTE, RIGHT_READ));
	EXPECT_ERR(sys_phys_map(S_NOTE, SLOT_SELF, SCRATCH_VA, 0, 1, MAP_WRITE), E_RIGHTS);
}

/* DMA frames: the physical address is told, the frames are shared by the
 * spaces that map them, and they outlive their capability while mapped. */
static void test_dev_frames(void)
{
	uint64_t phys, kind, base, count, how, code;
	EXPECT_ERR(sys_frames_create(SLOT_MEMORY, S_A, 0, &phys), E_INVAL);
	EXPECT_ERR(sys_frames_create(SLOT_MEMORY, S_A, 1u << 20, &phys), E_INVAL);
	EXPECT_ERR(sys_frames_create(SLOT_CONSOLE, S_A, 1, &phys), E_BADCAP);
	sys_yield();                      /* threads of earlier tests are freed at a switch */
	uint64_t free0 = sys_info(INFO_FREE_FRAMES);
	EXPECT_OK(sys_frames_create(SLOT_MEMORY, S_A, 4, &phys));
	EXPECT(phys && phys % 4096 == 0, "physical address %lx", phys);
	EXPECT_OK(sys_dev_info(S_A, &kind, &base, &count));
	EXPECT(kind == DEV_FRAMES && base == phys && count == 4 * 4096, "info %lu %lx %lu", kind, base,
	       count);
	EXPECT_ERR(sys_phys_map(S_A, SLOT_SELF, SHARED_VA, 4, 1, MAP_WRITE), E_INVAL);
	EXPECT_OK(sys_phys_map(S_A, SLOT_SELF, SHARED_VA, 0, 4, MAP_WRITE));
	volatile uint64_t *w = (volatile uint64_t *)SHARED_VA;
	EXPECT(w[0] == 0 && w[2047] == 0, "frames are not zeroed");
	w[0] = 0x1badcafe;
	EXPECT_OK(run_child("frames", S_A, false, &how, &code));
	EXPECT(how == JOIN_EXITED && code == 0, "child: how %lu code %lx", how, code);
	EXPECT(w[1] == 0xfeedf00d, "the child's write did not reach us: %lx", w[1]);
	/* Our capability goes; the mapping keeps the frames. */
	EXPECT_OK(sys_cap_delete(S_A));
	w[2] = 1;
	sys_yield();                      /* ... and the child's, which is gone now */
	uint64_t free1 = sys_info(INFO_FREE_FRAMES);
	EXPECT(free1 + 5 <= free0, "frames freed while mapped: %lu free before, %lu now", free0, free1);
}

/* An interrupt line arrives as a notification, stays masked until acked,
 * is one owner's at a time, and is unbound when its capability goes. */
static void test_dev_irq(void)
{
	int bdf = -1;
	uint64_t bits = 0;
	map_e1000(&bdf);
	if (failed)
		return;
	unsigned line = pci_read(bdf, 0x3c) & 0xff;
	EXPECT(line > 0 && line < 24, "interrupt line %u", line);
	EXPECT_OK(notify_create(S_NOTE));
	EXPECT_ERR(sys_irq_bind(SLOT_DEV_IRQS, S_NOTE, 1, IRQ_LEVEL), E_INVAL);   /* many lines */
	EXPECT_OK(sys_dev_create(SLOT_DEV_IRQS, DEV_IRQ, S_A, line, 1));
	EXPECT_ERR(sys_irq_ack(S_A), E_INVAL);                                   /* not bound */
	EXPECT_ERR(sys_irq_bind(S_A, S_NOTE, 0, IRQ_LEVEL), E_INVAL);
	EXPECT_ERR(sys_irq_bind(S_A, S_NOTE, 1, 0x80), E_INVAL);
	REG(E1000_IMC) = ~0u;
	(void)REG(E1000_ICR);
	EXPECT_OK(sys_irq_bind(S_A, S_NOTE, 0x40, IRQ_LEVEL | IRQ_ACTIVE_LOW));
	EXPECT_OK(sys_dev_create(SLOT_DEV_IRQS, DEV_IRQ, S_B, line, 1));
	EXPECT_ERR(sys_irq_bind(S_B, S_NOTE, 1, IRQ_LEVEL), E_EXISTS);
	EXPECT_ERR(ipc_wait(S_NOTE, &bits, TIMEOUT_NONE), E_TIMEOUT);

	REG(E1000_IMS) = E1000_ICR_LSC;
	REG(E1000_ICS) = E1000_ICR_LSC;                  /* the device raises its line */
	EXPECT_OK(ipc_wait(S_NOTE, &bits, TIMEOUT_FOREVER));
	EXPECT(bits == 0x40, "notification bits %lx", bits);
	/* Still asserted, but masked until we acknowledge. */
	for (int i = 0; i < 10; i++)
		sys_yield();
	EXPECT_ERR(ipc_wait(S_NOTE, &bits, TIMEOUT_NONE), E_TIMEOUT);
	EXPECT_OK(sys_irq_ack(S_A));                     /* level: it fires again */
	EXPECT_OK(ipc_wait(S_NOTE, &bits, TIMEOUT_FOREVER));
	EXPECT((REG(E1000_ICR) & E1000_ICR_LSC), "ICR lost the cause");   /* reading clears it */
	EXPECT_OK(sys_irq_ack(S_A));
	for (int i = 0; i < 10; i++)
		sys_yield();
	EXPECT_ERR(ipc_wait(S_NOTE, &bits, TIMEOUT_NONE), E_TIMEOUT);
	REG(E1000_IMC) = ~0u;

	/* The owner's capability goes: the line is free again. */
	EXPECT_OK(sys_cap_delete(S_A));
	EXPECT_OK(sys_irq_bind(S_B, S_NOTE, 1, IRQ_LEVEL));
	EXPECT_OK(sys_irq_bind(S_B, 0, 0, 0));           /* unbind */
	EXPECT_ERR(sys_irq_ack(S_B), E_INVAL);
}

#define DEVTESTS(X) X(dev_caps) X(dev_ports) X(dev_ports_spaces) X(dev_mmio) X(dev_frames) X(dev_irq)
#define ENTRY(name) { #name, test_##name },
static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = { DEVTESTS(ENTRY) };

/* The other space of a test. */
static int child_main(const char *what)
{
	if (!strcmp(what, "ports"))
		return pci_read(0, 0) & 0xffff;
	if (!strcmp(what, "frames")) {
		if (sys_phys_map(CHILD_SHARED, SLOT_SELF, SHARED_VA, 0, 4, MAP_WRITE))
			return 1;
		volatile uint64_t *w = (volatile uint64_t *)SHARED_VA;
		if (w[0] != 0x1badcafe)
			return 2;
		w[1] = 0xfeedf00d;
		return 0;
	}
	return 99;
}

/* args_name_fn: the tests' names. */
static const char *test_name(const void *ctx, unsigned i)
{
	(void)ctx;
	return i < sizeof(tests) / sizeof(tests[0]) ? tests[i].name : NULL;
}

/* test= (the boot's, shared with ktest): its dev_ items, ours, into only;
 * false (said in one line) if one of them begins no test of ours, or test=
 * names only ktest's. */
static bool read_tests(struct args *a, char *only, size_t n, bool *some)
{
	char list[START_ARGS_MAX];
	*some = args_text(a, "test", "", list, sizeof(list));
	list_filter(list, "dev_", true, only, n);
	if (*some && !a->bad)
		args_check_list(a, "test", only[0] ? only : list, ARGS_PREFIX, test_name, NULL);
	return args_done(a);
}

int main(struct start_info *info)
{
	static const char *const children[] = { "ports", "frames", NULL };
	char only[START_ARGS_MAX], child[16];
	bool some;
	struct args a;
	args_init(&a, "devtest", info->args);
	if (args_names(&a, "child", "", ARGS_EXACT | ARGS_ONE, args_name_of_array, children,
		       child, sizeof(child)))
		return args_done(&a) ? child_main(child) : 1;
	if (!read_tests(&a, only, sizeof(only), &some))
		return 1;
	unsigned nfailed = 0, ran = 0;
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (some && !list_has_prefix(only, tests[i].name))
			continue;
		failed = false;
		reason[0] = 0;
		tests[i].fn();
		for (uint64_t slot = SLOT_FREE; slot < CAP_SLOTS; slot++)
			sys_cap_delete(slot);
		if (failed)
			printf(TEST_PREFIX "%s FAIL %s\n", tests[i].name, reason);
		else
			printf(TEST_PREFIX "%s ok\n", tests[i].name);
		nfailed += failed;
		ran++;
	}
	printf("devtest: %u passed, %u failed\n", ran - nfailed, nfailed);
	return nfailed;
}
