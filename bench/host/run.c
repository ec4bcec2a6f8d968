/* Running one case.  The responder is a forked process; the initiator (this process) times
 * every round trip.  A case has a hard time bound: SIGALRM interrupts whatever blocks, and a
 * responder that exits (it never does unless it fails) interrupts it through SIGCHLD. */
#define _GNU_SOURCE
#include "counters.h"
#include "ipcbench.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define STALL_AFTER       10    /* --stall-peer: round trips answered before the stall */
#define OVERHEAD_BATCHES  5     /* the overhead is the minimum of each batch ... */
#define OVERHEAD_BATCH    2000
#define OVERHEAD_TRIES    10    /* ... and the batches must agree within this many tries */

volatile sig_atomic_t case_expired, peer_exited;
static volatile sig_atomic_t case_running;

/* SIGALRM: the case is over time.  Re-arm, in case the signal fell between two calls. */
static void on_alarm(int sig)
{
	(void)sig;
	case_expired = 1;
	if (case_running)
		alarm(1);
}

/* SIGCHLD: the responder has gone. */
static void on_child(int sig)
{
	(void)sig;
	peer_exited = 1;
}

/* Installs the handlers without SA_RESTART, so that a blocked call returns EINTR. */
void run_install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
}

/* Pins the calling process to one CPU. */
static int pin_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The responder: answers every round trip of the case, then waits to be killed.  A
 * responder that exits by itself has failed.  Never returns. */
static void responder(const struct bench_case *bc, struct chan *c, const struct run_opts *o,
		      pid_t initiator)
{
	signal(SIGALRM, SIG_DFL);               /* our own bound kills us */
	signal(SIGCHLD, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);       /* an initiator that dies takes us along */
	if (getppid() != initiator)
		_exit(1);
	alarm(o->timeout_s + 5);
	int cpu = o->cpu[bc->cross_cpu];
	if (pin_to(cpu) != 0) {
		fprintf(stderr, "ipcbench: responder: cannot run on CPU %d: %s\n", cpu, strerror(errno));
		_exit(1);
	}
	unsigned char msg[MSG_MAX];
	for (size_t i = 0; i < WARMUP + o->samples; i++) {
		while (o->stall_peer && i == STALL_AFTER)
			pause();
		if (bc->t->pong(c, msg) != 0) {
			fprintf(stderr, "ipcbench: responder: %s: %s\n", bc->t->name, strerror(errno));
			_exit(1);
		}
	}
	/* Exiting now could interrupt the initiator's last receive (SIGCHLD) before it sees
	 * the reply, and some receives check for signals first; so wait to be killed. */
	for (;;)
		pause();
}

/* One batch of empty timed regions: the smallest cost of each counter. */
static void overhead_batch(int hw, int64_t least[2])
{
	least[0] = least[1] = INT64_MAX;
	for (int i = 0; i < OVERHEAD_BATCH; i++) {
		uint64_t a[2], z[2];
		probe_read(hw, 0, a);
		probe_read(hw, 1, z);
		for (int k = 0; k < 2; k++)
			if ((int64_t)(z[k] - a[k]) < least[k])
				least[k] = (int64_t)(z[k] - a[k]);
	}
}

/* The cost of an empty timed region.  A host shared with other work may
 * never let the batches agree: the case is then measured all the same and
 * marked unstable (m->stable = 0, with the spread), never refused, because a
 * noisy clock must not decide whether a run passes. */
static void measure_overhead(struct measurement *m)
{
	int64_t lo = 0, hi = 0;
	for (int try = 0; try < OVERHEAD_TRIES; try++) {
		lo = m->overhead[1] = INT64_MAX;
		hi = INT64_MIN;
		for (int i = 0; i < OVERHEAD_BATCHES; i++) {
			int64_t b[2];
			overhead_batch(m->hw, b);
			lo = b[0] < lo ? b[0] : lo;
			hi = b[0] > hi ? b[0] : hi;
			m->overhead[1] = b[1] < m->overhead[1] ? b[1] : m->overhead[1];
		}
		m->overhead[0] = lo;
		m->overhead_spread = hi - lo;
		m->stable = hi - lo <= 2 || hi - lo <= lo / 20;    /* within 2 units or 5% */
		if (m->stable)
			return;
	}
}

/* Why the initiator's ping failed. */
static void ping_failure(const struct bench_case *bc, const struct run_opts *o, size_t round,
			 char *why, size_t why_len)
{
	if (case_expired)
		snprintf(why, why_len, "timed out after %u s (round trip %zu)", o->timeout_s, round);
	else if (peer_exited)
		snprintf(why, why_len, "responder exited at round trip %zu", round);
	else
		snprintf(why, why_len, "%s ping: %s", bc->t->name, strerror(errno));
}

/* Runs the warm-up and the timed round trips; 0, or -1 with why. */
static int measure_rounds(const struct bench_case *bc, struct chan *c, const struct run_opts *o,
			  struct measurement *m, char *why, size_t why_len)
{
	unsigned char msg[MSG_MAX];
	memset(msg, 0xa5, sizeof(msg));
	for (size_t i = 0; i < WARMUP + o->samples; i++) {
		uint64_t round = i + 1, a[2], z[2];
		memcpy(msg, &round, sizeof(round));     /* never 0: eventfd cannot carry 0 */
		probe_read(m->hw, 0, a);
		int rc = bc->t->ping(c, msg);
		probe_read(m->hw, 1, z);
		if (rc != 0 || case_expired) {
			ping_failure(bc, o, i, why, why_len);
			return -1;
		}
		if (memcmp(msg, &round, sizeof(round)) != 0) {
			snprintf(why, why_len, "round trip %zu came back with another message", i);
			return -1;
		}
		if (i >= WARMUP)
			for (int k = 0; k < 2; k++)
				m->v[k][i - WARMUP] = (int64_t)(z[k] - a[k]);
	}
	m->n = o->samples;
	return 0;
}

/* Kills the responder and reaps it: 0 if it was still there to be killed. */
static int reap(pid_t pid)
{
	int status;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : -1;
}

/* Forks the responder and measures against it, all within the case's time bound. */
static int run_forked(const struct bench_case *bc, struct chan *c, const struct run_opts *o,
		      struct measurement *m, char *why, size_t why_len)
{
	case_expired = peer_exited = 0;
	fflush(NULL);                           /* nothing buffered may be printed twice */
	pid_t initiator = getpid(), pid = fork();
	if (pid == 0)
		responder(bc, c, o, initiator);
	if (pid < 0) {
		snprintf(why, why_len, "fork: %s", strerror(errno));
		return -1;
	}
	case_running = 1;
	alarm(o->timeout_s);
	measure_overhead(m);
	int rc = measure_rounds(bc, c, o, m, why, why_len);
	if (reap(pid) != 0 && rc == 0) {
		snprintf(why, why_len, "responder exited before the end");
		rc = -1;
	}
	case_running = 0;
	alarm(0);
	return rc;
}

/* Runs one case into m, this process pinned to o->cpu[0] meanwhile: 0, or -1 with why. */
int run_case(const struct bench_case *bc, const struct run_opts *o, struct measurement *m,
	     char *why, size_t why_len)
{
	struct chan c = { .bytes = bc->bytes, .fd = { -1, -1, -1, -1 },
			  .mq = { (mqd_t)-1, (mqd_t)-1 } };
	cpu_set_t allowed;                      /* given back at the end */
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0 || pin_to(o->cpu[0]) != 0) {
		snprintf(why, why_len, "cannot run on CPU %d: %s", o->cpu[0], strerror(errno));
		return -1;
	}
	int rc = -1;
	if (bc->t->setup(&c) != 0) {
		snprintf(why, why_len, "%s setup: %s", bc->t->name, strerror(errno));
	} else {
		rc = run_forked(bc, &c, o, m, why, why_len);
		bc->t->teardown(&c);
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
	return rc;
}
