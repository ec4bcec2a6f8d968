/* The benchmark program: builds the table of cases for this variant, runs
 * the ones named by bench=<name>[,<name>...] (default: all), and prints one
 * JSON result line per case (docs/results.md).  With footprint=1 it runs
 * each case once more, a hundred times between the footprint plugin's
 * markers. */
#include "bench.h"
#include "stats.h"
#include <ipclab/result.h>

uint64_t samples[SAMPLES];
unsigned footprint_region;
bool fp_measuring;

#define MAX_CASES 64
static struct bench_case cases[MAX_CASES];
static unsigned ncases;
static char case_names[MAX_CASES][40];
static char unit[32];
static uint64_t overhead;
/* False when the cost of measuring nothing varied: every result says so. */
static bool overhead_stable = true;

typedef long (*kernel_fn)(const struct bench_case *, uint64_t *, unsigned, unsigned);

static void add(const char *bench, kernel_fn run, enum where w, enum shape sh, unsigned bytes,
		unsigned clients, const char *fmt, ...)
{
	if (ncases == MAX_CASES)
		return;
	char *name = case_names[ncases];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(case_names[0]), fmt, ap);
	va_end(ap);
	cases[ncases] = (struct bench_case){ bench, name, run, w, sh, bytes, clients,
					     ncases + 1 <= REGIONS ? ncases + 1 : 0 };
	ncases++;
}

/* Every case of this variant: message sizes follow its model. */
static void build_table(void)
{
	static const char *const where[] = { "same-space", "other-space" };
	add("null_syscall", bench_null, SAME_SPACE, ROUNDTRIP, 0, 0, "null");
	add("space_switch", bench_space_switch, SAME_SPACE, ROUNDTRIP, 0, 0, "syscall+2switches");
	unsigned small = BENCH_MSG_MAX < SIZE_SMALL ? BENCH_MSG_MAX : SIZE_SMALL;
	for (int w = SAME_SPACE; w <= OTHER_SPACE; w++) {
		for (unsigned b = 0; b <= small; b += 8)
			add("pingpong", bench_pingpong, w, ROUNDTRIP, b, 0, "roundtrip/%s/%uB", where[w], b);
		for (int sh = ONEWAY_CALL; sh <= ONEWAY_REPLY; sh++) {
			const char *way = sh == ONEWAY_CALL ? "oneway-call" : "oneway-reply";
			add("pingpong", bench_pingpong, w, sh, 0, 0, "%s/%s/0B", way, where[w]);
			add("pingpong", bench_pingpong, w, sh, small, 0, "%s/%s/%uB", way, where[w], small);
		}
	}
	for (unsigned n = 1; n <= 8; n *= 2)
		add("rpc", bench_rpc, OTHER_SPACE, ROUNDTRIP, 8, n, "%u-client%s", n, n > 1 ? "s" : "");
	add("notify", bench_notify, SAME_SPACE, ONEWAY_CALL, 0, 0, "notify-to-wakeup");
	if (IPC_MSG_MAX >= 16)                   /* the handler's reply names where to resume */
		add("fault", bench_fault, SAME_SPACE, ROUNDTRIP, 0, 0, "roundtrip/same-space");
	/* One word, and the largest message up to 64 bytes (like with like). */
	for (unsigned b = 8; b <= small; b = b < small ? small : b + 1) {
		add("send", bench_send, OTHER_SPACE, ONEWAY_CALL, b, 0, "%u-sends/other-space/%uB",
		    SEND_BURST, b);
		add("send", bench_send, OTHER_SPACE, ROUNDTRIP, b, 0, "%u-delivered/other-space/%uB",
		    SEND_BURST, b);
	}
	add("pagefault", bench_pagefault, SAME_SPACE, ROUNDTRIP, 0, 0, "same-space/map-1-page");
	add("pagefault", bench_map, SAME_SPACE, ROUNDTRIP, 0, 0, "no-fault/map-1-page");
	/* Last, so that the cases above keep their footprint regions. */
	for (unsigned b = 0; b <= SIZE_BULK && b <= BENCH_MSG_MAX; b = size_next_bulk(b))
		add("bulk", bench_bulk_copied, OTHER_SPACE, ROUNDTRIP, b, 0, "copied/%uB", b);
	for (unsigned b = 0; b <= SIZE_BULK && SHARED_MSG <= BENCH_MSG_MAX; b = size_next_bulk(b))
		add("bulk", bench_bulk_shared, OTHER_SPACE, ROUNDTRIP, b, 0, "shared/%uB", b);
}

/* Sorts s; the mean is rounded to whole units, the deviation down. */
static struct stats summarise(uint64_t *s, unsigned n)
{
	sort_u64(s, n);
	uint64_t sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += s[i];
	uint64_t mean = (sum + n / 2) / n;
	return (struct stats){ s[0], s[n / 2], mean, isqrt_u64(stats_variance(s, n)),
			       s[n * 99 / 100], s[n - 1] };
}

/* The cost of measuring nothing.  If it varies, the clock is noisy (plain
 * TCG, a shared host): the cases are measured all the same and every result
 * is marked "stable": false, because a clock must never decide whether a
 * boot passes. */
static void measure_overhead(void)
{
	for (unsigned i = 0; i < 2000; i++) {
		uint64_t t0 = tsc_begin();
		uint64_t t1 = tsc_end();
		samples[i] = t1 - t0;
	}
	struct stats st = summarise(samples, 2000);
	overhead = st.min;
	if (samples[2000 * 9 / 10] > st.median + st.median / 2 + 4) {
		overhead_stable = false;
		printf("bench: the measuring overhead is unstable (min %lu, median %lu, p90 %lu %s): "
		       "results are marked unstable\n", st.min, st.median, samples[2000 * 9 / 10], unit);
	}
}

/* The largest message, as the kernel says it, must be the one the cases
 * were sized by; and what one IPC object (endpoint or port, whose queue
 * holds whole messages) takes of the kernel's frames, measured. */
static bool check_ipc_object(void)
{
	uint64_t max = sys_info(INFO_MSG_MAX), before = sys_info(INFO_FREE_FRAMES);
	if (max != BENCH_MSG_MAX) {
		printf("bench: the kernel's largest message is %lu bytes, the cases were sized for "
		       "%u\n", max, BENCH_MSG_MAX);
		return false;
	}
	long err = ipc_create(EP);
	uint64_t after = sys_info(INFO_FREE_FRAMES);
	sys_cap_delete(EP);
	if (err) {
		printf("bench: cannot create an IPC object (error %ld)\n", err);
		return false;
	}
	printf("bench: messages of up to %lu bytes; one IPC object takes %lu KiB of kernel "
	       "memory\n", max, (before - after) * 4);
	return true;
}

static void print_result(const struct bench_case *c, unsigned n, const struct stats *st,
			 const char *extra)
{
	printf(RESULT_BEGIN "{\"bench\":\"%s\",\"case\":\"%s\",\"variant\":\"%s\",\"axes\":" CONFIG_AXES_JSON ","
	       "\"unit\":\"%s\",\"samples\":%u,\"iterations\":1,\"min\":%lu,\"median\":%lu,"
	       "\"mean\":%lu,\"stddev\":%lu,\"p99\":%lu,\"max\":%lu,\"overhead\":%lu,\"stable\":%s%s}"
	       RESULT_END "\n",
	       c->bench, c->name, CONFIG_NAME, unit, n, st->min, st->median, st->mean,
	       st->stddev, st->p99, st->max, overhead, overhead_stable ? "true" : "false", extra);
}

/* The keys of an rpc result beside the statistics of its response times:
 * throughput as calls per million units of the clock, completions per
 * client and Jain's fairness index over them, (sum x)^2 / (n sum x^2). */
static void rpc_extra(char *buf, size_t len, unsigned clients, uint64_t p999)
{
	uint64_t sum = 0, squares = 0;
	for (unsigned i = 0; i < clients; i++) {
		sum += rpc_out.calls[i];
		squares += rpc_out.calls[i] * rpc_out.calls[i];
	}
	uint64_t fair = squares ? sum * sum * 10000 / (clients * squares) : 0;
	uint64_t per_m10 = rpc_out.elapsed ? sum * 10000000 / rpc_out.elapsed : 0;
	int at = snprintf(buf, len, ",\"clients\":%u,\"calls\":%lu,\"elapsed\":%lu,\"ticks\":%lu,"
			  "\"p999\":%lu,\"ops_per_mi\":%lu.%lu,\"fairness\":%lu.%04lu,\"per_client\":[",
			  clients, sum, rpc_out.elapsed, rpc_out.ticks, p999, per_m10 / 10,
			  per_m10 % 10, fair / 10000, fair % 10000);
	for (unsigned i = 0; i < clients && at > 0 && (size_t)at < len; i++)
		at += snprintf(buf + at, len - (size_t)at, "%s%lu", i ? "," : "", rpc_out.calls[i]);
	if (at > 0 && (size_t)at < len && strcmp(unit, "instructions")) {
		uint64_t khz = sys_info(INFO_TSC_KHZ);
		at += snprintf(buf + at, len - (size_t)at, "],\"ops_per_s\":%lu",
			       rpc_out.elapsed ? sum * khz * 1000 / rpc_out.elapsed : 0);
	} else if (at > 0 && (size_t)at < len) {
		at += snprintf(buf + at, len - (size_t)at, "]");
	}
}

/* Whether every sample of c is possible: none longer than the whole case
 * took (an end before its start wraps around to a huge number). */
static bool samples_possible(const struct bench_case *c, const uint64_t *v, unsigned n,
			     uint64_t took)
{
	for (unsigned i = 0; i < n; i++) {
		if (v[i] > took) {
			printf("bench: %s %s: iteration %u: impossible sample %lu, more than the whole "
			       "case took (%lu)\n", c->bench, c->name, WARMUP + i, v[i], took);
			return false;
		}
	}
	return true;
}

/* Run one case: warm up and measure on the same objects, subtract the
 * overhead, print.  A failed check has said what it saw already. */
static bool run_case(const struct bench_case *c, uint64_t *floor_parts)
{
	unsigned n = SAMPLES;
	bench_nomem = (struct nomem_info){ 0 };    /* this case's pager has refused nothing yet */
	uint64_t began = tsc_begin();
	long err = c->run(c, samples, WARMUP, n);
	uint64_t took = tsc_end() - began;
	if (err) {
		if (err != E_BENCH_CHECK) {
			char why[ERROR_TEXT_MAX];
			printf("bench: %s %s failed: %s\n", c->bench, c->name,
			       error_text(why, sizeof(why), err, bench_nomem.kind ? &bench_nomem : NULL));
		}
		return false;
	}
	struct stats st;
	char extra[400] = "";
	if (c->clients) {
		uint64_t p999;
		n = (unsigned)rpc_out.total;
		st = rpc_summary(overhead, &p999);
		if (st.max > took) {
			printf("bench: %s %s: impossible response time %lu, more than the whole case "
			       "took (%lu)\n", c->bench, c->name, st.max, took);
			return false;
		}
		rpc_extra(extra, sizeof(extra), c->clients, p999);
	} else {
		if (!samples_possible(c, samples, n, took))
			return false;
		for (unsigned i = 0; i < n; i++)
			samples[i] = samples[i] > overhead ? samples[i] - overhead : 0;
		st = summarise(samples, n);
		if (!strcmp(c->bench, "pingpong") || !strcmp(c->bench, "bulk") ||
		    !strcmp(c->bench, "send"))
			snprintf(extra, sizeof(extra), ",\"bytes\":%u", c->bytes);
	}
	print_result(c, n, &st, extra);
	if (!strcmp(c->bench, "null_syscall"))
		floor_parts[0] = st.median;
	if (!strcmp(c->bench, "space_switch"))
		floor_parts[1] = st.median;
	return true;
}

/* The floor of a round trip between spaces, from this boot's own figures:
 * two null system calls and two address-space switches, i.e. one null call
 * plus one call that switches there and back. */
static void print_floor(const uint64_t *parts)
{
	struct bench_case c = { .bench = "floor", .name = "roundtrip" };
	uint64_t f = parts[0] + parts[1];
	struct stats st = { f, f, f, 0, f, f };
	char extra[96];
	snprintf(extra, sizeof(extra), ",\"null_syscall\":%lu,\"space_switch\":%lu", parts[0],
		 parts[1]);
	print_result(&c, 0, &st, extra);
}

/* Measuring nothing, 100 times, between footprint markers: a case's region
 * holds its two TSC reads too, and the harness takes this region's model
 * cycles off the cases', as each result's overhead is off its instructions. */
static void footprint_overhead(void)
{
	printf("bench: footprint region %u = overhead measuring\n", REGION_OVERHEAD);
	footprint_region = REGION_OVERHEAD;
	fp_measuring = false;
	for (unsigned i = 0; i < WARMUP + 100; i++) {
		round_begin(i, WARMUP);
		fp_begin();
		uint64_t t0 = tsc_begin();
		uint64_t t1 = tsc_end();
		fp_end();
		samples[sample_slot(i, WARMUP)] = t1 - t0;
	}
	footprint_region = 0;
	fp_measuring = false;
}

/* Each case again, 100 times, between footprint markers; false if one fails. */
static bool run_footprint(const char *which)
{
	bool ok = true;
	footprint_overhead();
	for (unsigned i = 0; i < ncases; i++) {
		const struct bench_case *c = &cases[i];
		if (!list_has(which, c->bench) || !c->region || c->clients)
			continue;
		printf("bench: footprint region %u = %s %s\n", c->region, c->bench, c->name);
		footprint_region = c->region;
		fp_measuring = false;                /* round_begin sets it after warm-up */
		long err = c->run(c, samples, WARMUP, 100);
		if (err && err != E_BENCH_CHECK)
			printf("bench: %s %s failed: error %ld\n", c->bench, c->name, err);
		ok &= !err;
		footprint_region = 0;
		fp_measuring = false;
	}
	return ok;
}

/* args_name_fn: what bench= accepts, the cases' benchmarks and floor. */
static const char *bench_name(const void *ctx, unsigned i)
{
	(void)ctx;
	return i < ncases ? cases[i].bench : i == ncases ? "floor" : NULL;
}

int main(struct start_info *info)
{
	static const char *const units[] = { "tsc", "instructions", NULL };
	char which[START_ARGS_MAX];
	struct args a;
	if (CONFIG_BREAK_COPY)
		printf("bench: built with BREAK_COPY=y: one message word is not copied, on purpose; "
		       "the data checks must fail\n");
	build_table();
	args_init(&a, "bench", info->args);
	args_names(&a, "unit", "tsc", ARGS_ONE, args_name_of_array, units, unit, sizeof(unit));
	args_names(&a, "bench", "all", ARGS_ALL, bench_name, NULL, which, sizeof(which));
	bool footprint = args_number(&a, "footprint", 0, 0, 1);
	if (!args_done(&a))
		return 1;
	uint64_t entry, stack;
	if (sys_space_create(OTHER) ||
	    sys_module_load(SLOT_SELF_IMAGE, OTHER, SLOT_MEMORY, "server", 6, &entry, &stack)) {
		printf("bench: cannot make the second address space\n");
		return 1;
	}
	measure_overhead();
	bool ok = check_ipc_object();
	uint64_t floor_parts[2] = { 0, 0 };
	for (unsigned i = 0; i < ncases; i++)
		if (list_has(which, cases[i].bench) || (list_has(which, "floor") &&
		    (!strcmp(cases[i].bench, "null_syscall") || !strcmp(cases[i].bench, "space_switch"))))
			ok &= run_case(&cases[i], floor_parts);
	if (floor_parts[0] && floor_parts[1])
		print_floor(floor_parts);
	if (footprint)
		ok &= run_footprint(which);
	return ok ? 0 : 1;
}
