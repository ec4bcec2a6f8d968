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

/* RPC: clients call one server in the other space, each as fast as it can,
 * for RPC_TICKS_PER_CLIENT scheduler ticks per client, so that time slices,
 * preemption and fairness show.  A call's response time runs from the moment
 * its client is ready to call (its previous call returned, or the common
 * start) to the moment it returns, so waits in the ready queue are counted
 * wherever they fall.  Throughput is every call of every client over the
 * whole interval. */
#define RPC_TICKS_PER_CLIENT 10
#define RPC_ROOM (1u << 19)              /* response times kept, all clients */
#define RPC_PRIO (BENCH_PRIO - 1)        /* below main: nobody runs before go */

uint64_t rpc_latency[RPC_ROOM];
struct rpc_outcome rpc_out;

static uint64_t rpc_go, rpc_deadline, rpc_room_each;

/* The request of call i of client id: never zero, distinct per call. */
static inline uint64_t rpc_word(uint64_t id, uint64_t i)
{
	return (id + 1) << 56 ^ (i + 1) * 0x9e3779b97f4a7c15ull;
}

/* Answers every request with its complement: a reply that merely left the
 * client's buffer as it was cannot pass the client's check. */
static void rpc_server(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		m.w[0] = ~m.w[0];
		err = ipc_reply_recv(EP, &m, TIMEOUT_FOREVER);
	}
	sys_cap_delete(EP);
	sys_exit(0);
}

static void rpc_client(uint64_t id)
{
	uint64_t *out = rpc_latency + id * rpc_room_each, ready = rpc_go, i = 0, now = ready;
	struct ipc_msg m = { 0 };
	while (now < rpc_deadline && i < rpc_room_each) {
		m.len = 8;
		m.w[0] = rpc_word(id, i);
		long err = ipc_call(EP, &m, TIMEOUT_FOREVER);
		now = tsc_end();
		if (err)
			sys_exit((uint64_t)err);
		if (m.len != 8 || m.w[0] != ~rpc_word(id, i)) {
			rpc_out.bad_client = id + 1;
			rpc_out.bad_call = i;
			rpc_out.bad_seen = m.w[0];
			sys_exit(E_RPC_MISMATCH);
		}
		out[i++] = now - ready;
		ready = now;
	}
	rpc_out.calls[id] = i;
	rpc_out.last[id] = now;
	sys_exit(i == rpc_room_each && now < rpc_deadline ? E_RPC_ROOM : 0);
}

/* The server in OTHER, at the clients' priority. */
static long rpc_server_start(void)
{
	long err = ipc_create(EP);
	if (!err)
		err = sys_cap_copy(EP, OTHER, EP, RIGHT_RECV);
	if (!err)
		err = sys_thread_create(OTHER, SERVER, (uint64_t)rpc_server, USER_STACK_TOP - 8, 0,
					RPC_PRIO);
	return err;
}

/* The clients' response times, packed at the front of rpc_latency. */
static uint64_t rpc_pack(unsigned clients)
{
	uint64_t n = 0;
	for (unsigned id = 0; id < clients; id++) {
		const uint64_t *from = rpc_latency + id * rpc_room_each;
		for (uint64_t i = 0; i < rpc_out.calls[id]; i++)   /* forward: n <= from */
			rpc_latency[n++] = from[i];
	}
	return n;
}

long bench_rpc(const struct bench_case *c, uint64_t *s, unsigned n)
{
	(void)s;
	long err = rpc_server_start();
	if (err)
		return err;
	uint64_t per_tick = sys_info(INFO_TSC_KHZ) * 1000 / sys_info(INFO_TICK_HZ);
	/* The warm-up (n small) runs one tick, the measured run ten per client. */
	uint64_t ticks = n < SAMPLES ? 1 : (uint64_t)RPC_TICKS_PER_CLIENT * c->clients;
	memset(&rpc_out, 0, sizeof(rpc_out));
	rpc_room_each = RPC_ROOM / c->clients;
	for (unsigned i = 0; i < c->clients && !err; i++)
		err = thread_spawn(rpc_client, i, CLIENT0 + i, RPC_PRIO);
	uint64_t tick0 = tick_edge();
	rpc_go = tsc_end();
	rpc_deadline = rpc_go + ticks * per_tick;
	for (unsigned i = 0; i < c->clients; i++) {      /* the clients run from here */
		uint64_t how, code, addr;
		long e = sys_thread_join(CLIENT0 + i, &how, &code, &addr);
		sys_cap_delete(CLIENT0 + i);
		if (!err && (e || how != JOIN_EXITED || code))
			err = e ? e : (long)(how == JOIN_EXITED ? code : 1000 + code);
	}
	rpc_out.ticks = sys_info(INFO_TICKS) - tick0;
	rpc_out.elapsed = 0;
	for (unsigned i = 0; i < c->clients; i++)
		if (rpc_out.last[i] - rpc_go > rpc_out.elapsed)
			rpc_out.elapsed = rpc_out.last[i] - rpc_go;
	rpc_out.total = rpc_pack(c->clients);
	long stop = server_stop();
	if (err == E_RPC_MISMATCH)
		printf("bench: rpc %s: client %lu call %lu: expected %lx, seen %lx\n", c->name,
		       rpc_out.bad_client - 1, rpc_out.bad_call, ~rpc_word(rpc_out.bad_client - 1,
		       rpc_out.bad_call), rpc_out.bad_seen);
	if (err == E_RPC_ROOM)
		printf("bench: rpc %s: room for %lu response times per client ran out\n", c->name,
		       rpc_room_each);
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
