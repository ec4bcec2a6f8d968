/* One address space cannot see another's memory; a destroyed space gives
 * back every frame it used. */
#include "ktest.h"

#define OTHER (SLOT_FREE + 40)
#define PROBE (SLOT_FREE + 41)
#define SECRET_VA 0x30000000ul
#define SECRET 0x5ec2e7ul

/* These run inside the other space, a second copy of this program. */
static void probe_read(uint64_t va) { sys_exit(*(volatile uint64_t *)va); }
static void probe_write(uint64_t va)
{
	*(volatile uint64_t *)va = 0xbad;
	sys_exit(*(volatile uint64_t *)va);
}

/* Start fn(arg) in the other space and wait for it. */
static long run_there(void (*fn)(uint64_t), uint64_t arg, uint64_t stack, uint64_t *how,
		      uint64_t *code, uint64_t *addr)
{
	long err = sys_thread_create(OTHER, PROBE, (uint64_t)fn, stack - 8, arg, TEST_PRIO);
	return err ? err : join(PROBE, how, code, addr);
}

void test_space_isolation(void)
{
	uint64_t entry, stack, how, code, addr;
	EXPECT_OK(sys_map(SLOT_MEMORY, SLOT_SELF, SECRET_VA, 1, MAP_WRITE));
	*(volatile uint64_t *)SECRET_VA = SECRET;
	sys_yield();                               /* let dead threads be freed */
	uint64_t frames_before = sys_info(INFO_FREE_FRAMES);
	EXPECT_OK(sys_space_create(OTHER));
	EXPECT_OK(sys_module_load(SLOT_SELF_IMAGE, OTHER, SLOT_MEMORY, "probe", 5, &entry, &stack));

	/* Not mapped there at all. */
	EXPECT_OK(run_there(probe_read, SECRET_VA, stack, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED && code == VEC_PF && addr == SECRET_VA,
	       "reading our page from the other space: how %lu code %lu addr %p", how, code,
	       (void *)addr);

	/* Mapped there: a page of its own, zeroed, and writes stay there. */
	EXPECT_OK(sys_map(SLOT_MEMORY, OTHER, SECRET_VA, 1, MAP_WRITE));
	EXPECT_OK(run_there(probe_read, SECRET_VA, stack, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == 0, "the other space's page held %lx (how %lu)", code, how);
	EXPECT_OK(run_there(probe_write, SECRET_VA, stack, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == 0xbad, "probe_write: how %lu code %lx", how, code);
	EXPECT(*(volatile uint64_t *)SECRET_VA == SECRET, "our page changed to %lx",
	       *(volatile uint64_t *)SECRET_VA);

	/* Destroy it: every frame it took comes back. */
	EXPECT_OK(sys_cap_delete(OTHER));
	sys_yield();
	uint64_t frames_after = sys_info(INFO_FREE_FRAMES);
	EXPECT(frames_after == frames_before, "free frames: %lu before the space, %lu after it",
	       frames_before, frames_after);
}

/* Deleting the creator's capability destroys a space: its threads are
 * killed wherever they wait, its capabilities dropped (so a space that
 * holds a capability to itself goes too), and every frame comes back. */
#define NOTE_THERE (SLOT_FREE + 42)

static void wait_forever(uint64_t slot)
{
	sys_exit(1000 + (uint64_t)syscall6(SYS_WAIT, slot, TIMEOUT_FOREVER, 0, 0, 0, 0).err);
}

void test_space_destroy(void)
{
	uint64_t entry, stack, how, code, addr;
	sys_yield();
	uint64_t frames_before = sys_info(INFO_FREE_FRAMES);
	EXPECT_OK(sys_space_create(OTHER));
	EXPECT_OK(sys_module_load(SLOT_SELF_IMAGE, OTHER, SLOT_MEMORY, "victim", 6, &entry, &stack));
	EXPECT_OK(syscall6(SYS_NOTIFY_CREATE, NOTE_THERE, 0, 0, 0, 0, 0).err);
	EXPECT_OK(sys_cap_copy(NOTE_THERE, OTHER, NOTE_THERE, RIGHT_RECV));
	EXPECT_OK(sys_cap_copy(OTHER, OTHER, SLOT_SELF, RIGHTS_ALL & ~RIGHT_CONTROL));  /* a cycle */
	EXPECT_OK(sys_thread_create(OTHER, PROBE, (uint64_t)wait_forever, stack - 8, NOTE_THERE,
				    TEST_PRIO));
	sys_yield();                                /* it blocks in SYS_WAIT */
	EXPECT_OK(sys_cap_delete(OTHER));            /* ours has RIGHT_CONTROL */
	EXPECT_OK(sys_thread_join(PROBE, &how, &code, &addr));
	EXPECT(how == JOIN_KILLED, "the waiting thread ended how=%lu code=%lu, not killed", how, code);
	EXPECT_OK(sys_cap_delete(PROBE));
	EXPECT_OK(sys_cap_delete(NOTE_THERE));
	sys_yield();
	uint64_t frames_after = sys_info(INFO_FREE_FRAMES);
	EXPECT(frames_after == frames_before, "free frames: %lu before the space, %lu after it",
	       frames_before, frames_after);
	EXPECT(sys_thread_create(OTHER, PROBE, (uint64_t)wait_forever, stack - 8, 0, TEST_PRIO) ==
	       E_BADCAP, "the slot of a destroyed space");
}

/* The frames the memory capability can still give: a map far too large
 * fails on the quota and INFO_NOMEM says how much was left. */
static uint64_t quota_left(void)
{
	if (sys_map(SLOT_MEMORY, OTHER, 0x100000000ul, 1ul << 30, MAP_WRITE) != E_NOMEM)
		return 0;
	struct nomem_info why = sys_nomem_info();
	return why.kind == NOMEM_QUOTA ? why.free : 0;
}

#define QUOTA_ROUNDS 20
#define BIG_VA 0x100000000ul

/* A destroyed space gives its quota back: load a program and map most of
 * the memory left into a space, destroy it, QUOTA_ROUNDS times; each round
 * starts with the quota the first one had. */
void test_space_quota_refund(void)
{
	uint64_t entry, stack, first = 0;
	sys_yield();                               /* let dead threads be freed */
	for (unsigned round = 0; round < QUOTA_ROUNDS; round++) {
		EXPECT_OK(sys_space_create(OTHER));
		EXPECT_OK(sys_module_load(SLOT_SELF_IMAGE, OTHER, SLOT_MEMORY, "big", 3, &entry,
					  &stack));
		uint64_t left = quota_left();
		EXPECT(left > 0, "round %u: no quota left, or the probe map did not fail on it",
		       round);
		if (round == 0)
			first = left;
		EXPECT(left == first, "round %u: %lu KiB of quota left, %lu KiB in round 0", round,
		       left * 4, first * 4);
		uint64_t frames = sys_info(INFO_FREE_FRAMES);
		uint64_t most = (left < frames ? left : frames) / 4 * 3;  /* room for page tables */
		char why[ERROR_TEXT_MAX];
		long err = sys_map(SLOT_MEMORY, OTHER, BIG_VA, most, MAP_WRITE);
		EXPECT(err == IPC_OK, "round %u: mapping %lu KiB: %s", round, most * 4,
		       error_text(why, sizeof(why), err, NULL));
		EXPECT_OK(sys_cap_delete(OTHER));
	}
}
