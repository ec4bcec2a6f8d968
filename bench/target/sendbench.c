/* One-way sends in bursts: what a send costs its sender, and what a message
 * costs until it is received.  Each round sends SEND_BURST messages to a
 * server in the other space that runs below the sender, so that the sends
 * find it busy (a queue fills: in the kernel's port, or in the library's
 * lane; sync IPC has none and switches to the server for each), then makes
 * one call that the server answers once it has received and checked the
 * burst.  The server checks every word; the reply says how many were right. */
#include "bench.h"

#define SEND_SERVER_PRIO (BENCH_PRIO - 1)

/* Message j of round i: bytes of data, word k being pattern(i * SEND_BURST + j, k). */
static void fill_burst(struct ipc_msg *m, unsigned i, unsigned j, unsigned bytes)
{
	m->len = bytes;
	for (unsigned k = 0; k < bytes / 8; k++)
		m->w[k] = pattern(i * SEND_BURST + j, k);
}

/* Whether m is message j of round i, of bytes. */
static bool burst_ok(const struct ipc_msg *m, unsigned i, unsigned j, unsigned bytes)
{
	if (m->len != bytes)
		return false;
	for (unsigned k = 0; k < bytes / 8; k++)
		if (m->w[k] != pattern(i * SEND_BURST + j, k))
			return false;
	return true;
}

/* The answer to round i's call when good of its messages were right. */
static inline uint64_t burst_answer(unsigned i, uint64_t good)
{
	return pattern(i, 0) ^ REPLY_XOR ^ good;
}

/* arg: the message size.  Receives a burst, then the call, which it answers
 * with burst_answer; until the endpoint dies. */
static void send_server(uint64_t arg)
{
	unsigned bytes = (unsigned)arg;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(EP, &m, TIMEOUT_FOREVER);
	for (unsigned i = 0; err == IPC_OK; i++) {
		uint64_t good = 0;
		for (unsigned j = 0; j < SEND_BURST && err == IPC_OK; j++) {
			good += burst_ok(&m, i, j, bytes);
			err = ipc_recv(EP, &m, TIMEOUT_FOREVER);   /* after the last: the call */
		}
		m.len = 8;
		m.w[0] = burst_answer(i, good);
		if (err == IPC_OK)
			err = ipc_reply_recv(EP, &m, TIMEOUT_FOREVER);
	}
	sys_cap_delete(EP);            /* our copy, in the other space */
	sys_exit(0);
}

/* The server in OTHER, below us. */
static long send_server_start(unsigned bytes)
{
	long err = ipc_create(EP);
	if (!err)
		err = sys_cap_copy(EP, OTHER, EP, RIGHT_RECV);
	if (!err)
		err = sys_thread_create(OTHER, SERVER, (uint64_t)send_server, USER_STACK_TOP - 8,
					bytes, SEND_SERVER_PRIO);
	return err;
}

/* Round i: the burst, then the call; *sending gets the time the sends
 * took (one interval: the messages are filled before), *all the time from
 * the first send until the call returned. */
static long send_round(const struct bench_case *c, unsigned i, uint64_t *sending, uint64_t *all)
{
	static struct ipc_msg burst[SEND_BURST];
	struct ipc_msg m = { .len = 8 };
	long err = 0;
	for (unsigned j = 0; j < SEND_BURST; j++)
		fill_burst(&burst[j], i, j, c->bytes);
	uint64_t t0 = tsc_begin();
	for (unsigned j = 0; j < SEND_BURST && !err; j++)
		err = ipc_send(EP, &burst[j], TIMEOUT_FOREVER);
	uint64_t t1 = tsc_end();
	if (!err)
		err = ipc_call(EP, &m, TIMEOUT_FOREVER);
	*all = tsc_end() - t0;
	*sending = t1 - t0;
	if (err)
		return err;
	if (m.len != 8)
		return check_word_failed(c, i, LEN_WORD, 8, m.len);
	if (m.w[0] != burst_answer(i, SEND_BURST))
		return check_word_failed(c, i, 0, burst_answer(i, SEND_BURST), m.w[0]);
	return 0;
}

/* A sample per round, for the whole burst: ONEWAY_CALL the SEND_BURST
 * sends, ROUNDTRIP the sends and the call that returns once the server has
 * received and checked them. */
long bench_send(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	long err = send_server_start(c->bytes);
	for (unsigned i = 0; i < warmup + n && !err; i++) {
		uint64_t sending, all;
		round_begin(i, warmup);
		fp_begin();
		err = send_round(c, i, &sending, &all);
		fp_end();
		s[sample_slot(i, warmup)] = c->shape == ONEWAY_CALL ? sending : all;
	}
	long stop = server_stop();
	return err ? err : stop;
}
