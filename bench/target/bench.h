/* The on-target benchmark suite: a table of cases, each a kernel of the
 * shape (case, warm-up rounds, iterations) that fills samples[]; overhead
 * subtraction, statistics and the JSON line are done once, in main.c.
 * Every kernel checks the data it moves (docs/results.md, "What the benchmarks check"). */
#ifndef BENCH_H
#define BENCH_H

#include "ulib.h"
#include "ipc.h"

#define SAMPLES 10000          /* kept per case (the minimum the method asks) */
#define WARMUP 500             /* rounds run and thrown away first */

enum where { SAME_SPACE, OTHER_SPACE };
/* A ping-pong case measures the whole call, or one of its halves: from the
 * client's call to the server's receive, or from the server's reply to the
 * client's return. */
enum shape { ROUNDTRIP, ONEWAY_CALL, ONEWAY_REPLY };

struct bench_case {
	const char *bench;         /* null_syscall, space_switch, pingpong, rpc, notify, fault, pagefault */
	const char *name;          /* the case: unique within bench */
	/* Run warmup rounds, then n more on the same objects, filling
	 * samples[0..n) with one measurement each (overhead not yet
	 * subtracted); returns 0 or an error to report. */
	long (*run)(const struct bench_case *c, uint64_t *samples, unsigned warmup, unsigned n);
	enum where where;
	enum shape shape;
	unsigned bytes;            /* message size */
	unsigned clients;          /* rpc */
	unsigned region;           /* footprint marker id (0: none) */
};

/* The largest message this model carries, in bytes: the one thing the size
 * cases ask of the model (issue 15 makes it a trait of the model). */
#define BENCH_MSG_MAX IPC_MSG_MAX

/* Message sizes.  Ping-pong: every word up to SIZE_SMALL.  Bulk: 0 and
 * SIZE_SMALL (ping-pong has the words between), then 256 B, 1 KiB and 4 KiB
 * (SIZE_BULK).  A copied case runs at a size only where BENCH_MSG_MAX holds
 * it. */
#define SIZE_SMALL 64u
#define SIZE_BULK 4096u
#define SHARED_MSG 16u             /* a shared case's message: the length and the round */
static inline unsigned size_next_bulk(unsigned b)
{
	return b == 0 ? SIZE_SMALL : b * 4;
}

/* The buffer every kernel writes into. */
extern uint64_t samples[SAMPLES];

/* Capability slots the suite uses. */
#define EP (SLOT_FREE + 1)
#define OTHER (SLOT_FREE + 2)      /* a second space: this program loaded again */
#define SERVER (SLOT_FREE + 3)
#define NOTE (SLOT_FREE + 4)
#define SHARED (SLOT_FREE + 5)     /* the frames of the bulk cases' shared buffer */
#define CLIENT0 (SLOT_FREE + 8)    /* .. + 8 */
#define BENCH_PRIO 10

/* Start fn(arg) as the server, in this space or in OTHER (where the
 * endpoint is copied to the same slot). */
long server_start(enum where w, void (*fn)(uint64_t), uint64_t arg);
/* Destroy the endpoint (the server's receive fails with E_DEAD and it
 * exits) and wait for the server. */
long server_stop(void);

/* Spin until the next timer tick; returns the tick count then.  A case that
 * starts on a tick sees its ticks at the same points whatever ran before it
 * (under icount: the same counts whatever the command line's length). */
uint64_t tick_edge(void);

/* Footprint markers: `nopl 0x49500000+id(%rax)` begins region id and
 * `nopl 0x49510000+id(%rax)` ends it; NOPs everywhere, recognised by the
 * QEMU footprint plugin.  The id must be encoded in the instruction, so it
 * is chosen from a fixed set (1..REGIONS for the cases, REGION_OVERHEAD for
 * the cost of measuring nothing). */
#define REGIONS 48
#define REGION_OVERHEAD (REGIONS + 1)
void region_mark(bool begin, unsigned id);
/* The region the current case is measured in, or 0 outside footprint runs. */
extern unsigned footprint_region;
/* Set by round_begin at the first measured round: warm-up rounds are not
 * marked, so a region holds exactly the measured intervals. */
extern bool fp_measuring;
static inline void fp_begin(void)
{
	if (footprint_region && fp_measuring)
		region_mark(true, footprint_region);
}
static inline void fp_end(void)
{
	if (footprint_region && fp_measuring)
		region_mark(false, footprint_region);
}

/* Checks.  Round i of a case sends pattern(i, k) as word k of its message
 * (distinct for every round and word, never 0); a server answers with each
 * word xor REPLY_XOR.  A failed check prints one line naming the case, the
 * round and what was expected and seen, and returns E_BENCH_CHECK. */
#define E_BENCH_CHECK 4000
#define REPLY_XOR 0x5a5a5a5a5a5a5a5aul
#define LEN_WORD (~0u)         /* check_word_failed's word: the length */
/* pattern(i, k + 1) == pattern(i, k) + PATTERN_STEP: a loop over the words
 * of a round may add instead of multiplying. */
#define PATTERN_STEP 0x9e3779b97f4a7c15ul
static inline uint64_t pattern(unsigned i, unsigned k)
{
	/* An odd multiplier is a bijection: distinct (i, k) give distinct words. */
	return ((uint64_t)(i + 1) << 32 | (k + 1)) * PATTERN_STEP;
}
/* Word k of round i was seen instead of expected. */
long check_word_failed(const struct bench_case *c, unsigned i, unsigned k, uint64_t expected,
		       uint64_t seen);
/* A measured interval of round i: its start and end must lie in order
 * within [lo, hi], the client's own bracket around the round. */
long check_span(const struct bench_case *c, unsigned i, uint64_t lo, uint64_t start,
		uint64_t end, uint64_t hi);

/* Called at the top of round i: the first measured round starts on a timer
 * tick, so the ticks in a case fall at the same rounds whatever ran before
 * (under icount its counts do not depend on the command line's length). */
static inline void round_begin(unsigned i, unsigned warmup)
{
	if (i == warmup) {
		tick_edge();
		fp_measuring = true;
	}
}

/* Where round i of warmup + n stores its sample: warm-up rounds all write
 * slot 0, which the first measured round overwrites. */
static inline unsigned sample_slot(unsigned i, unsigned warmup)
{
	return i < warmup ? 0 : i - warmup;
}

long bench_null(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);
long bench_space_switch(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);
long bench_pingpong(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);
long bench_rpc(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);

/* What the last rpc case did, beside its response times (rpc_latency[0..total)). */
#define RPC_CLIENTS_MAX 8
#define E_RPC_MISMATCH 3001        /* a reply was not the server's answer */
struct rpc_outcome {
	uint64_t calls[RPC_CLIENTS_MAX];   /* completed calls per client */
	uint64_t last[RPC_CLIENTS_MAX];    /* when each client's last call returned */
	uint64_t least[RPC_CLIENTS_MAX], most[RPC_CLIENTS_MAX], sum[RPC_CLIENTS_MAX];
	uint64_t total, elapsed, ticks;    /* all calls; start to last return; ticks seen */
	uint64_t bad_client, bad_call, bad_seen;  /* the first wrong reply (client + 1) */
};
extern struct rpc_outcome rpc_out;

struct stats {
	uint64_t min, median, mean, stddev, p99, max;
};
/* The statistics of the last rpc case's response times, overhead taken off
 * each; *p999 its 99.9th percentile.  Percentiles and the deviation come
 * from the histogram (exact below 2048 units, else within 1/64). */
struct stats rpc_summary(uint64_t overhead, uint64_t *p999);
long bench_notify(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);
/* A page fault delivered to a handler that resumes the faulter past the
 * faulting load, with nothing mapped (fault.c). */
long bench_fault(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);
/* Bursts of one-way sends (sendbench.c): SEND_BURST per round. */
#define SEND_BURST 8
long bench_send(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);
long bench_pagefault(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);
/* What ran short when the pagefault case's pager could not map a page. */
extern struct nomem_info bench_nomem;
long bench_map(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);
long bench_bulk_copied(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);
long bench_bulk_shared(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n);

#endif
