/* The IPC semantics, written once against user/lib/ipc.h and run on every
 * variant.  Where the models legitimately differ (a send that finds no
 * receiver; timeouts as ticks or as a flag) each test asserts the documented
 * behaviour of the variant it runs on (docs/variants.md). */
#include "ktest.h"
#include "ipc.h"

#define EP (SLOT_FREE + 50)           /* the service's endpoint or port */
#define EP_SEND (SLOT_FREE + 51)      /* send-only copies, badged */
#define NOTE (SLOT_FREE + 60)
#define SERVER (SLOT_FREE + 70)
#define CLIENT (SLOT_FREE + 71)       /* .. CLIENT + 7 */

/* The echo server: answers each request with its bytes plus one, until it
 * gets a zero-length message; then it exits with the count served. */
static void echo_server(uint64_t slot)
{
	struct ipc_msg m = { 0 };
	uint64_t served = 0;
	long err = ipc_recv(slot, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK && m.len) {
		for (uint64_t i = 0; i < m.len; i++)
			m.b[i]++;
		served++;
		err = ipc_reply_recv(slot, &m, TIMEOUT_FOREVER);
	}
	if (err == IPC_OK) {
		m.len = 0;
		ipc_reply_recv(slot, &m, TIMEOUT_NONE);    /* answer the stop request */
	}
	sys_exit(err == IPC_OK || err == E_TIMEOUT ? served : 1000 + (uint64_t)err);
}

/* Stop the echo server in SERVER and check how many requests it served. */
static void stop_server(uint64_t served)
{
	struct ipc_msg m = { .len = 0 };
	uint64_t how, code, addr;
	EXPECT_OK(ipc_call(EP, &m, TIMEOUT_FOREVER));
	EXPECT_OK(join(SERVER, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == served, "server ended how=%lu code=%lu, served %lu",
	       how, code, served);
}

void test_ipc_integrity(void)
{
	EXPECT_OK(ipc_create(EP));
	EXPECT_OK(spawn(echo_server, EP, SERVER));
	EXPECT(sys_info(INFO_MSG_MAX) == IPC_MSG_MAX, "kernel says %lu bytes, user API %u",
	       sys_info(INFO_MSG_MAX), IPC_MSG_MAX);
	uint64_t served = 0;
	for (uint64_t len = 1; len <= IPC_MSG_MAX; len++) {
		struct ipc_msg m;
		memset(&m, 0, sizeof(m));
		m.len = len;
		for (uint64_t i = 0; i < len; i++)
			m.b[i] = (uint8_t)(len * 7 + i);
		EXPECT_OK(ipc_call(EP, &m, TIMEOUT_FOREVER));
		served++;
		EXPECT(m.len == len, "reply length %lu for a request of %lu", m.len, len);
		for (uint64_t i = 0; i < len; i++)
			EXPECT(m.b[i] == (uint8_t)(len * 7 + i + 1), "length %lu: byte %lu is %u", len, i,
			       m.b[i]);
	}
	struct ipc_msg big = { .len = IPC_MSG_MAX + 1 };
	EXPECT(ipc_call(EP, &big, TIMEOUT_FOREVER) == E_TOOBIG, "a message one byte too long");
	big.len = 0xffff;
	EXPECT(ipc_send(EP, &big, TIMEOUT_NONE) == E_TOOBIG, "a 64 KiB message");
	stop_server(served);
	EXPECT_OK(sys_cap_delete(EP));
}

/* Senders that block (sync) or queue (async) one after another are received
 * in that order. */
static void ordered_sender(uint64_t i)
{
	struct ipc_msg m = { .len = 8 };
	m.w[0] = i;
	sys_exit(ipc_send(EP_SEND + i - 100, &m, TIMEOUT_FOREVER));
}

void test_ipc_order(void)
{
	EXPECT_OK(ipc_create(EP));
	for (uint64_t i = 0; i < 4; i++) {
		EXPECT_OK(sys_cap_copy_badged(EP, SLOT_SELF, EP_SEND + i, RIGHT_SEND, 0xb0 + i));
		EXPECT_OK(thread_spawn(ordered_sender, 100 + i, CLIENT + i, TEST_PRIO + 1));
		sys_yield();                         /* it runs now, and blocks or queues */
	}
	for (uint64_t i = 0; i < 4; i++) {
		struct ipc_msg m = { 0 };
		EXPECT_OK(ipc_recv(EP, &m, TIMEOUT_NONE));
		EXPECT(m.len == 8 && m.w[0] == 100 + i, "message %lu: len %lu word %lu", i, m.len, m.w[0]);
		EXPECT(m.badge == 0xb0 + i, "message %lu came with badge %lx", i, m.badge);
	}
	for (uint64_t i = 0; i < 4; i++) {
		uint64_t how, code, addr;
		EXPECT_OK(join(CLIENT + i, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == IPC_OK, "sender %lu: how %lu err %lu", i, how, code);
	}
	EXPECT_OK(sys_cap_delete(EP));
}

void test_ipc_nonblocking(void)
{
	struct ipc_msg m = { .len = 8 };
	EXPECT_OK(ipc_create(EP));
	EXPECT(ipc_recv(EP, &m, TIMEOUT_NONE) == E_TIMEOUT, "receive on an empty endpoint");
	long err = ipc_send(EP, &m, TIMEOUT_NONE);
	if (!IPC_SENDS_BUFFERED) {
		EXPECT(err == E_TIMEOUT, "rendezvous send without a receiver: %ld", err);
		EXPECT(ipc_call(EP, &m, TIMEOUT_NONE) == E_TIMEOUT, "rendezvous call without a receiver");
	} else {
		EXPECT(err == IPC_OK, "buffered send to an empty queue: %ld", err);
		EXPECT_OK(ipc_recv(EP, &m, TIMEOUT_NONE));
	}
	EXPECT_OK(sys_cap_delete(EP));
}

void test_ipc_timeout(void)
{
	struct ipc_msg m = { .len = 8 };
	uint64_t bits;
	EXPECT_OK(ipc_create(EP));
	EXPECT_OK(notify_create(NOTE));
	if (!CONFIG_TIMEOUT_TICKS) {
		EXPECT(ipc_recv(EP, &m, 5) == E_INVAL, "a 5-tick timeout with TIMEOUTS=flag");
		EXPECT(ipc_send(EP, &m, 5) == E_INVAL, "a 5-tick send timeout with TIMEOUTS=flag");
		EXPECT(ipc_wait(NOTE, &bits, 5) == E_INVAL, "a 5-tick wait with TIMEOUTS=flag");
	} else {
		uint64_t t0 = sys_info(INFO_TICKS);
		EXPECT(ipc_recv(EP, &m, 5) == E_TIMEOUT, "receive with a 5-tick timeout");
		uint64_t waited = sys_info(INFO_TICKS) - t0;
		EXPECT(waited >= 5 && waited <= 7, "the 5-tick timeout took %lu ticks", waited);
		t0 = sys_info(INFO_TICKS);
		EXPECT(ipc_wait(NOTE, &bits, 3) == E_TIMEOUT, "wait with a 3-tick timeout");
		waited = sys_info(INFO_TICKS) - t0;
		EXPECT(waited >= 3 && waited <= 5, "the 3-tick timeout took %lu ticks", waited);
		if (!IPC_SENDS_BUFFERED)
			EXPECT(ipc_call(EP, &m, 2) == E_TIMEOUT, "call with a 2-tick timeout");
	}
	EXPECT_OK(sys_cap_delete(NOTE));
	EXPECT_OK(sys_cap_delete(EP));
}

/* Two words (a number and its complement) where a message has room, else one. */
#define TWO_WORDS (IPC_MSG_MAX < 16 ? 8u : 16u)

/* Async: a full queue refuses at once with E_FULL (or blocks, per the
 * timeout); every accepted message arrives once, in order.  Sync has no
 * queue: a send with nobody receiving fails at once. */
void test_ipc_queue_overflow(void)
{
	EXPECT_OK(ipc_create(EP));
	struct ipc_msg m = { .len = TWO_WORDS };
	if (!IPC_SENDS_BUFFERED) {
		EXPECT(ipc_send(EP, &m, TIMEOUT_NONE) == E_TIMEOUT, "a rendezvous has no queue");
		EXPECT_OK(sys_cap_delete(EP));
		return;
	}
	uint64_t sent = 0;
	long err;
	for (;;) {
		m.w[0] = sent;
		m.w[1] = ~sent;
		if ((err = ipc_send(EP, &m, TIMEOUT_NONE)) != IPC_OK)
			break;
		EXPECT(++sent <= CONFIG_ASYNC_QUEUE_LEN, "the queue took more than its length");
	}
	EXPECT(err == E_FULL, "a send to a full queue: %ld", err);
	EXPECT(sent == CONFIG_ASYNC_QUEUE_LEN, "the queue took %lu of %u", sent, CONFIG_ASYNC_QUEUE_LEN);
	if (CONFIG_TIMEOUT_TICKS)
		EXPECT(ipc_send(EP, &m, 2) == E_TIMEOUT, "a send blocked on a full queue times out");
	/* A receive into memory it cannot write fails and loses nothing (a
	 * queue in the kernel: over sync IPC receives are in registers). */
	static const uint8_t readonly[64] = { 1 };
	EXPECT(IPC_MSG_IN_REGS || syscall6(SYS_RECV, EP, 64ul << IPC_CAP_SHIFT, TIMEOUT_NONE, 0,
				   (uint64_t)readonly, 0).err == E_FAULT,
	       "a receive into read-only memory");
	EXPECT(IPC_MSG_IN_REGS || syscall6(SYS_RECV, EP, 64ul << IPC_CAP_SHIFT, TIMEOUT_NONE, 0,
				   0xffffffff80100000ul, 0).err == E_FAULT,
	       "a receive into kernel memory");
	for (uint64_t i = 0; i < sent; i++) {
		EXPECT_OK(ipc_recv(EP, &m, TIMEOUT_NONE));
		EXPECT(m.len == TWO_WORDS && m.w[0] == i && (TWO_WORDS == 8 || m.w[1] == ~i),
		       "message %lu came as %lu", i, m.w[0]);
	}
	EXPECT(ipc_recv(EP, &m, TIMEOUT_NONE) == E_TIMEOUT, "a message delivered twice");
	EXPECT_OK(sys_cap_delete(EP));
}

static void notifier(uint64_t bits)
{
	sys_exit(ipc_notify(NOTE, bits));
}

static volatile uint64_t woken_bits;

static void high_waiter(uint64_t unused)
{
	(void)unused;
	uint64_t bits;
	long err = ipc_wait(NOTE, &bits, TIMEOUT_FOREVER);
	woken_bits = bits;
	sys_exit(err);
}

void test_notify_coalesce(void)
{
	uint64_t bits, how, code, addr;
	EXPECT_OK(notify_create(NOTE));
	EXPECT(ipc_wait(NOTE, &bits, TIMEOUT_NONE) == E_TIMEOUT, "no bits yet");
	for (int i = 0; i < 1000; i++)
		EXPECT_OK(ipc_notify(NOTE, 1ul << (i % 3)));
	EXPECT_OK(ipc_notify(NOTE, 1ul << 63));
	EXPECT_OK(ipc_wait(NOTE, &bits, TIMEOUT_NONE));
	EXPECT(bits == (7ul | 1ul << 63), "1001 signals coalesced into %lx", bits);
	EXPECT(ipc_wait(NOTE, &bits, TIMEOUT_NONE) == E_TIMEOUT, "wait cleared nothing");
	/* A waiter blocked first is woken with the bits. */
	EXPECT_OK(spawn(notifier, 0x50, CLIENT));
	EXPECT_OK(ipc_wait(NOTE, &bits, TIMEOUT_FOREVER));
	EXPECT(bits == 0x50, "woken with %lx", bits);
	EXPECT_OK(join(CLIENT, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == IPC_OK, "notifier: how %lu err %lu", how, code);
	/* A higher-priority waiter runs as soon as the notify makes it ready. */
	woken_bits = 0;
	EXPECT_OK(thread_spawn(high_waiter, 0, CLIENT, TEST_PRIO + 1));
	sys_yield();                                /* it blocks in wait */
	EXPECT_OK(ipc_notify(NOTE, 0x8));
	EXPECT(woken_bits == 0x8, "the higher-priority waiter had not run: %lx", woken_bits);
	EXPECT_OK(join(CLIENT, &how, &code, &addr));
	EXPECT_OK(sys_cap_copy(NOTE, SLOT_SELF, NOTE + 1, RIGHT_RECV));
	EXPECT(ipc_notify(NOTE + 1, 1) == E_RIGHTS, "notify without the send right");
	EXPECT_OK(sys_cap_delete(NOTE + 1));
	EXPECT_OK(sys_cap_delete(NOTE));
}

/* Clients each call with a badged capability and their id and round in
 * word 0 (and the round again in word 1, where there is room); every reply
 * must reach the caller that asked. */
#define NCLIENTS 4
#define ROUNDS 50

static void badged_client(uint64_t id)
{
	for (uint64_t r = 0; r < ROUNDS; r++) {
		struct ipc_msg m = { .len = TWO_WORDS };
		m.w[0] = id << 16 | r;
		m.w[1] = r;
		long err = ipc_call(EP_SEND + id, &m, TIMEOUT_FOREVER);
		if (err)
			sys_exit(1000 + (uint64_t)err);
		if (m.len != TWO_WORDS || m.w[0] != id * 1000 + r || (TWO_WORDS == 16 && m.w[1] != r))
			sys_exit(2000 + r);
		sys_yield();                         /* mix the clients up */
	}
	sys_exit(0);
}

static void badge_server(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(EP, &m, TIMEOUT_FOREVER);
	for (uint64_t n = 0; err == IPC_OK; n++) {
		if (m.len == 0) {
			ipc_reply_recv(EP, &m, TIMEOUT_NONE);   /* answer the stop request */
			sys_exit(n);
		}
		if (m.badge != 0xb0 + (m.w[0] >> 16))
			sys_exit(3000 + m.badge);    /* the badge must name the client */
		m.w[0] = (m.w[0] >> 16) * 1000 + (m.w[0] & 0xffff);
		err = ipc_reply_recv(EP, &m, TIMEOUT_FOREVER);
	}
	sys_exit(1000 + (uint64_t)err);
}

void test_ipc_reply_to_caller(void)
{
	uint64_t how, code, addr;
	EXPECT_OK(ipc_create(EP));
	for (uint64_t i = 0; i < NCLIENTS; i++)
		EXPECT_OK(sys_cap_copy_badged(EP, SLOT_SELF, EP_SEND + i, RIGHT_SEND, 0xb0 + i));
	EXPECT_OK(spawn(badge_server, 0, SERVER));
	for (uint64_t i = 0; i < NCLIENTS; i++)
		EXPECT_OK(spawn(badged_client, i, CLIENT + i));
	for (uint64_t i = 0; i < NCLIENTS; i++) {
		EXPECT_OK(join(CLIENT + i, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == 0, "client %lu: how %lu code %lu", i, how, code);
	}
	stop_server(NCLIENTS * ROUNDS);
	for (uint64_t i = 0; i < NCLIENTS; i++)
		EXPECT_OK(sys_cap_delete(EP_SEND + i));
	EXPECT_OK(sys_cap_delete(EP));
}

/* A server that takes a call and dies: the caller gets E_DEAD, not a hang. */
static void dying_server(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	ipc_recv(EP, &m, TIMEOUT_FOREVER);
	*(volatile int *)0 = 1;                     /* fault with the call in hand */
	sys_exit(0);
}

static void blocked_caller(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { .len = 8 };
	sys_exit(ipc_call(EP, &m, TIMEOUT_FOREVER));
}

void test_ipc_partner_death(void)
{
	uint64_t how, code, addr;
	struct ipc_msg m = { .len = 8 };
	EXPECT_OK(ipc_create(EP));
	EXPECT_OK(spawn(dying_server, 0, SERVER));
	EXPECT(ipc_call(EP, &m, TIMEOUT_FOREVER) == E_DEAD, "a call to a server that died");
	EXPECT_OK(join(SERVER, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED, "the server did not fault");

	/* A caller blocked on an endpoint that is destroyed. */
	EXPECT_OK(sys_cap_copy(EP, SLOT_SELF, EP_SEND, RIGHT_SEND));
	EXPECT_OK(thread_spawn(blocked_caller, 0, CLIENT, TEST_PRIO + 1));
	sys_yield();
	/* The creator's cap: destroys it.  Where sends are buffered the call is
	 * queued with its reply port; destroying the port tells the caller
	 * nobody will answer. */
	EXPECT_OK(sys_cap_delete(EP));
	EXPECT_OK(join(CLIENT, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == E_DEAD, "blocked caller: how %lu err %lu", how, code);
	EXPECT(ipc_send(EP_SEND, &m, TIMEOUT_NONE) == E_DEAD, "send to a destroyed endpoint");
	EXPECT_OK(sys_cap_delete(EP_SEND));
}

void test_ipc_caps(void)
{
	struct ipc_msg m = { .len = 8 };
	EXPECT(ipc_send(SLOT_FREE + 99, &m, TIMEOUT_NONE) == E_BADCAP, "send on an empty slot");
	EXPECT(ipc_send(5000, &m, TIMEOUT_NONE) == E_BADCAP, "send on a forged slot");
	EXPECT(ipc_call(SLOT_CONSOLE, &m, TIMEOUT_NONE) == E_BADCAP, "call on a console");
	EXPECT_OK(notify_create(NOTE));
	EXPECT(ipc_send(NOTE, &m, TIMEOUT_NONE) == E_BADCAP, "send on a notification");
	EXPECT_OK(ipc_create(EP));
	uint64_t bits;
	EXPECT(ipc_wait(EP, &bits, TIMEOUT_NONE) == E_BADCAP, "wait on an endpoint");
	EXPECT_OK(sys_cap_copy(EP, SLOT_SELF, EP_SEND, RIGHT_RECV));
	EXPECT(ipc_send(EP_SEND, &m, TIMEOUT_NONE) == E_RIGHTS, "send without the send right");
	EXPECT(ipc_call(EP_SEND, &m, TIMEOUT_NONE) == E_RIGHTS, "call without the send right");
	EXPECT_OK(sys_cap_delete(EP_SEND));
	EXPECT_OK(sys_cap_copy(EP, SLOT_SELF, EP_SEND, RIGHT_SEND));
	EXPECT(ipc_recv(EP_SEND, &m, TIMEOUT_NONE) == E_RIGHTS, "receive without the receive right");
	EXPECT(ipc_reply_recv(EP_SEND, &m, TIMEOUT_NONE) == E_RIGHTS, "reply_recv without the right");
	EXPECT(ipc_create(EP) == E_EXISTS, "create into an occupied slot");
	EXPECT(ipc_create(0) == E_BADCAP, "create into slot 0");
	EXPECT(ipc_recv(EP, &m, 7) == (CONFIG_TIMEOUT_TICKS ? E_TIMEOUT : E_INVAL),
	       "a 7-tick timeout");
	EXPECT_OK(sys_cap_delete(EP_SEND));
	EXPECT_OK(sys_cap_delete(EP));
	EXPECT_OK(sys_cap_delete(NOTE));
}

/* A call with every message register loaded by hand: the reply comes back
 * in the same registers, rbp and rsp survive, rax is IPC_OK (docs/abi.md:
 * the message and result registers are all an IPC changes). */
void test_ipc_registers(void)
{
	SKIP_IF(!IPC_MSG_IN_REGS, "this model's messages travel in memory, not in registers "
		"(ipc_integrity checks them)");
	EXPECT_OK(ipc_create(EP));
	EXPECT_OK(spawn(echo_server, EP, SERVER));
	uint64_t out[11];
	uint64_t len = IPC_MSG_MAX < 64 ? IPC_MSG_MAX : 64;
	asm volatile(
		"push %%rbp\n\t"
		"push %%rbx\n\t"
		"push %%r12\n\t"
		"push %%r13\n\t"
		"push %%r14\n\t"
		"push %%r15\n\t"
		"push %[out]\n\t"
		"mov %%rsp, %%rax\n\t"
		"push %%rax\n\t"                /* rsp before the call */
		"mov %[slot], %%rdi\n\t"
		"mov %[len], %%rsi\n\t"         /* before the registers it may be in */
		"mov $0x4242, %%rbp\n\t"
		"mov $0x0101010101010101, %%r8\n\t"
		"mov $0x0202020202020202, %%r9\n\t"
		"mov $0x0303030303030303, %%r10\n\t"
		"mov $0x0404040404040404, %%r12\n\t"
		"mov $0x0505050505050505, %%r13\n\t"
		"mov $0x0606060606060606, %%r14\n\t"
		"mov $0x0707070707070707, %%r15\n\t"
		"mov $0x0808080808080808, %%rbx\n\t"
		"mov $-1, %%rdx\n\t"
		"mov %[nr], %%eax\n\t"
		"syscall\n\t"
		"mov 8(%%rsp), %%rcx\n\t"       /* the output array */
		"mov %%rax, 0(%%rcx)\n\t"
		"mov %%rbp, 8(%%rcx)\n\t"
		"mov %%rsi, 16(%%rcx)\n\t"
		"mov %%r8, 24(%%rcx)\n\t"
		"mov %%r9, 32(%%rcx)\n\t"
		"mov %%r10, 40(%%rcx)\n\t"
		"mov %%r12, 48(%%rcx)\n\t"
		"mov %%r13, 56(%%rcx)\n\t"
		"mov %%r14, 64(%%rcx)\n\t"
		"mov %%r15, 72(%%rcx)\n\t"
		"pop %%rax\n\t"
		"sub %%rsp, %%rax\n\t"          /* 0 if rsp came back unchanged */
		"mov %%rax, 80(%%rcx)\n\t"
		"add $8, %%rsp\n\t"
		"pop %%r15\n\t"
		"pop %%r14\n\t"
		"pop %%r13\n\t"
		"pop %%r12\n\t"
		"pop %%rbx\n\t"
		"pop %%rbp\n\t"
		:
		: [out] "r"(out), [slot] "i"(EP), [len] "r"(len), [nr] "i"(SYS_CALL)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	EXPECT(out[0] == IPC_OK, "the call returned %lu", out[0]);
	EXPECT(out[1] == 0x4242, "rbp came back as %lx", out[1]);
	EXPECT(out[10] == 0, "rsp moved by %ld", (long)out[10]);
	EXPECT(out[2] == len, "reply length %lu", out[2]);
	for (unsigned i = 0; i < 7 && i * 8 < len; i++) {
		uint64_t want = 0x0101010101010101ul * (i + 2);   /* echo adds 1 to each byte */
		EXPECT(out[3 + i] == want, "message register %u came back as %lx, not %lx", i, out[3 + i],
		       want);
	}
	stop_server(1);
}

/* With FASTPATH_STATS=y, SYS_IPC_STATS counts fast-path hits: a hundred
 * round trips to a waiting server take it every time (sync with direct
 * switch).  Without it the call is E_NOSYS. */
void test_ipc_fastpath_counter(void)
{
	struct sysret before = syscall6(SYS_IPC_STATS, 0, 0, 0, 0, 0, 0);
	if (!IPC_STATS) {
		EXPECT(before.err == E_NOSYS, "SYS_IPC_STATS without FASTPATH_STATS: %ld", before.err);
		return;
	}
	EXPECT_OK(before.err);
	EXPECT_OK(ipc_create(EP));
	EXPECT_OK(spawn(echo_server, EP, SERVER));
	struct ipc_msg m = { .len = 8 };
	EXPECT_OK(ipc_call(EP, &m, TIMEOUT_FOREVER));      /* the server is now waiting */
	struct sysret start = syscall6(SYS_IPC_STATS, 0, 0, 0, 0, 0, 0);
	for (int i = 0; i < 100; i++) {
		m.len = 8;
		EXPECT_OK(ipc_call(EP, &m, TIMEOUT_FOREVER));
	}
	struct sysret end = syscall6(SYS_IPC_STATS, 0, 0, 0, 0, 0, 0);
	uint64_t calls = end.v0 - start.v0, replies = end.v2 - start.v2;
	if (CONFIG_DIRECT_SWITCH)
		EXPECT(calls == 100 && replies == 100, "fast-path hits: %lu calls, %lu replies of 100",
		       calls, replies);
	else
		EXPECT(calls == 0 && end.v1 - start.v1 == 100, "without direct switch: %lu hits",
		       calls);
	stop_server(101);
}

/* A server holds one reply at a time: when it takes a new call without
 * answering the last one, the abandoned caller gets E_DEAD, not a hang. */
static void forgetful_server(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	ipc_recv(EP, &m, TIMEOUT_FOREVER);          /* the first call, never answered */
	ipc_recv(EP, &m, TIMEOUT_FOREVER);          /* the second one */
	m.len = 8;
	m.w[0] = 2;
	ipc_reply_recv(EP, &m, TIMEOUT_NONE);       /* answers only the second */
	sys_exit(0);
}

void test_ipc_abandoned_call(void)
{
	uint64_t how, code, addr;
	EXPECT_OK(ipc_create(EP));
	EXPECT_OK(thread_spawn(forgetful_server, 0, SERVER, TEST_PRIO + 1));
	EXPECT_OK(thread_spawn(blocked_caller, 0, CLIENT, TEST_PRIO + 1));   /* the first call */
	sys_yield();
	struct ipc_msg m = { .len = 8 };
	EXPECT_OK(ipc_call(EP, &m, TIMEOUT_FOREVER));                       /* the second */
	EXPECT(m.len == 8 && m.w[0] == 2, "the second call's reply: len %lu word %lu", m.len, m.w[0]);
	EXPECT_OK(join(CLIENT, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == E_DEAD, "the abandoned caller: how %lu err %lu", how, code);
	EXPECT_OK(join(SERVER, &how, &code, &addr));
}

static void receiver(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	sys_exit((uint64_t)ipc_recv(EP, &m, TIMEOUT_FOREVER));
}

static void full_sender(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { .len = 8 };
	sys_exit((uint64_t)ipc_send(EP, &m, TIMEOUT_FOREVER));
}

/* A thread woken from a wait on an endpoint or port that is destroyed
 * before it runs again: the object must outlive its wait (a use after
 * free otherwise), and what it gets is the variant's documented answer -
 * a rendezvous kernel: the message was handed over (IPC_OK); a kernel that
 * buffers: the queued message went with the port (E_DEAD), rather than a new
 * wait on a dead port that nothing would end.  (A kernel's ABI: asked of the
 * kernel's trait, whatever library gives the API over it.) */
void test_ipc_destroyed_after_wake(void)
{
	uint64_t how, code, addr;
	struct ipc_msg m = { .len = 8 };
	EXPECT_OK(ipc_create(EP));
	EXPECT_OK(thread_spawn(receiver, 0, SERVER, TEST_PRIO - 1));
	until_blocked(CLIENT + 7);                   /* it waits in recv */
	EXPECT_OK(ipc_send(EP, &m, TIMEOUT_NONE));   /* wakes it; it has not run */
	EXPECT_OK(sys_cap_delete(EP));
	EXPECT_OK(join(SERVER, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == (IPC_KERNEL_SENDS_BUFFERED ? E_DEAD : IPC_OK),
	       "woken receiver: how %lu err %lu", how, code);
	if (!IPC_KERNEL_SENDS_BUFFERED)
		return;

	/* A sender blocked on a full port, woken by a receive, and the port's
	 * last capability deleted: the port is not freed until it has run.
	 * Judged by the port's own frames: another thread (root reaping an
	 * earlier test's space) may free a few frames in between. */
	uint64_t pre = sys_info(INFO_FREE_FRAMES);
	EXPECT_OK(ipc_create(EP));
	uint64_t port_frames = pre - sys_info(INFO_FREE_FRAMES);
	EXPECT(port_frames > 0, "a port takes no frames");
	while (ipc_send(EP, &m, TIMEOUT_NONE) == IPC_OK)
		;
	EXPECT_OK(thread_spawn(full_sender, 0, SERVER, TEST_PRIO - 1));
	until_blocked(CLIENT + 7);                   /* it waits for room */
	EXPECT_OK(ipc_recv(EP, &m, TIMEOUT_NONE));   /* room: wakes it */
	uint64_t before = sys_info(INFO_FREE_FRAMES);
	EXPECT_OK(sys_cap_delete(EP));
	uint64_t deleted = sys_info(INFO_FREE_FRAMES);
	EXPECT_OK(join(SERVER, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == E_DEAD, "woken sender: how %lu err %lu", how, code);
	EXPECT(deleted < before + port_frames, "the port was freed (%lu frames back, the port "
	       "has %lu) while a sender it had woken had not run yet", deleted - before,
	       port_frames);
	EXPECT(sys_info(INFO_FREE_FRAMES) >= deleted + port_frames, "the port was never freed");
	EXPECT_OK(sys_check());
}
