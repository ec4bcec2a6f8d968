/* Denial of service: what one misbehaving thread can do to others, on
 * every variant.  A client that calls and then stops waiting cannot block
 * the server that answers it with timeout 0; a flood of sends with timeout
 * 0 is refused (queue full, or no receiver waiting) and every message
 * accepted arrives once, in order; a thread that spins for ever does not
 * starve the IPC of others of its priority.  A failure here is a wrong
 * count or a hang (the harness's watchdog). */
#include "ktest.h"
#include "ipc.h"

#define D_EP (SLOT_FREE + 100)        /* the service's endpoint or port */
#define D_SPACE (SLOT_FREE + 101)     /* the space of the client that is killed */
#define D_CLIENT (SLOT_FREE + 102)
#define D_SERVER (SLOT_FREE + 103)
#define D_OTHER (SLOT_FREE + 104)     /* the flooder, the spinner */
/* More messages than a port's queue holds, so that some are refused; two
 * words each (the number and its complement) where a message has room. */
#define D_FLOOD (300 + CONFIG_ASYNC_QUEUE_LEN)
#define D_LEN (IPC_MSG_MAX < 16 ? 8u : 16u)

static volatile bool hold, holding, spin_stop;
static volatile uint64_t replies, refused, spins;

/* Answers each call with its word plus one, with timeout 0 (it never waits
 * for anyone), after holding it while `hold` is set.  Ends when the
 * endpoint is destroyed. */
static void holding_server(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(D_EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		holding = true;
		while (hold)
			sys_yield();
		holding = false;
		m.len = 8;
		m.w[0]++;
		err = ipc_reply_recv(D_EP, &m, TIMEOUT_NONE);
		replies++;
		if (err == E_TIMEOUT)                      /* nothing queued: now wait */
			err = ipc_recv(D_EP, &m, TIMEOUT_FOREVER);
	}
	sys_exit(err == E_DEAD ? 0 : 100 + (uint64_t)err);
}

static void caller(uint64_t timeout)
{
	struct ipc_msg m = { .len = 8 };
	sys_exit((uint64_t)ipc_call(D_EP, &m, timeout));
}

/* Wait (yielding) until the server holds a call. */
static void until_held(void)
{
	while (!holding)
		sys_yield();
}

void test_dos_unwaited_reply(void)
{
	uint64_t how, code, addr, entry, stack;
	hold = true;
	holding = false;
	replies = 0;
	EXPECT_OK(ipc_create(D_EP));
	EXPECT_OK(spawn(holding_server, 0, D_SERVER));

	/* A client in a space of its own calls and is killed while the server
	 * holds its call. */
	EXPECT_OK(sys_space_create(D_SPACE));
	EXPECT_OK(sys_module_load(SLOT_SELF_IMAGE, D_SPACE, SLOT_MEMORY, "dos", 3, &entry, &stack));
	EXPECT_OK(sys_cap_copy(D_EP, D_SPACE, D_EP, RIGHT_SEND));
	EXPECT_OK(sys_thread_create(D_SPACE, D_CLIENT, (uint64_t)caller, stack - 8,
				    TIMEOUT_FOREVER, TEST_PRIO));
	until_held();
	EXPECT_OK(sys_cap_delete(D_SPACE));
	EXPECT_OK(join(D_CLIENT, &how, &code, &addr));
	EXPECT(how == JOIN_KILLED, "the killed client ended how %lu", how);
	hold = false;
	while (replies < 1)
		sys_yield();                           /* the reply to no one returned */

	/* Where timeouts are ticks: a client that stops waiting for its reply. */
	if (CONFIG_TIMEOUT_TICKS) {
		hold = true;
		EXPECT_OK(spawn(caller, 2, D_CLIENT));
		EXPECT_OK(join(D_CLIENT, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == E_TIMEOUT, "the impatient client: how %lu err %lu",
		       how, code);
		EXPECT(holding, "the server did not get the impatient client's call");
		hold = false;
		while (replies < 2)
			sys_yield();
	}

	/* The server still serves. */
	struct ipc_msg m = { .len = 8 };
	m.w[0] = 41;
	EXPECT_OK(ipc_call(D_EP, &m, TIMEOUT_FOREVER));
	EXPECT(m.len == 8 && m.w[0] == 42, "the honest call's reply: len %lu word %lu", m.len, m.w[0]);
	EXPECT_OK(sys_cap_delete(D_EP));
	EXPECT_OK(join(D_SERVER, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == 0, "server: how %lu code %lu", how, code);
}

/* Sends numbered messages with timeout 0 as fast as it can; a refused one is
 * sent again after a yield. */
static void flooder(uint64_t n)
{
	struct ipc_msg m = { .len = D_LEN };
	for (uint64_t seq = 0; seq < n;) {
		m.w[0] = seq;
		m.w[1] = ~seq;                          /* sent only where D_LEN is 16 */
		long err = ipc_send(D_EP, &m, TIMEOUT_NONE);
		if (err == IPC_OK) {
			seq++;
		} else if (err == E_FULL || err == E_TIMEOUT) {
			refused++;
			sys_yield();
		} else {
			sys_exit(1000 + (uint64_t)err);
		}
	}
	sys_exit(0);
}

void test_dos_flood(void)
{
	uint64_t how, code, addr;
	refused = 0;
	EXPECT_OK(ipc_create(D_EP));
	EXPECT_OK(spawn(flooder, D_FLOOD, D_OTHER));
	/* Receive only once the flood has been refused: where waking the one
	 * who delivers a send costs the sender its turn (asyncsync's helper),
	 * a receiver that ran at once would keep up and nothing would be. */
	for (unsigned i = 0; i < 1000 && !refused; i++)
		sys_yield();
	struct ipc_msg m = { 0 };
	for (uint64_t i = 0; i < D_FLOOD; i++) {
		EXPECT_OK(ipc_recv(D_EP, &m, TIMEOUT_FOREVER));
		EXPECT(m.len == D_LEN && m.w[0] == i && (D_LEN == 8 || m.w[1] == ~i),
		       "message %lu came as %lu (len %lu)", i, m.w[0], m.len);
	}
	EXPECT_OK(join(D_OTHER, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == 0, "flooder: how %lu code %lu", how, code);
	EXPECT(ipc_recv(D_EP, &m, TIMEOUT_NONE) == E_TIMEOUT, "a message delivered twice");
	EXPECT(refused > 0, "the flood was never refused: the test proved nothing");
	printf("ktest: dos_flood: %u accepted and delivered in order, %lu refused\n",
	       (unsigned)D_FLOOD, refused);
	EXPECT_OK(sys_cap_delete(D_EP));
}

static void spinner(uint64_t unused)
{
	(void)unused;
	while (!spin_stop)
		spins++;
	sys_exit(0);
}

static void echo(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(D_EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		m.w[0]++;
		err = ipc_reply_recv(D_EP, &m, TIMEOUT_FOREVER);
	}
	sys_exit(0);
}

void test_dos_spinner(void)
{
	uint64_t how, code, addr;
	spin_stop = false;
	spins = 0;
	EXPECT_OK(ipc_create(D_EP));
	EXPECT_OK(spawn(echo, 0, D_SERVER));
	EXPECT_OK(spawn(spinner, 0, D_OTHER));      /* never yields, never blocks */
	uint64_t t0 = sys_info(INFO_TICKS);
	for (uint64_t i = 0; i < 60; i++) {
		struct ipc_msg m = { .len = 8 };
		m.w[0] = i;
		EXPECT_OK(ipc_call(D_EP, &m, TIMEOUT_FOREVER));
		EXPECT(m.w[0] == i + 1, "call %lu answered %lu", i, m.w[0]);
		if (i % 20 == 0)
			sys_yield();                   /* give the spinner the CPU */
	}
	uint64_t ticks = sys_info(INFO_TICKS) - t0, seen = spins;
	spin_stop = true;
	EXPECT_OK(join(D_OTHER, &how, &code, &addr));
	EXPECT(seen > 0, "the spinner never ran in %lu ticks: the test proved nothing", ticks);
	EXPECT_OK(sys_cap_delete(D_EP));
	EXPECT_OK(join(D_SERVER, &how, &code, &addr));
}
