/* Bulk data from client to server, two ways, in every model:
 *   copied/<N>B: the data is the message (registers or a kernel copy), as
 *     far as the model's largest message goes;
 *   shared/<N>B: the data is in a buffer mapped into both spaces, and the
 *     message is two words: the length and the round (the L4 way).
 * The duties are the same, and so is the interval: from before the client
 * writes round i's N bytes (word k is pattern(i, k)) to after the server's
 * one-word answer has come back; the server reads and checks every word
 * inside it.  The server answers pattern(i, N / 8) ^ REPLY_XOR, so the
 * client knows it checked round i's N bytes; a wrong word is reported back
 * and fails the case. */
#include "bench.h"
#include "device.h"

#define SHARED_VA 0x100000000ul       /* 4 GiB up, in both spaces */
#define SHARED_PAGES (SIZE_BULK / 4096)
#define ROUND_WORD (~1u)              /* a failure's word: the shared message's round */

/* The server's answer to round i of N bytes. */
static inline uint64_t bulk_answer(unsigned i, uint64_t bytes)
{
	return pattern(i, (unsigned)(bytes / 8)) ^ REPLY_XOR;
}

/* The failure answer: which word, and what the server saw.  Word 1 stays
 * 0 because a BREAK_COPY=y sync build loses it. */
static void bulk_failed(struct ipc_msg *out, uint64_t word, uint64_t seen)
{
	out->len = 24;
	out->w[0] = word;
	out->w[1] = 0;
	out->w[2] = seen;
}

/* Check round i: its data at data, words words; the answer into out.
 * Not inlined, like bulk_fill: the same machine code in every model, so
 * that the duties cost the same everywhere. */
static __attribute__((noinline)) void bulk_check(const uint64_t *data, uint64_t words,
						  unsigned i, struct ipc_msg *out)
{
	uint64_t want = pattern(i, 0);
	uint64_t k = 0;
	for (; k + 4 <= words; k += 4, want += 4 * PATTERN_STEP)   /* see bulk_fill */
		if (data[k] != want || data[k + 1] != want + PATTERN_STEP ||
		    data[k + 2] != want + 2 * PATTERN_STEP || data[k + 3] != want + 3 * PATTERN_STEP)
			break;                  /* the loop below finds which */
	for (; k < words; k++, want += PATTERN_STEP) {
		if (data[k] != want) {
			bulk_failed(out, k, data[k]);
			return;
		}
	}
	out->len = 8;
	out->w[0] = bulk_answer(i, words * 8);
}

/* The server, in the other space: checks every round's data, in its
 * receive buffer (arg 0) or in the shared buffer (arg 1), until the
 * endpoint dies.  Two buffers, as in ping-pong: a receive that delivered
 * nothing leaves the previous round's data, which fails the check. */
static void bulk_server(uint64_t shared)
{
	const uint64_t *buffer = (const uint64_t *)SHARED_VA;
	struct ipc_msg a = { 0 }, b = { 0 }, *in = &a, *out = &b;
	long err = ipc_recv(EP, in, TIMEOUT_FOREVER);
	for (unsigned i = 0; err == IPC_OK; i++) {
		uint64_t bytes = shared ? in->w[0] : in->len;
		if (shared && (in->len != SHARED_MSG || in->w[1] != i))
			bulk_failed(out, ROUND_WORD, in->w[1]);
		else if (shared && bytes > SIZE_BULK)
			bulk_failed(out, LEN_WORD, bytes);
		else
			bulk_check(shared ? buffer : in->w, bytes / 8, i, out);
		err = ipc_reply_recv(EP, out, TIMEOUT_FOREVER);    /* the next request lands in out */
		struct ipc_msg *t = in;
		in = out;
		out = t;
	}
	sys_cap_delete(EP);
	sys_exit(0);
}

/* The shared buffer: one set of frames, writable here, read-only in the
 * other space, at SHARED_VA in both; made once, kept until bench exits. */
static long shared_map(void)
{
	static bool mapped;
	uint64_t phys;
	if (mapped)
		return 0;
	long err = sys_frames_create(SLOT_MEMORY, SHARED, SHARED_PAGES, &phys);
	if (!err)
		err = sys_phys_map(SHARED, SLOT_SELF, SHARED_VA, 0, SHARED_PAGES, MAP_WRITE);
	if (!err)
		err = sys_phys_map(SHARED, OTHER, SHARED_VA, 0, SHARED_PAGES, 0);
	mapped = !err;
	return err;
}

/* Whether m is the server's answer to round i of case c; fails c if not. */
static long bulk_reply_check(const struct bench_case *c, unsigned i, const struct ipc_msg *m)
{
	if (m->len == 24 && m->w[0] == ROUND_WORD) {
		printf("bench: %s %s: iteration %u, the message's round word: expected 0x%x, seen "
		       "0x%lx\n", c->bench, c->name, i, i, m->w[2]);
		return E_BENCH_CHECK;
	}
	if (m->len == 24 && m->w[0] == LEN_WORD)
		return check_word_failed(c, i, LEN_WORD, c->bytes, m->w[2]);
	if (m->len == 24)
		return check_word_failed(c, i, (unsigned)m->w[0], pattern(i, (unsigned)m->w[0]),
					 m->w[2]);
	if (m->len != 8)
		return check_word_failed(c, i, LEN_WORD, 8, m->len);
	if (m->w[0] != bulk_answer(i, c->bytes))
		return check_word_failed(c, i, 0, bulk_answer(i, c->bytes), m->w[0]);
	return 0;
}

/* Round i's words words at to. */
static __attribute__((noinline)) void bulk_fill(uint64_t *to, unsigned i, uint64_t words)
{
	uint64_t v = pattern(i, 0);
	uint64_t k = 0;
	/* Four words a turn: a loop's own instructions would be most of the cost. */
	for (; k + 4 <= words; k += 4, v += 4 * PATTERN_STEP) {
		to[k] = v;
		to[k + 1] = v + PATTERN_STEP;
		to[k + 2] = v + 2 * PATTERN_STEP;
		to[k + 3] = v + 3 * PATTERN_STEP;
	}
	for (; k < words; k++, v += PATTERN_STEP)
		to[k] = v;
}

/* Round i's request: N bytes written into the message or the buffer. */
static inline void bulk_write(struct ipc_msg *m, unsigned i, unsigned bytes, uint64_t *shared)
{
	bulk_fill(shared ? shared : m->w, i, bytes / 8);
	m->len = shared ? SHARED_MSG : bytes;
	if (shared) {
		m->w[0] = bytes;
		m->w[1] = i;
	}
}

/* One bulk case: warm-up and measured rounds on one server. */
static long bench_bulk(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n,
		       bool shared)
{
	long err = shared ? shared_map() : 0;
	if (err || (err = server_start(OTHER_SPACE, bulk_server, shared)))
		return err;
	uint64_t *buffer = shared ? (uint64_t *)SHARED_VA : NULL;
	struct ipc_msg m;
	memset(&m, 0, sizeof(m));
	for (unsigned i = 0; i < warmup + n && !err; i++) {
		round_begin(i, warmup);
		fp_begin();
		uint64_t t0 = tsc_begin();
		bulk_write(&m, i, c->bytes, buffer);
		err = ipc_call(EP, &m, TIMEOUT_FOREVER);
		uint64_t t1 = tsc_end();
		fp_end();
		if (!err)
			err = bulk_reply_check(c, i, &m);
		s[sample_slot(i, warmup)] = t1 - t0;
	}
	long stop = server_stop();
	return err ? err : stop;
}

long bench_bulk_copied(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	return bench_bulk(c, s, warmup, n, false);
}

long bench_bulk_shared(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	return bench_bulk(c, s, warmup, n, true);
}
