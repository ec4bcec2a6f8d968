/* A server killed in the middle of an RPC load is restarted by its
 * supervisor (this test): no client hangs, a client whose call the dead
 * server held gets E_DEAD, and every client's later calls reach the new
 * instance.  The endpoint belongs to the supervisor, so calls queued on it
 * survive the server. */
#include "ktest.h"
#include "ipc.h"

#define R_EP (SLOT_FREE + 80)        /* the service endpoint (ours, with RIGHT_CONTROL) */
#define R_SPACE (SLOT_FREE + 81)     /* the server's space (ours, with RIGHT_CONTROL) */
#define R_THREAD (SLOT_FREE + 82)
#define R_CLIENT (SLOT_FREE + 83)    /* .. + R_CLIENTS */
#define R_CLIENTS 4
#define R_CALLS 200

static volatile uint64_t calls_ok, calls_dead;

/* Runs in the server's space, a fresh copy of this program: echo + 1. */
static void restartable_server(uint64_t slot)
{
	struct ipc_msg m = { 0 };
	long err = ipc_recv(slot, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		m.w[0]++;
		m.len = 8;
		sys_yield();                           /* hold the call a while: a kill may land here */
		err = ipc_reply_recv(slot, &m, TIMEOUT_FOREVER);
	}
	sys_exit(err);
}

static void restart_client(uint64_t id)
{
	uint64_t ok = 0;
	while (ok < R_CALLS) {
		struct ipc_msg m = { .len = 8 };
		m.w[0] = id * 1000000 + ok;
		long err = ipc_call(R_EP, &m, TIMEOUT_FOREVER);
		if (err == E_DEAD) {
			calls_dead++;                  /* the server died with our call: again */
			continue;
		}
		if (err != IPC_OK || m.w[0] != id * 1000000 + ok + 1)
			sys_exit(5000 + (uint64_t)err);
		ok++;
		calls_ok++;
		sys_yield();                           /* let the others, and the killer, in */
	}
	sys_exit(0);
}

/* A new server instance in a new space, serving R_EP. */
static long start_server(void)
{
	uint64_t entry, stack;
	long err;
	if ((err = sys_space_create(R_SPACE)) ||
	    (err = sys_module_load(SLOT_SELF_IMAGE, R_SPACE, SLOT_MEMORY, "server", 6, &entry, &stack)) ||
	    (err = sys_cap_copy(R_EP, R_SPACE, R_EP, RIGHT_RECV)))
		return err;
	return sys_thread_create(R_SPACE, R_THREAD, (uint64_t)restartable_server, stack - 8, R_EP,
				 TEST_PRIO);
}

void test_server_restart(void)
{
	uint64_t how, code, addr;
	calls_ok = calls_dead = 0;
	EXPECT_OK(ipc_create(R_EP));
	EXPECT_OK(start_server());
	for (uint64_t i = 0; i < R_CLIENTS; i++)
		EXPECT_OK(spawn(restart_client, i, R_CLIENT + i));
	for (int kill = 0; kill < 3; kill++) {
		uint64_t target = calls_ok + 100;
		while (calls_ok < target)
			sys_yield();
		EXPECT_OK(sys_cap_delete(R_SPACE));       /* the server dies, wherever it is */
		EXPECT_OK(sys_thread_join(R_THREAD, &how, &code, &addr));
		EXPECT(how == JOIN_KILLED, "the server ended how=%lu code=%lu, not killed", how, code);
		EXPECT_OK(sys_cap_delete(R_THREAD));
		EXPECT_OK(start_server());                /* and is restarted */
	}
	for (uint64_t i = 0; i < R_CLIENTS; i++) {
		EXPECT_OK(join(R_CLIENT + i, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == 0, "client %lu: how %lu code %lu", i, how, code);
	}
	EXPECT(calls_ok == R_CLIENTS * R_CALLS, "%lu calls answered of %u", calls_ok,
	       R_CLIENTS * R_CALLS);
	printf("ktest: server_restart: 3 restarts, %lu calls answered, %lu ended with E_DEAD\n",
	       calls_ok, calls_dead);
	EXPECT_OK(sys_cap_delete(R_SPACE));
	EXPECT_OK(sys_thread_join(R_THREAD, &how, &code, &addr));
	EXPECT_OK(sys_cap_delete(R_EP));
}
