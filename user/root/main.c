/* The root task: the first user program.  It holds every boot capability and
 * starts the boot modules named by `run=` on the kernel command line, one
 * after the other, each in a space of its own, then powers the machine off:
 * pass if every one exited with 0. */
#include "ulib.h"
#include "device.h"

#define CHILD_PRIO 10
#define CHILD_SPACE SLOT_FREE
#define CHILD_THREAD (SLOT_FREE + 1)

/* The device modules (docs/devices.md): each gets the PCI
 * configuration ports, device memory in the PCI window below 4 GiB (the
 * kernel refuses to map RAM through it) and the I/O APIC's lines;
 * netbench also gets the e1000 driver's image, to start it itself. */
static const char *const device_modules[] = { "devtest", "e1000", "netbench" };
#define PCI_WINDOW_BASE 0x80000000ul
#define PCI_WINDOW_SIZE 0x80000000ul

/* Make the device capabilities, in our own SLOT_DEV_ slots, the first
 * time a device module runs. */
static void make_device_caps(void)
{
	static bool made;
	if (made)
		return;
	made = true;
	sys_dev_create(SLOT_MACHINE, DEV_IOPORT, SLOT_DEV_PORTS, 0xcf8, 8);
	sys_dev_create(SLOT_MACHINE, DEV_MMIO, SLOT_DEV_MMIO, PCI_WINDOW_BASE, PCI_WINDOW_SIZE);
	for (uint64_t lines = 24; lines && sys_dev_create(SLOT_MACHINE, DEV_IRQ, SLOT_DEV_IRQS, 0,
							    lines); lines -= 8)
		;
}

/* Give a device module its capabilities (none to other modules). */
static long grant_devices(const char *name)
{
	bool device = false;
	for (unsigned d = 0; d < sizeof(device_modules) / sizeof(device_modules[0]); d++)
		device |= !strcmp(name, device_modules[d]);
	if (!device)
		return 0;
	make_device_caps();
	static const uint64_t slots[] = { SLOT_DEV_PORTS, SLOT_DEV_MMIO, SLOT_DEV_IRQS };
	for (unsigned k = 0; k < sizeof(slots) / sizeof(slots[0]); k++) {
		long err = sys_cap_copy(slots[k], CHILD_SPACE, slots[k], RIGHTS_ALL);
		if (err && err != E_BADCAP)               /* E_BADCAP: this machine has none */
			return err;
	}
	for (unsigned i = 0; i < start_info()->nmodules && !strcmp(name, "netbench"); i++)
		if (!strcmp(start_info()->modules[i].name, "e1000"))
			return sys_cap_copy(SLOT_MODULE0 + i, CHILD_SPACE, SLOT_DEV_DRIVER, RIGHT_READ);
	return 0;
}

/* Run module i to its end; returns true if it exited with code 0. */
static bool run_module(unsigned i, const char *args)
{
	const char *name = start_info()->modules[i].name;
	uint64_t slot = SLOT_MODULE0 + i, entry, stack, how, code, addr;
	long err;
	if ((err = sys_space_create(CHILD_SPACE)) ||
	    (err = sys_cap_copy(SLOT_CONSOLE, CHILD_SPACE, SLOT_CONSOLE, RIGHT_WRITE)) ||
	    (err = sys_cap_copy(CHILD_SPACE, CHILD_SPACE, SLOT_SELF, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(SLOT_MEMORY, CHILD_SPACE, SLOT_MEMORY, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(slot, CHILD_SPACE, SLOT_SELF_IMAGE, RIGHT_READ)) ||
	    (err = grant_devices(name)) ||
	    (err = sys_module_load(slot, CHILD_SPACE, SLOT_MEMORY, args, strlen(args), &entry, &stack)) ||
	    (err = sys_thread_create(CHILD_SPACE, CHILD_THREAD, entry, stack, 0, CHILD_PRIO)) ||
	    (err = sys_thread_join(CHILD_THREAD, &how, &code, &addr))) {
		printf("root: %s: cannot start: error %ld\n", name, err);
		sys_cap_delete(CHILD_SPACE);
		return false;
	}
	sys_cap_delete(CHILD_THREAD);
	sys_cap_delete(CHILD_SPACE);
	if (how == JOIN_EXITED) {
		printf("root: %s exited with %lu\n", name, code);
		return code == 0;
	}
	printf("root: %s died (vector %lu at %p)\n", name, code, (void *)addr);
	return false;
}

int main(struct start_info *info)
{
	char run[128];
	if (!arg_get(info->args, "run", run, sizeof(run)))
		memcpy(run, "all", 4);
	printf("root: %lu boot modules, run=%s\n", info->nmodules, run);
	bool pass = true;
	unsigned started = 0;
	for (unsigned i = 0; i < info->nmodules; i++) {
		if (!list_has(run, info->modules[i].name))
			continue;
		started++;
		pass &= run_module(i, info->args);
	}
	if (!started) {
		printf("root: run=%s names no boot module\n", run);
		pass = false;
	}
	sys_poweroff(SLOT_MACHINE, pass ? 0 : 1);
	return 1;
}
