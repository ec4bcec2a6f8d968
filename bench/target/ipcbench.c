/* IPC benchmarks: ping-pong (round trip and one way, same or other space,
 * every size), RPC with several clients, notification latency. */
#include "bench.h"

/* Servers.  They loop until the endpoint is destroyed. */
static void echo_server(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK)
		err = ipc_reply_recv(EP, &m, TIMEOUT_FOREVER);     /* the request, unchanged */
	sys_cap_delete(EP);            /* our copy, in the other space */
	sys_exit(0);
}

/* Answers with the time its receive returned: the end of a one-way trip. */
static void stamp_server(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		m.w[0] = tsc_end();
		m.len = 8;
		err = ipc_reply_recv(EP, &m, TIMEOUT_FOREVER);
	}
	sys_cap_delete(EP);
	sys_exit(0);
}

long bench_pingpong(const struct bench_case *c, uint64_t *s, unsigned n)
{
	long err = server_start(c->where, c->shape == ONEWAY ? stamp_server : echo_server, 0);
	if (err)
		return err;
	struct ipc_msg m;
	memset(&m, 0, sizeof(m));
	for (unsigned i = 0; i < n && !err; i++) {
		m.len = c->bytes;
		fp_begin();
		uint64_t t0 = tsc_begin();
		err = ipc_call(EP, &m, TIMEOUT_FOREVER);
		uint64_t t1 = tsc_end();
		fp_end();
		s[i] = c->shape == ONEWAY ? m.w[0] - t0 : t1 - t0;
	}
	long stop = server_stop();
	return err ? err : stop;
}

/* RPC: clients call the server in the other space as fast as they can. */
static volatile bool rpc_go;
static volatile unsigned rpc_per_client;
static uint64_t rpc_latency[SAMPLES];

static void rpc_client(uint64_t id)
{
	while (!rpc_go)
		sys_yield();
	struct ipc_msg m = { .len = 8 };
	uint64_t *out = rpc_latency + id * rpc_per_client;
	for (unsigned i = 0; i < rpc_per_client; i++) {
		m.len = 8;
		m.w[0] = id;
		uint64_t t0 = tsc_begin();
		long err = ipc_call(EP, &m, TIMEOUT_FOREVER);
		out[i] = tsc_end() - t0;
		if (err)
			sys_exit(err);
	}
	sys_exit(0);
}

/* Extra results of the last rpc case, for its JSON line. */
uint64_t rpc_elapsed, rpc_calls;

long bench_rpc(const struct bench_case *c, uint64_t *s, unsigned n)
{
	long err = server_start(OTHER_SPACE, echo_server, 0);
	if (err)
		return err;
	rpc_go = false;
	rpc_per_client = n / c->clients;
	for (unsigned i = 0; i < c->clients && !err; i++)
		err = thread_spawn(rpc_client, i, CLIENT0 + i, BENCH_PRIO);
	uint64_t t0 = tsc_begin();
	rpc_go = true;
	for (unsigned i = 0; i < c->clients; i++) {
		uint64_t how, code, addr;
		long e = sys_thread_join(CLIENT0 + i, &how, &code, &addr);
		sys_cap_delete(CLIENT0 + i);
		if (!err && (e || how != JOIN_EXITED || code))
			err = e ? e : (long)(how == JOIN_EXITED ? code : 1000 + code);
	}
	rpc_elapsed = tsc_end() - t0;
	rpc_calls = (uint64_t)rpc_per_client * c->clients;
	for (unsigned i = 0; i < rpc_calls; i++)
		s[i] = rpc_latency[i];
	long stop = server_stop();
	return err ? err : stop;
}

/* Notification: from just before notify to just after a higher-priority
 * waiter's wait returns. */
static volatile uint64_t woke_at;

static void note_waiter(uint64_t unused)
{
	(void)unused;
	uint64_t bits;
	while (ipc_wait(NOTE, &bits, TIMEOUT_FOREVER) == IPC_OK)
		woke_at = tsc_end();
	sys_exit(0);
}

long bench_notify(const struct bench_case *c, uint64_t *s, unsigned n)
{
	(void)c;
	long err = notify_create(NOTE);
	if (err || (err = thread_spawn(note_waiter, 0, SERVER, BENCH_PRIO + 1)))
		return err;
	sys_yield();                                    /* it blocks in wait */
	for (unsigned i = 0; i < n && !err; i++) {
		fp_begin();
		uint64_t t0 = tsc_begin();
		err = ipc_notify(NOTE, 1);
		fp_end();
		s[i] = woke_at - t0;
	}
	sys_cap_delete(NOTE);                           /* its wait ends with E_DEAD */
	uint64_t how, code, addr;
	sys_thread_join(SERVER, &how, &code, &addr);
	sys_cap_delete(SERVER);
	return err;
}
