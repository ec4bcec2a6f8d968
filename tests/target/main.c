/* The on-target test program: runs every test of the table, or those named
 * by test=<name>[,<name>...] (a name also selects the tests it begins), printing "TEST <name> ok" or "TEST <name> FAIL <reason>".
 * Exits with the number of failures. */
#include "ktest.h"
#include <ipclab/result.h>

/* Every test, in the order they run.  Each is a function test_<name>. */
#define KTESTS(X)                                                                \
	X(null_syscall) X(bad_syscalls) X(registers_preserved)                   \
	X(kernel_write_faults) X(fault_pf_read_unmapped) X(fault_pf_read_kernel)\
	X(fault_pf_write_rodata) X(fault_pf_exec_nx) X(fault_pf_stack_overflow) \
	X(fault_gp_hlt) X(fault_gp_noncanonical) X(fault_gp_port_io)           \
	X(fault_gp_int80) X(fault_ud) X(fault_de) X(fault_bp)                   \
	X(threads_run) X(preemption) X(space_isolation) X(space_destroy)         \
	X(server_restart) X(pager_demand) X(pager_refuses) X(pager_dies)        \
	X(pager_bad_args) X(pager_fault_keeps_reply) X(pager_registers)            \
	X(pager_lifetimes) X(dos_unwaited_reply) X(dos_flood) X(dos_spinner)     \
	X(ipc_integrity) X(ipc_order) X(ipc_nonblocking) X(ipc_timeout)         \
	X(ipc_queue_overflow) X(notify_coalesce) X(ipc_reply_to_caller)         \
	X(ipc_partner_death) X(ipc_caps) X(ipc_registers) X(ipc_fastpath_counter)                   \
	X(ipc_abandoned_call) X(ipc_destroyed_after_wake)

#define DECLARE(name) void test_##name(void);
#define ENTRY(name) { #name, test_##name },
KTESTS(DECLARE)
static const struct ktest ktests[] = { KTESTS(ENTRY) };

bool ktest_failed;
static char reason[256];

void ktest_fail(const char *fmt, ...)
{
	if (ktest_failed)
		return;
	ktest_failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
}

static uint64_t next_stack = 0x20000000;
#define STACK_PAGES 4

long spawn(void (*fn)(uint64_t), uint64_t arg, uint64_t slot)
{
	return spawn_prio(fn, arg, slot, TEST_PRIO);
}

long spawn_prio(void (*fn)(uint64_t), uint64_t arg, uint64_t slot, uint64_t prio)
{
	uint64_t base = next_stack;
	next_stack += 0x10000;
	long err = sys_map(SLOT_MEMORY, SLOT_SELF, base, STACK_PAGES, MAP_WRITE);
	if (err)
		return err;
	/* rsp % 16 == 8 at a function's first instruction, as after a call. */
	return sys_thread_create(SLOT_SELF, slot, (uint64_t)fn, base + STACK_PAGES * 4096 - 8, arg,
				 prio);
}

long join(uint64_t slot, uint64_t *how, uint64_t *code, uint64_t *addr)
{
	long err = sys_thread_join(slot, how, code, addr);
	sys_cap_delete(slot);
	return err;
}

/* test=a,b selects the tests whose names are a or b or start with them. */
static bool selected(const char *list, const char *name)
{
	for (const char *p = list; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		if (n && !strncmp(name, p, n))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

static unsigned run_one(const struct ktest *t)
{
	ktest_failed = false;
	reason[0] = 0;
	t->fn();
	/* Whatever the test left, the next one starts with a clean table. */
	for (uint64_t slot = SLOT_FREE; slot < CAP_SLOTS; slot++)
		sys_cap_delete(slot);
	if (ktest_failed)
		printf(TEST_PREFIX "%s FAIL %s\n", t->name, reason);
	else
		printf(TEST_PREFIX "%s ok\n", t->name);
	return ktest_failed;
}

int main(struct start_info *info)
{
	char only[64];
	bool one = arg_get(info->args, "test", only, sizeof(only));
	unsigned failed = 0, ran = 0;
	for (unsigned i = 0; i < sizeof(ktests) / sizeof(ktests[0]); i++) {
		if (one && !selected(only, ktests[i].name))
			continue;
		failed += run_one(&ktests[i]);
		ran++;
	}
	if (ran == 0) {
		printf(TEST_PREFIX "%s FAIL no such test\n", only);
		return 1;
	}
	printf("ktest: %u passed, %u failed\n", ran - failed, failed);
	return failed;
}
