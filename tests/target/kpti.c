/* The address-space axes: with KPTI user mode runs on a table that maps, of
 * the kernel, only the entry trampoline; with PCIDs a space that takes a
 * dead space's PCID sees none of the dead space's mappings.  The probes run
 * in spaces of their own (fresh copies of this program). */
#include "ktest.h"
#include "ipc.h"

#define K_EP (SLOT_FREE + 110)        /* the refusing pager's endpoint */
#define K_EP_BADGED (SLOT_FREE + 111) /* ... the capability the kernel calls through */
#define K_SPACE (SLOT_FREE + 112)     /* the probe's space */
#define K_THREAD (SLOT_FREE + 113)    /* the probe */
#define K_PAGER (SLOT_FREE + 114)     /* the pager thread */
/* The kernel's map of physical memory (PHYSMAP_BASE, arch/x86_64/asm.h):
 * always in the kernel's tables, never in a user table. */
#define PHYSMAP 0xFFFF800000000000ul
#define STALE_VA 0x60000000ul
#define STALE_MAGIC 0x57a1e0ul
#define PF_PRESENT 1ul                /* #PF error code: a protection fault */

static volatile uint64_t seen_faults, seen_access;

/* Runs in the probe's space. */
static void probe_read(uint64_t va) { sys_exit(*(volatile uint64_t *)va); }
static void probe_write(uint64_t va)
{
	*(volatile uint64_t *)va = STALE_MAGIC;
	sys_exit(*(volatile uint64_t *)va);
}

/* A pager that records each fault and refuses it: the thread stops. */
static void refusing_pager(uint64_t arg)
{
	(void)arg;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(K_EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		seen_faults++;
		seen_access = m.w[FAULT_MSG_ACCESS];
		m.len = 8;
		m.w[0] = 1;
		err = ipc_reply_recv(K_EP, &m, TIMEOUT_FOREVER);
	}
	sys_exit(err == E_DEAD ? 0 : 100 + (uint64_t)err);
}

/* A fresh space K_SPACE running a copy of this program; *stack for its thread. */
static long new_space(uint64_t *stack)
{
	uint64_t entry;
	long err = sys_space_create(K_SPACE);
	return err ? err : sys_module_load(SLOT_SELF_IMAGE, K_SPACE, SLOT_MEMORY, "probe", 5,
					   &entry, stack);
}

/* Run fn(arg) in K_SPACE, with a pager if pager_ep is not 0, and wait for it. */
static long run_there(void (*fn)(uint64_t), uint64_t arg, uint64_t stack, uint64_t pager_ep,
		      uint64_t *how, uint64_t *code, uint64_t *addr)
{
	long err = sys_thread_create(K_SPACE, K_THREAD, (uint64_t)fn, stack - 8, arg, TEST_PRIO - 1);
	if (!err && pager_ep)
		err = sys_thread_pager(K_THREAD, pager_ep);
	if (!err)
		err = join(K_THREAD, how, code, addr);
	sys_cap_delete(K_THREAD);
	return err;
}

/* *access = the #PF error code of a user read of va, as a pager sees it. */
static void read_fault_access(uint64_t va, uint64_t *access)
{
	uint64_t how = 0, code = 0, addr = 0;
	seen_faults = seen_access = 0;
	EXPECT_OK(ipc_create(K_EP));
	EXPECT_OK(sys_cap_copy_badged(K_EP, SLOT_SELF, K_EP_BADGED, RIGHT_SEND, 1));
	EXPECT_OK(spawn(refusing_pager, 0, K_PAGER));
	uint64_t stack = 0;
	EXPECT_OK(new_space(&stack));
	EXPECT_OK(run_there(probe_read, va, stack, K_EP_BADGED, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED && code == VEC_PF && addr == va && seen_faults == 1,
	       "reading %p: how %lu code %lu addr %p, %lu faults", (void *)va, how, code,
	       (void *)addr, seen_faults);
	EXPECT_OK(sys_cap_delete(K_EP));
	EXPECT_OK(join(K_PAGER, &how, &code, &addr));
	EXPECT_OK(sys_cap_delete(K_SPACE));
	sys_cap_delete(K_EP_BADGED);
	sys_cap_delete(K_PAGER);
	*access = seen_access;
}

/* From user mode the kernel's physmap is missing altogether with KPTI (a
 * not-present fault) but present and supervisor-only without it; the IDT,
 * which the CPU needs to enter the kernel, is present either way.  And the
 * kernel's own walk of every user table (SYS_CHECK) finds nothing of the
 * kernel but the trampoline. */
void test_kpti_user_table(void)
{
	SKIP_IF(IPC_MSG_MAX < 16, "the fault message is cut to %u bytes here: its access "
		"word, which this test checks, does not come", IPC_MSG_MAX);
	uint64_t access = 0;
	read_fault_access(PHYSMAP, &access);
	if (ktest_failed)
		return;
	EXPECT((access & PF_PRESENT) == (CONFIG_KPTI_KPTI ? 0 : PF_PRESENT),
	       "a user read of the physmap: #PF access %lx, wanted %s", access,
	       CONFIG_KPTI_KPTI ? "not present (KPTI)" : "a protection fault");
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idt;
	asm volatile("sidt %0" : "=m"(idt));
	read_fault_access(idt.base, &access);
	if (ktest_failed)
		return;
	EXPECT(access & PF_PRESENT, "a user read of the IDT at %p: #PF access %lx, wanted a "
	       "protection fault (the trampoline maps it)", (void *)idt.base, access);
	EXPECT_OK(sys_check());
}

/* A space writes a page and dies; the next space, which takes its PCID
 * where PCIDs are used (the lowest free), must not reach that page through
 * a TLB entry the dead one left: a read there faults, and once it maps a
 * page of its own there it reads zeroes. */
void test_pcid_stale_mapping(void)
{
	uint64_t stack = 0, how = 0, code = 0, addr = 0;
	EXPECT_OK(new_space(&stack));
	EXPECT_OK(sys_map(SLOT_MEMORY, K_SPACE, STALE_VA, 1, MAP_WRITE));
	EXPECT_OK(run_there(probe_write, STALE_VA, stack, 0, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == STALE_MAGIC, "the first space's write: how %lu "
	       "code %lx", how, code);
	EXPECT_OK(sys_cap_delete(K_SPACE));
	sys_yield();                               /* let its dead thread go */

	EXPECT_OK(new_space(&stack));
	EXPECT_OK(run_there(probe_read, STALE_VA, stack, 0, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED && code == VEC_PF && addr == STALE_VA,
	       "the next space read the dead one's page: how %lu code %lx addr %p", how, code,
	       (void *)addr);
	EXPECT_OK(sys_map(SLOT_MEMORY, K_SPACE, STALE_VA, 1, MAP_WRITE));
	EXPECT_OK(run_there(probe_read, STALE_VA, stack, 0, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == 0, "its own fresh page held %lx (how %lu)", code, how);
	EXPECT_OK(sys_check());                    /* no two live spaces share a PCID */
	EXPECT_OK(sys_cap_delete(K_SPACE));
}
