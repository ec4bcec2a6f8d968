/* Buffered sends, wherever a model has them (IPC_SENDS_BUFFERED): the queue
 * in the kernel's port (mach) or in the sender's space (asyncsync). */
#include "ktest.h"
#include "ipc.h"

#define B_EP (SLOT_FREE + 110)
#define B_SENDER (SLOT_FREE + 111)

static volatile uint64_t accepted;

/* Sends n numbered messages with timeout forever, counting those accepted. */
static void patient_sender(uint64_t n)
{
	struct ipc_msg m = { .len = 8 };
	for (uint64_t i = 0; i < n; i++) {
		m.w[0] = i;
		long err = ipc_send(B_EP, &m, TIMEOUT_FOREVER);
		if (err)
			sys_exit(1000 + (uint64_t)err);
		accepted = i + 1;
	}
	sys_exit(0);
}

/* A send to a full queue with timeout forever waits for room: the queue
 * takes ASYNC_QUEUE_LEN, the rest go as receives make room, and every
 * message arrives once, in order. */
void test_ipc_send_waits_for_room(void)
{
	SKIP_IF(!IPC_SENDS_BUFFERED, "sends are not buffered here: a send waits for a receiver "
		"whatever the queue (ipc_order)");
	uint64_t how, code, addr, n = CONFIG_ASYNC_QUEUE_LEN + 4;
	struct ipc_msg m = { 0 };
	accepted = 0;
	EXPECT_OK(ipc_create(B_EP));
	EXPECT_OK(thread_spawn(patient_sender, n, B_SENDER, TEST_PRIO + 1));
	/* It runs above us until it waits. */
	EXPECT(accepted == CONFIG_ASYNC_QUEUE_LEN, "the sender waited after %lu sends, not %u",
	       accepted, CONFIG_ASYNC_QUEUE_LEN);
	for (uint64_t i = 0; i < n; i++) {
		EXPECT_OK(ipc_recv(B_EP, &m, TIMEOUT_FOREVER));
		EXPECT(m.len == 8 && m.w[0] == i, "message %lu came as %lu (len %lu)", i, m.w[0],
		       m.len);
	}
	EXPECT_OK(join(B_SENDER, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == 0, "sender: how %lu code %lu", how, code);
	EXPECT(ipc_recv(B_EP, &m, TIMEOUT_NONE) == E_TIMEOUT, "a message delivered twice");
	EXPECT_OK(sys_cap_delete(B_EP));
}
