/* IPC benchmarks: ping-pong (round trip and each one-way half, same or
 * other space, every size), RPC with several clients, notification
 * latency.  Every message carries a pattern that the answer must return
 * transformed; every one-way stamp must fall inside its round. */
#include "bench.h"
#include "stats.h"

/* Round i's request: bytes of data, word k being pattern(i, k). */
static void fill_request(struct ipc_msg *m, unsigned i, unsigned bytes)
{
	m->len = bytes;
	for (unsigned k = 0; k < bytes / 8; k++)
		m->w[k] = pattern(i, k);
}

/* The answer to *in, in *out: the same length, each word xor REPLY_XOR.
 * Two buffers: a receive that delivered nothing leaves in *in the server's
 * previous answer, and the answer made from that is wrong. */
static void answer(const struct ipc_msg *in, struct ipc_msg *out)
{
	unsigned words = (in->len + 7) / 8;
	if (words > IPC_MSG_MAX / 8)
		words = IPC_MSG_MAX / 8;
	out->len = in->len;
	for (unsigned k = 0; k < words; k++)
		out->w[k] = in->w[k] ^ REPLY_XOR;
}

/* Whether m is the answer to round i of case c; fails the case if not. */
static long check_reply(const struct bench_case *c, unsigned i, const struct ipc_msg *m)
{
	if (m->len != c->bytes)
		return check_word_failed(c, i, LEN_WORD, c->bytes, m->len);
	for (unsigned k = 0; k < c->bytes / 8; k++)
		if (m->w[k] != (pattern(i, k) ^ REPLY_XOR))
			return check_word_failed(c, i, k, pattern(i, k) ^ REPLY_XOR, m->w[k]);
	return 0;
}

/* The ping-pong server: answers every request until the endpoint dies. */
static void pingpong_server(uint64_t unused)
{
	(void)unused;
	struct ipc_msg a = { 0 }, b = { 0 }, *in = &a, *out = &b;
	long err = ipc_recv(EP, in, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		answer(in, out);
		err = ipc_reply_recv(EP, out, TIMEOUT_FOREVER);    /* the next request lands in out */
		struct ipc_msg *t = in;
		in = out;
		out = t;
	}
	sys_cap_delete(EP);            /* our copy, in the other space */
	sys_exit(0);
}

/* The one-way server's own side of each round: the time its receive
 * returned (the end of the call) or the time just before its reply (the
 * start of the reply).  In the other space this is the server's copy. */
static uint64_t server_stamps[SAMPLES + WARMUP];

/* After its rounds the one-way server hands out its stamps: the request
 * names the first round, the answer carries as many as fit. */
static void answer_stamps(const struct ipc_msg *in, struct ipc_msg *out, unsigned rounds)
{
	uint64_t first = in->len >= 8 ? in->w[0] : rounds;
	uint64_t words = first < rounds ? rounds - first : 0;
	if (words > IPC_MSG_MAX / 8)
		words = IPC_MSG_MAX / 8;
	for (unsigned k = 0; k < words; k++)
		out->w[k] = server_stamps[first + k];
	out->len = words * 8;
}

/* arg: the number of rounds (bits 0-31); bit 32 set: stamp the replies,
 * not the calls; the footprint region (bits 40-47, 0: none) and the warm-up
 * rounds (bits 48-63), so that the server marks its end of each measured
 * one-way interval.  Answers like pingpong_server, then serves its stamps
 * until the endpoint dies. */
static void stamp_server(uint64_t arg)
{
	unsigned rounds = (uint32_t)arg, region = arg >> 40 & 0xff, warm = (unsigned)(arg >> 48);
	bool replies = arg >> 32 & 1;
	struct ipc_msg a = { 0 }, b = { 0 }, *in = &a, *out = &b;
	long err = ipc_recv(EP, in, TIMEOUT_FOREVER);
	uint64_t received = tsc_end();
	if (region && !replies && warm == 0)
		region_mark(false, region);             /* round 0's call has arrived */
	for (unsigned i = 0; err == IPC_OK; i++) {
		bool measured = i >= warm && i < rounds;
		if (i < rounds)
			answer(in, out);
		else
			answer_stamps(in, out, rounds);
		if (region && replies && measured)
			region_mark(true, region);      /* round i's reply leaves */
		uint64_t replying = tsc_begin();
		err = ipc_reply_recv(EP, out, TIMEOUT_FOREVER);
		uint64_t next = tsc_end();              /* at once: the call's end */
		if (region && !replies && i + 1 >= warm && i + 1 < rounds)
			region_mark(false, region);     /* round i + 1's call has arrived */
		if (i < rounds)
			server_stamps[i] = replies ? replying : received;
		received = next;
		struct ipc_msg *t = in;
		in = out;
		out = t;
	}
	sys_cap_delete(EP);
	sys_exit(0);
}

/* The client's end of each measured round, for the one-way cases. */
static uint64_t call_ends[SAMPLES];

/* One-way samples: s[j] holds the start of measured round j's call and
 * call_ends[j] its end; the server's stamp of the round must lie between
 * the two, and the sample is the part of the round it asks for. */
static long oneway_samples(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	struct ipc_msg m;
	for (unsigned j = 0; j < n;) {
		m.len = 8;
		m.w[0] = warmup + j;
		long err = ipc_call(EP, &m, TIMEOUT_FOREVER);
		if (err || !m.len) {
			printf("bench: %s %s: no server stamps from round %u (error %ld)\n", c->bench,
			       c->name, warmup + j, err);
			return err ? err : E_BENCH_CHECK;
		}
		for (unsigned k = 0; k < m.len / 8 && j < n; k++, j++) {
			uint64_t stamp = m.w[k], start = s[j], end = call_ends[j];
			if ((err = check_span(c, warmup + j, start, c->shape == ONEWAY_CALL ? start : stamp,
					      c->shape == ONEWAY_CALL ? stamp : end, end)))
				return err;
			s[j] = c->shape == ONEWAY_CALL ? stamp - start : end - stamp;
		}
	}
	return 0;
}

/* Ping-pong: one round is a call of c->bytes and its answer. */
long bench_pingpong(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	bool oneway = c->shape != ROUNDTRIP;
	if (warmup + n > SAMPLES + WARMUP)
		return E_INVAL;
	uint64_t arg = (uint64_t)(warmup + n) | (uint64_t)(c->shape == ONEWAY_REPLY) << 32 |
		       (uint64_t)(footprint_region & 0xff) << 40 | (uint64_t)(warmup & 0xffff) << 48;
	long err = server_start(c->where, oneway ? stamp_server : pingpong_server, arg);
	if (err)
		return err;
	struct ipc_msg m;
	memset(&m, 0, sizeof(m));
	for (unsigned i = 0; i < warmup + n && !err; i++) {
		round_begin(i, warmup);
		fill_request(&m, i, c->bytes);
		if (c->shape != ONEWAY_REPLY)
			fp_begin();                     /* a one-way call ends in the server */
		uint64_t t0 = tsc_begin();
		err = ipc_call(EP, &m, TIMEOUT_FOREVER);
		uint64_t t1 = tsc_end();
		if (c->shape != ONEWAY_CALL)
			fp_end();                       /* a one-way reply began there */
		if (!err)
			err = check_reply(c, i, &m);
		unsigned j = sample_slot(i, warmup);
		s[j] = oneway ? t0 : t1 - t0;
		call_ends[j] = t1;
	}
	if (!err && oneway)
		err = oneway_samples(c, s, warmup, n);
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
#define RPC_PRIO (BENCH_PRIO - 1)        /* below main: nobody runs before go */

/* Response times are counted in a histogram per client, so that a case may
 * run as many calls as its ticks allow in fixed memory: exact below
 * RPC_EXACT, above it RPC_SUB buckets per power of two (within 1/64). */
#define RPC_EXACT 2048u
#define RPC_EXACT_BITS 11                /* log2(RPC_EXACT) */
#define RPC_SUB 64u
#define RPC_SUB_BITS 6
#define RPC_BUCKETS (RPC_EXACT + (64 - RPC_EXACT_BITS) * RPC_SUB)

static uint32_t rpc_hist[RPC_CLIENTS_MAX][RPC_BUCKETS];
static uint64_t rpc_merged[RPC_BUCKETS];
struct rpc_outcome rpc_out;

static uint64_t rpc_go, rpc_deadline;

static inline unsigned rpc_bucket(uint64_t v)
{
	if (v < RPC_EXACT)
		return (unsigned)v;
	unsigned lg = 63 - (unsigned)__builtin_clzll(v);
	return RPC_EXACT + (lg - RPC_EXACT_BITS) * RPC_SUB +
	       (unsigned)(v >> (lg - RPC_SUB_BITS) & (RPC_SUB - 1));
}

/* The least response time bucket b holds. */
static inline uint64_t rpc_bucket_low(unsigned b)
{
	if (b < RPC_EXACT)
		return b;
	unsigned lg = (b - RPC_EXACT) / RPC_SUB + RPC_EXACT_BITS, sub = (b - RPC_EXACT) % RPC_SUB;
	return 1ull << lg | (uint64_t)sub << (lg - RPC_SUB_BITS);
}

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
	uint32_t *hist = rpc_hist[id];
	uint64_t ready = rpc_go, i = 0, now = ready, least = UINT64_MAX, most = 0, sum = 0;
	struct ipc_msg m = { 0 };
	while (now < rpc_deadline) {
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
		uint64_t took = now - ready;
		hist[rpc_bucket(took)]++;
		least = took < least ? took : least;
		most = took > most ? took : most;
		sum += took;
		ready = now;
		i++;
	}
	rpc_out.calls[id] = i;
	rpc_out.last[id] = now;
	rpc_out.least[id] = least;
	rpc_out.most[id] = most;
	rpc_out.sum[id] = sum;
	sys_exit(0);
}

/* The response time at per_mille of the merged histogram, less overhead. */
static uint64_t rpc_rank(uint64_t per_mille, uint64_t overhead)
{
	uint64_t want = rpc_out.total * per_mille / 1000, seen = 0;
	for (unsigned b = 0; b < RPC_BUCKETS; b++) {
		seen += rpc_merged[b];
		if (seen > want) {
			uint64_t v = rpc_bucket_low(b);
			return v > overhead ? v - overhead : 0;
		}
	}
	return 0;
}

struct stats rpc_summary(uint64_t overhead, uint64_t *p999)
{
	uint64_t least = UINT64_MAX, most = 0, sum = 0, n = rpc_out.total;
	for (unsigned id = 0; id < RPC_CLIENTS_MAX; id++) {
		if (!rpc_out.calls[id])
			continue;
		least = rpc_out.least[id] < least ? rpc_out.least[id] : least;
		most = rpc_out.most[id] > most ? rpc_out.most[id] : most;
		sum += rpc_out.sum[id];
	}
	if (!n)
		return (struct stats){ 0 };
	uint64_t mean = sum / n;
	unsigned __int128 sq = 0;                /* by bucket: within 1/64 above RPC_EXACT */
	for (unsigned b = 0; b < RPC_BUCKETS; b++) {
		uint64_t v = rpc_bucket_low(b), d = v > mean ? v - mean : mean - v;
		sq += (unsigned __int128)d * d * rpc_merged[b];
	}
	*p999 = rpc_rank(999, overhead);
	return (struct stats){ least > overhead ? least - overhead : 0, rpc_rank(500, overhead),
			       mean > overhead ? mean - overhead : 0,
			       isqrt_u64(stats_div128(sq, n)), rpc_rank(990, overhead),
			       most > overhead ? most - overhead : 0 };
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

/* The clients' histograms, added into rpc_merged. */
static uint64_t rpc_merge(unsigned clients)
{
	uint64_t n = 0;
	for (unsigned b = 0; b < RPC_BUCKETS; b++) {
		rpc_merged[b] = 0;
		for (unsigned id = 0; id < clients; id++)
			rpc_merged[b] += rpc_hist[id][b];
		n += rpc_merged[b];
	}
	return n;
}

/* One phase of an rpc case: clients start together on a tick edge and call
 * for ticks ticks; their times and counts land in rpc_latency and rpc_out. */
static long rpc_phase(const struct bench_case *c, uint64_t ticks)
{
	uint64_t per_tick = sys_info(INFO_TSC_KHZ) * 1000 / sys_info(INFO_TICK_HZ);
	long err = 0;
	memset(&rpc_out, 0, sizeof(rpc_out));
	memset(rpc_hist, 0, sizeof(rpc_hist));
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
	for (unsigned i = 0; i < c->clients; i++)
		if (rpc_out.last[i] - rpc_go > rpc_out.elapsed)
			rpc_out.elapsed = rpc_out.last[i] - rpc_go;
	rpc_out.total = rpc_merge(c->clients);
	if (err == E_RPC_MISMATCH)
		printf("bench: rpc %s: client %lu, iteration %lu, word 0: expected 0x%lx, seen 0x%lx\n",
		       c->name, rpc_out.bad_client - 1, rpc_out.bad_call,
		       ~rpc_word(rpc_out.bad_client - 1, rpc_out.bad_call), rpc_out.bad_seen);
	return err == E_RPC_MISMATCH ? E_BENCH_CHECK : err;
}

/* Warm-up (one tick, when warmup asks for any) and the measured phase, on
 * the same server; s and n are unused, the phase's length is in ticks. */
long bench_rpc(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	(void)s;
	(void)n;
	long err = rpc_server_start();
	if (!err && warmup)
		err = rpc_phase(c, 1);
	if (!err)
		err = rpc_phase(c, (uint64_t)RPC_TICKS_PER_CLIENT * c->clients);
	long stop = server_stop();
	return err ? err : stop;
}

/* Notification: from just before notify to just after a higher-priority
 * waiter's wait returns.  Round i notifies with the bits pattern(i, 0). */
static volatile uint64_t woke_at, woke_bits;

static void note_waiter(uint64_t unused)
{
	(void)unused;
	uint64_t bits;
	while (ipc_wait(NOTE, &bits, TIMEOUT_FOREVER) == IPC_OK) {
		woke_at = tsc_end();
		fp_end();                               /* the timed interval ends here */
		woke_bits = bits;
	}
	sys_exit(0);
}

long bench_notify(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	long err = notify_create(NOTE);
	if (err || (err = thread_spawn(note_waiter, 0, SERVER, BENCH_PRIO + 1)))
		return err;
	sys_yield();                                    /* it blocks in wait */
	for (unsigned i = 0; i < warmup + n && !err; i++) {
		round_begin(i, warmup);
		uint64_t bits = pattern(i, 0);
		fp_begin();
		uint64_t t0 = tsc_begin();
		err = ipc_notify(NOTE, bits);
		uint64_t back = tsc_end();              /* the waiter has run and blocked again */
		if (!err && woke_bits != bits)
			err = check_word_failed(c, i, 0, bits, woke_bits);
		if (!err)
			err = check_span(c, i, t0, t0, woke_at, back);
		s[sample_slot(i, warmup)] = woke_at - t0;
	}
	sys_cap_delete(NOTE);                           /* its wait ends with E_DEAD */
	uint64_t how, code, addr;
	sys_thread_join(SERVER, &how, &code, &addr);
	sys_cap_delete(SERVER);
	return err;
}
