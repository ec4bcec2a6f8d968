/* The on-target test program: runs every test of the table, or those named
 * by test=<name>[,<name>...] (a name also selects the tests it begins), printing "TEST <name> ok",
 * "TEST <name> FAIL <reason>" or, for a test that cannot apply to this variant,
 * "TEST <name> skip <reason>".  Exits with the number of failures. */
#include "ktest.h"
#include <ipclab/result.h>

/* Every test, in the order they run.  Each is a function test_<name>. */
#define KTESTS(X)                                                                \
	X(null_syscall) X(bad_syscalls) X(registers_preserved)                   \
	X(user_pointers)                                                         \
	X(kernel_write_faults) X(fault_pf_read_unmapped) X(fault_pf_read_kernel)\
	X(fault_pf_write_rodata) X(fault_pf_exec_nx) X(fault_pf_stack_overflow) \
	X(fault_gp_hlt) X(fault_gp_noncanonical) X(fault_gp_port_io)           \
	X(fault_gp_int80) X(fault_ud) X(fault_de) X(fault_bp)                   \
	X(threads_run) X(preemption) X(space_isolation) X(space_destroy)         \
	X(space_quota_refund) X(kpti_user_table) X(pcid_stale_mapping)           \
	X(server_restart) X(pager_demand) X(pager_refuses) X(pager_dies)        \
	X(pager_bad_args) X(pager_fault_keeps_reply) X(pager_registers)            \
	X(pager_lifetimes) X(pager_fast_replies) X(pager_fast_dies)               \
	X(dos_unwaited_reply) X(dos_flood) X(dos_spinner)     \
	X(ipc_integrity) X(ipc_order) X(ipc_nonblocking) X(ipc_timeout)         \
	X(ipc_queue_overflow) X(ipc_send_waits_for_room) X(notify_coalesce)        \
	X(ipc_reply_to_caller)                                                   \
	X(ipc_partner_death) X(ipc_caps) X(ipc_registers) X(ipc_fastpath_counter)                   \
	X(ipc_abandoned_call) X(ipc_destroyed_after_wake) X(ipc_no_register_leak)     \
	X(ipc_prio_call) X(ipc_prio_reply)

#define DECLARE(name) void test_##name(void);
#define ENTRY(name) { #name, test_##name },
KTESTS(DECLARE)
static const struct ktest ktests[] = { KTESTS(ENTRY) };

bool ktest_failed;
static bool skipped;
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

long spawn(void (*fn)(uint64_t), uint64_t arg, uint64_t slot)
{
	return thread_spawn(fn, arg, slot, TEST_PRIO);
}

void ktest_skip(const char *fmt, ...)
{
	if (ktest_failed || skipped)
		return;
	skipped = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
}

static void lowest(uint64_t unused)
{
	(void)unused;
	sys_exit(0);
}

void until_blocked(uint64_t slot)
{
	uint64_t how, code, addr;
	if (thread_spawn(lowest, 0, slot, TEST_PRIO - 2) == IPC_OK)
		join(slot, &how, &code, &addr);
}

long join(uint64_t slot, uint64_t *how, uint64_t *code, uint64_t *addr)
{
	long err = sys_thread_join(slot, how, code, addr);
	sys_cap_delete(slot);
	return err;
}

/* Run one test and print its TEST line; count it in *failed or *skips. */
static void run_one(const struct ktest *t, unsigned *failed, unsigned *skips)
{
	ktest_failed = skipped = false;
	reason[0] = 0;
	t->fn();
	/* Whatever the test left, the next one starts with a clean table. */
	for (uint64_t slot = SLOT_FREE; slot < CAP_SLOTS; slot++)
		sys_cap_delete(slot);
	if (ktest_failed)
		printf(TEST_PREFIX "%s FAIL %s\n", t->name, reason);
	else if (skipped)
		printf(TEST_PREFIX "%s skip %s\n", t->name, reason);
	else
		printf(TEST_PREFIX "%s ok\n", t->name);
	*failed += ktest_failed;
	*skips += skipped && !ktest_failed;
}

/* args_name_fn: the tests' names. */
static const char *test_name(const void *ctx, unsigned i)
{
	(void)ctx;
	return i < sizeof(ktests) / sizeof(ktests[0]) ? ktests[i].name : NULL;
}

/* test= (the boot's, shared with devtest, whose tests are the dev_ ones):
 * our part of it into only; false (said in one line) if an item of ours
 * begins no test of ours, or test= names only devtest's. */
static bool read_args(const char *line, char *only, size_t n, bool *some)
{
	struct args a;
	args_init(&a, "ktest", line);
	char list[START_ARGS_MAX];
	*some = args_text(&a, "test", "", list, sizeof(list));
	list_filter(list, "dev_", false, only, n);
	if (*some && !a.bad)
		args_check_list(&a, "test", only[0] ? only : list, ARGS_PREFIX, test_name, NULL);
	return args_done(&a);
}

int main(struct start_info *info)
{
	char only[START_ARGS_MAX];
	bool one;
	if (!read_args(info->args, only, sizeof(only), &one))
		return 1;
	unsigned failed = 0, skips = 0, ran = 0;
	for (unsigned i = 0; i < sizeof(ktests) / sizeof(ktests[0]); i++) {
		if (one && !list_has_prefix(only, ktests[i].name))
			continue;
		run_one(&ktests[i], &failed, &skips);
		ran++;
	}
	printf("ktest: %u passed, %u failed, %u skipped\n", ran - failed - skips, failed, skips);
	return failed;
}
