/* The root task: the first user program.  It holds every boot capability.
 * It starts the servers named by `serve=` on the kernel command line and
 * supervises them: whenever one faults or exits, a thread of ours starts a
 * fresh instance on the same endpoint.  Then it runs the modules named by
 * `run=`, one after the other, each in a space of its own, and powers the
 * machine off: pass if every one exited with 0 and no server was given up. */
#include "ulib.h"
#include "device.h"
#include "ipc.h"
#include <ipclab/format.h>

#define CHILD_PRIO 10
#define CHILD_SPACE SLOT_FREE
#define CHILD_THREAD (SLOT_FREE + 1)

/* Supervision: a supervisor runs above its server and the clients, so a
 * restart is not held up by the load it serves.  RESTARTS_MAX bounds a
 * crash loop. */
#define SUPERVISOR_PRIO 15
#define RESTARTS_MAX 10
#define SERVER_SLOT0 (SLOT_FREE + 8)    /* server k's four slots start at + 4 * k */

/* A supervised server: its boot module and our slots for its endpoint (with
 * RIGHT_CONTROL), the running instance's space and thread, and the
 * supervisor thread. */
struct server {
	unsigned module;
	uint64_t ep, space, thread, supervisor;
	unsigned restarts;
	volatile bool given_up;
};

static struct server servers[SERVICES_MAX];
static unsigned nservers;

/* The device modules (docs/devices.md): each gets the PCI
 * configuration ports, device memory in the PCI window below 4 GiB (the
 * kernel refuses to map RAM through it) and the I/O APIC's lines;
 * netbench also gets the e1000 driver's image, to start it itself. */
static const char *const device_modules[] = { "devtest", "e1000", "netbench" };
#define PCI_WINDOW_BASE 0x80000000ul
#define PCI_WINDOW_SIZE 0x80000000ul

static const char *module_name(unsigned i) { return start_info()->modules[i].name; }

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

/* Give a device module, starting in space, its capabilities (none to other
 * modules). */
static long grant_devices(const char *name, uint64_t space)
{
	bool device = false;
	for (unsigned d = 0; d < sizeof(device_modules) / sizeof(device_modules[0]); d++)
		device |= !strcmp(name, device_modules[d]);
	if (!device)
		return 0;
	make_device_caps();
	static const uint64_t slots[] = { SLOT_DEV_PORTS, SLOT_DEV_MMIO, SLOT_DEV_IRQS };
	for (unsigned k = 0; k < sizeof(slots) / sizeof(slots[0]); k++) {
		long err = sys_cap_copy(slots[k], space, slots[k], RIGHTS_ALL);
		if (err && err != E_BADCAP)               /* E_BADCAP: this machine has none */
			return err;
	}
	for (unsigned i = 0; i < start_info()->nmodules && !strcmp(name, "netbench"); i++)
		if (!strcmp(module_name(i), "e1000"))
			return sys_cap_copy(SLOT_MODULE0 + i, space, SLOT_DEV_DRIVER, RIGHT_READ);
	return 0;
}

/* Give a program the services: a server (own) receives on SLOT_SERVICE; any
 * other program may call server k at SLOT_SERVICE + k. */
static long grant_services(uint64_t space, const struct server *own)
{
	if (own)
		return sys_cap_copy(own->ep, space, SLOT_SERVICE, RIGHT_RECV);
	for (unsigned k = 0; k < nservers; k++) {
		long err = sys_cap_copy(servers[k].ep, space, SLOT_SERVICE + k, RIGHT_SEND);
		if (err && err != E_BADCAP)          /* E_BADCAP: given up, its slot stays empty */
			return err;
	}
	return 0;
}

/* Start module i in a new space (our slot space), its first thread in our
 * slot thread; own is the server it is, or NULL for a client.  On failure
 * the space is gone again. */
static long module_start(unsigned i, uint64_t space, uint64_t thread, const struct server *own)
{
	const char *name = module_name(i), *args = start_info()->args;
	uint64_t slot = SLOT_MODULE0 + i, entry, stack;
	long err;
	if ((err = sys_space_create(space)) ||
	    (err = sys_cap_copy(SLOT_CONSOLE, space, SLOT_CONSOLE, RIGHT_WRITE)) ||
	    (err = sys_cap_copy(space, space, SLOT_SELF, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(SLOT_MEMORY, space, SLOT_MEMORY, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(slot, space, SLOT_SELF_IMAGE, RIGHT_READ)) ||
	    (err = grant_devices(name, space)) ||
	    (err = grant_services(space, own)) ||
	    (err = sys_module_load(slot, space, SLOT_MEMORY, args, strlen(args), &entry, &stack)) ||
	    (err = sys_thread_create(space, thread, entry, stack, 0, CHILD_PRIO))) {
		char why[ERROR_TEXT_MAX];
		printf("root: %s: cannot start: %s\n", name, error_text(why, sizeof(why), err, NULL));
		sys_cap_delete(space);
	}
	return err;
}

/* Say in one line how a program ended, then what happens next. */
static void say_end(const char *name, uint64_t how, uint64_t code, uint64_t addr,
		    const char *then)
{
	if (how == JOIN_EXITED)
		printf("root: %s exited with %lu%s\n", name, code, then);
	else if (how == JOIN_FAULTED)
		printf("root: %s faulted (vector %lu at %p)%s\n", name, code, (void *)addr, then);
	else
		printf("root: %s was killed%s\n", name, then);
}

/* Run module i to its end; returns true if it exited with code 0. */
static bool run_module(unsigned i)
{
	uint64_t how, code, addr;
	if (module_start(i, CHILD_SPACE, CHILD_THREAD, NULL))
		return false;
	long err = sys_thread_join(CHILD_THREAD, &how, &code, &addr);
	sys_cap_delete(CHILD_THREAD);
	sys_cap_delete(CHILD_SPACE);
	if (err) {
		printf("root: %s: cannot join: %s (error %ld)\n", module_name(i), error_name(err), err);
		return false;
	}
	say_end(module_name(i), how, code, addr, "");
	return how == JOIN_EXITED && code == 0;
}

/* Stop serving s: destroying the endpoint ends every call waiting on it,
 * and every later one, with E_DEAD, so no client waits for ever. */
static __attribute__((noreturn)) void give_up(struct server *s)
{
	s->given_up = true;
	sys_cap_delete(s->ep);
	sys_exit(1);
}

/* Server k's supervisor, a thread of ours: wait for the instance to end,
 * say how, and start a fresh one in a new space on the same endpoint, at
 * most RESTARTS_MAX times.  Clients keep their capabilities; the call the
 * dead instance held ends in E_DEAD, and queued calls reach the new one. */
static void supervise(uint64_t k)
{
	struct server *s = &servers[k];
	const char *name = module_name(s->module);
	for (;;) {
		uint64_t how, code, addr;
		long err = sys_thread_join(s->thread, &how, &code, &addr);
		sys_cap_delete(s->thread);
		sys_cap_delete(s->space);             /* the old space goes, with its frames */
		if (err) {
			printf("root: %s: cannot join: %s (error %ld); giving it up\n", name,
			       error_name(err), err);
			give_up(s);
		}
		char then[64];
		if (s->restarts == RESTARTS_MAX) {
			snprintf(then, sizeof(then), ": restarted %u times already, giving it up",
				 s->restarts);
			say_end(name, how, code, addr, then);
			give_up(s);
		}
		s->restarts++;
		snprintf(then, sizeof(then), ": restart %u of %u", s->restarts, RESTARTS_MAX);
		say_end(name, how, code, addr, then);
		if (module_start(s->module, s->space, s->thread, s))
			give_up(s);
	}
}

/* Start the first instance of server module i and its supervisor.  It is
 * server k = the servers before it, whether it starts or not, so that the
 * others keep their SLOT_SERVICE + k; one that cannot start is given up. */
static bool serve(unsigned i)
{
	if (nservers == SERVICES_MAX) {
		printf("root: %s: more than %u servers\n", module_name(i), SERVICES_MAX);
		return false;
	}
	unsigned k = nservers++;
	struct server *s = &servers[k];
	uint64_t slot = SERVER_SLOT0 + 4 * k;
	*s = (struct server){ .module = i, .ep = slot, .space = slot + 1, .thread = slot + 2,
			      .supervisor = slot + 3 };
	long err;
	if ((err = ipc_create(s->ep)) ||
	    (err = module_start(i, s->space, s->thread, s)) ||
	    (err = thread_spawn(supervise, k, s->supervisor, SUPERVISOR_PRIO))) {
		char why[ERROR_TEXT_MAX];
		printf("root: %s: cannot serve: %s\n", module_name(i),
		       error_text(why, sizeof(why), err, NULL));
		s->given_up = true;
		sys_cap_delete(s->ep);
		return false;
	}
	return true;
}

/* The boot module called name, or -1. */
static int module_index(const char *name, size_t len)
{
	for (unsigned i = 0; i < start_info()->nmodules; i++)
		if (strlen(module_name(i)) == len && !strncmp(module_name(i), name, len))
			return (int)i;
	return -1;
}

/* Serve every module of the comma-separated list (checked), in its order
 * (server k is the k-th); false if one cannot start. */
static bool serve_all(const char *list)
{
	bool ok = true;
	for (const char *p = list; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		int i = module_index(p, n);
		if (i >= 0)
			ok &= serve((unsigned)i);
		p += n + (p[n] == ',');
	}
	return ok;
}

/* args_name_fn: the boot modules' names (root's run= and serve=). */
static const char *boot_module_name(const void *ctx, unsigned i)
{
	(void)ctx;
	return i < start_info()->nmodules ? module_name(i) : NULL;
}

/* run= and serve= from the command line, each name a boot module; false
 * (said in one line) if one is not. */
static bool read_args(struct start_info *info, char *run, char *serves, size_t n)
{
	struct args a;
	args_init(&a, "root", info->args);
	args_known_keys(&a, args_boot_keys);
	args_names(&a, "run", "all", ARGS_ALL, boot_module_name, NULL, run, n);
	args_names(&a, "serve", "", ARGS_EXACT, boot_module_name, NULL, serves, n);
	return args_done(&a);
}

int main(struct start_info *info)
{
	char run[START_ARGS_MAX], serves[START_ARGS_MAX];
	if (!read_args(info, run, serves, sizeof(run))) {
		sys_poweroff(SLOT_MACHINE, 1);
		return 1;
	}
	char shown[160], shown_serves[160];        /* names are checked, but may be long */
	format_escape(shown, sizeof(shown), run, sizeof(run));
	format_escape(shown_serves, sizeof(shown_serves), serves, sizeof(serves));
	printf("root: %lu boot modules, run=%s%s%s\n", info->nmodules, shown,
	       serves[0] ? " serve=" : "", shown_serves);
	bool pass = serve_all(serves);
	unsigned started = 0;
	for (unsigned i = 0; i < info->nmodules; i++) {
		if (!list_has(run, module_name(i)) || list_has(serves, module_name(i)))
			continue;
		started++;
		pass &= run_module(i);
	}
	if (!started) {
		printf("root: run=%s names no boot module that is not also served\n", shown);
		pass = false;
	}
	for (unsigned k = 0; k < nservers; k++) {
		printf("root: %s restarted %u times%s\n", module_name(servers[k].module),
		       servers[k].restarts, servers[k].given_up ? ", then given up" : "");
		pass &= !servers[k].given_up;
	}
	sys_poweroff(SLOT_MACHINE, pass ? 0 : 1);
	return 1;
}
