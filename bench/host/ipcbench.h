/* ipcbench: the Linux host baselines of ipclab's IPC benchmarks.
 *
 * Two processes play ping-pong over one transport; the initiator times each round trip.
 * A transport is a row of a table (transports.c); a case is a transport, a CPU placement
 * and a message size (main.c); one case is run by run.c and printed by report.c. */
#ifndef IPCBENCH_H
#define IPCBENCH_H

#include <errno.h>
#include <mqueue.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MSG_MAX      64         /* the largest message, in bytes */
#define WARMUP       1000       /* round trips run and discarded before the samples */

/* One ping-pong channel.  It is set up before fork, so both processes hold it. */
struct chan {
	size_t bytes;                   /* message size */
	int fd[4];                      /* descriptors of the fd-based transports */
	mqd_t mq[2];                    /* request and reply queues */
	struct futex_box *box;          /* shared words of the futex transport */
	uint32_t seq;                   /* this process's round counter (futex) */
};

/* A transport.  Operations return 0, or -1 with errno set. */
struct transport {
	const char *name;               /* the result's "bench" */
	int any_size;                   /* carries 64-byte messages as well as 8-byte ones */
	int (*setup)(struct chan *c);
	int (*ping)(struct chan *c, void *msg);  /* initiator: send msg, wait for its echo */
	int (*pong)(struct chan *c, void *msg);  /* responder: wait for a message, echo it */
	void (*teardown)(struct chan *c);
};

extern const struct transport transports[];
extern const size_t transports_len;

/* One row of the benchmark matrix. */
struct bench_case {
	const struct transport *t;
	int cross_cpu;                  /* initiator and responder on two CPUs */
	size_t bytes;
};

/* What the command line asked for. */
struct run_opts {
	size_t samples;
	unsigned timeout_s;             /* hard bound on one case */
	int stall_peer;                 /* test: the responder stops answering */
	int cpu[2];                     /* initiator's CPU, responder's CPU when cross-cpu */
};

/* The samples of one case, in the unit of the clock, overhead not yet subtracted. */
struct measurement {
	int hw;                         /* 1: PAPI cycles + instructions; 0: TSC */
	size_t n;
	int64_t *v[2];                  /* per round trip: cycles or ticks; instructions */
	int64_t overhead[2];            /* of an empty timed region, per counter */
	int stable;                     /* 0: the overhead batches never agreed */
	int64_t overhead_spread;        /* largest minus smallest batch minimum */
};

/* Set by signal handlers while a case runs: the bound expired, the responder exited. */
extern volatile sig_atomic_t case_expired, peer_exited;

/* A blocking call failed with err: 1 if it should simply be retried. */
static inline int retry_after(int err)
{
	return err == EINTR && !case_expired && !peer_exited;
}

/* run.c */
void run_install_signals(void);
int run_case(const struct bench_case *bc, const struct run_opts *o, struct measurement *m,
	     char *why, size_t why_len);

/* report.c */
void report_case(const struct bench_case *bc, const struct run_opts *o,
		 struct measurement *m, const char *counters, const char *extra);
void report_axes_init(void);

/* perf.c */
int perf_usable(char *why, size_t why_len);
int perf_case_figures(const char *self, const struct run_opts *o, const char *only,
		      size_t case_index, char *json, size_t json_len);

/* stats.c: one case's statistics, and JSON output for its result line. */
struct stats {
	double min, median, mean, stddev, p99, max;
};
/* Subtracts the overhead from each of the n samples in x, sorts them and summarises them. */
void stats_of(int64_t *x, size_t n, int64_t overhead, struct stats *s);
void json_num(FILE *f, double v);        /* at most one decimal: 1234, 1234.5 */
void json_str(FILE *f, const char *s);   /* quoted and escaped */

#endif
