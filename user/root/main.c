/* The root task: the first user program.  It holds every boot capability and
 * starts the boot modules named by `run=` on the kernel command line, one
 * after the other, each in a space of its own, then powers the machine off:
 * pass if every one exited with 0. */
#include "ulib.h"

#define CHILD_PRIO 10
#define CHILD_SPACE SLOT_FREE
#define CHILD_THREAD (SLOT_FREE + 1)

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
