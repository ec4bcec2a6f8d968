/* ipcbench: pipe, UNIX socket, futex, eventfd and POSIX message-queue ping-pong on the
 * host, the Linux baselines of ipclab's IPC figures.
 *
 * The matrix: every transport x {same-cpu, cross-cpu} x {8 bytes, 64 bytes for the byte
 * transports}.  Each case prints two result lines (round trip, one way) on stdout; notes and
 * failures go to stderr, one line each.  Exit status: 0 all cases ran, 1 a case failed,
 * 2 bad arguments. */
#define _GNU_SOURCE
#include "counters.h"
#include "ipcbench.h"

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_SAMPLES  10000
#define DEFAULT_TIMEOUT  30     /* seconds per case */
#define MAX_CASES        32

static const char usage[] =
	"usage: ipcbench [--samples N] [--timeout SECONDS] [--only TRANSPORT] [--perf]"
	" [--stall-peer] [--case-index I]";

static const char help[] =
	"  --samples N       timed round trips per case (default 10000)\n"
	"  --timeout S       hard bound on one case, in seconds (default 30)\n"
	"  --only T          one transport: pipe, unix_socket, futex, eventfd or mqueue\n"
	"  --perf            run each case under `perf stat` and add its context switches and\n"
	"                    task clock to the case's results\n"
	"  --stall-peer      test the time bound: the responder stops answering\n"
	"  --case-index I    run only case I of the matrix (what --perf runs)\n";

/* Everything the command line says. */
struct args {
	struct run_opts run;
	const char *only;
	int perf;
	long case_index;                /* -1: every case */
};

/* Stops with a one-line usage error. */
static void die_usage(const char *what, const char *arg)
{
	fprintf(stderr, "ipcbench: %s '%s'; %s\n", what, arg, usage);
	exit(2);
}

/* The number in s, within [lo, hi], or a usage error about option opt. */
static long parse_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < lo || v > hi) {
		char what[96];
		snprintf(what, sizeof(what), "%s wants a number from %ld to %ld, not", opt, lo, hi);
		die_usage(what, s);
	}
	return v;
}

/* The transport called name, or NULL. */
static const struct transport *transport_named(const char *name)
{
	for (size_t i = 0; i < transports_len; i++)
		if (strcmp(transports[i].name, name) == 0)
			return &transports[i];
	return NULL;
}

/* The value after option argv[*i]: moves *i on, or stops with a usage error. */
static const char *option_value(int argc, char **argv, int *i)
{
	if (*i + 1 == argc)
		die_usage("missing value after", argv[*i]);
	return argv[++*i];
}

/* Parses the command line into a. */
static void parse_args(int argc, char **argv, struct args *a)
{
	*a = (struct args){ .run = { .samples = DEFAULT_SAMPLES, .timeout_s = DEFAULT_TIMEOUT },
			    .case_index = -1 };
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		if (strcmp(opt, "--perf") == 0) {
			a->perf = 1;
		} else if (strcmp(opt, "--stall-peer") == 0) {
			a->run.stall_peer = 1;
		} else if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			printf("%s\n%s", usage, help);
			exit(0);
		} else if (strcmp(opt, "--samples") == 0) {
			a->run.samples = (size_t)parse_num(opt, option_value(argc, argv, &i), 1, 10000000);
		} else if (strcmp(opt, "--timeout") == 0) {
			a->run.timeout_s = (unsigned)parse_num(opt, option_value(argc, argv, &i), 1, 3600);
		} else if (strcmp(opt, "--case-index") == 0) {
			a->case_index = parse_num(opt, option_value(argc, argv, &i), 0, MAX_CASES - 1);
		} else if (strcmp(opt, "--only") == 0) {
			a->only = option_value(argc, argv, &i);
			if (!transport_named(a->only))
				die_usage("--only wants pipe, unix_socket, futex, eventfd or mqueue, not",
					  a->only);
		} else {
			die_usage("unknown argument", opt);
		}
	}
}

/* The first two CPUs this process may run on; cpu[1] = -1 if there is only one. */
static void cpus_pick(int cpu[2])
{
	cpu_set_t set;
	cpu[0] = 0;
	cpu[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	int found = 0;
	for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
		if (CPU_ISSET(c, &set))
			cpu[found++] = c;
}

/* Fills cases with the matrix; returns how many. */
static size_t cases_build(const struct args *a, struct bench_case *cases)
{
	static const size_t sizes[] = { 8, 64 };
	size_t n = 0;
	for (size_t t = 0; t < transports_len; t++) {
		if (a->only && strcmp(a->only, transports[t].name) != 0)
			continue;
		for (int cross = 0; cross < 2; cross++) {
			if (cross && a->run.cpu[1] < 0)
				continue;
			for (size_t s = 0; s < 1u + (size_t)transports[t].any_size; s++)
				cases[n++] = (struct bench_case){ &transports[t], cross, sizes[s] };
		}
	}
	return n;
}

/* Measures one case and prints its results (with extra JSON members, if any) or one FAIL
 * line; 0 if it ran. */
static int case_run_and_report(const struct bench_case *bc, const struct run_opts *o,
			       int hw, const char *counters, const char *extra)
{
	char why[256];
	struct measurement m = { .hw = hw };
	for (int k = 0; k < 2; k++)
		m.v[k] = calloc(o->samples, sizeof(int64_t));
	int rc = -1;
	if (!m.v[0] || !m.v[1])
		snprintf(why, sizeof(why), "out of memory for %zu samples", o->samples);
	else
		rc = run_case(bc, o, &m, why, sizeof(why));
	if (rc == 0)
		report_case(bc, o, &m, counters, extra);
	else
		fprintf(stderr, "ipcbench: FAIL %s %s/%zuB: %s\n", bc->t->name,
			bc->cross_cpu ? "cross-cpu" : "same-cpu", bc->bytes, why);
	free(m.v[0]);
	free(m.v[1]);
	return rc;
}

/* --perf: 1 if perf stat works here and self names this program; else says why, 0. */
static int perf_ready(char *self, size_t self_len)
{
	char why[256];
	ssize_t len = readlink("/proc/self/exe", self, self_len - 1);
	if (len < 0)
		snprintf(why, sizeof(why), "cannot find this program: /proc/self/exe: %s",
			 strerror(errno));
	if (len < 0 || !perf_usable(why, sizeof(why))) {
		fprintf(stderr, "ipcbench: --perf: %s; going on without perf\n", why);
		return 0;
	}
	self[len] = 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct args a;
	struct bench_case cases[MAX_CASES];
	char counters[256], self[PATH_MAX];
	parse_args(argc, argv, &a);
	cpus_pick(a.run.cpu);
	size_t ncases = cases_build(&a, cases);
	if (a.case_index >= (long)ncases) {
		char index[24];
		snprintf(index, sizeof(index), "%ld", a.case_index);
		die_usage("--case-index is beyond the last case", index);
	}
	if (a.run.cpu[1] < 0 && a.case_index < 0)
		fprintf(stderr, "ipcbench: note: cross-cpu skipped: only CPU %d is available\n",
			a.run.cpu[0]);
	int perf = a.perf && a.case_index < 0 && perf_ready(self, sizeof(self));
	int hw = counters_open(counters, sizeof(counters));
	report_axes_init();
	run_install_signals();
	int failed = 0;
	for (size_t i = 0; i < ncases; i++) {
		char extra[512];
		if (a.case_index >= 0 && (size_t)a.case_index != i)
			continue;
		int figures = perf && perf_case_figures(self, &a.run, a.only, i, extra, sizeof(extra)) == 0;
		failed |= case_run_and_report(&cases[i], &a.run, hw, counters, figures ? extra : NULL) != 0;
	}
	return failed;
}
