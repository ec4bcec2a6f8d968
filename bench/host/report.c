/* Statistics of one case and its result lines: RESULT_BEGIN {json} RESULT_END, one per line,
 * as docs/results.md describes.  A case gives two lines: the round trip, and the one-way
 * figures, which are half of the round trip's. */
#define _GNU_SOURCE
#include "ipcbench.h"

#include <ipclab/result.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static char axes_kernel[256] = "unknown";
static char axes_cpu[256] = "unknown";

/* Reads the axes once: the running kernel's release and the CPU's model name. */
void report_axes_init(void)
{
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(axes_kernel, sizeof(axes_kernel), "%s", u.release);
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			colon += 1 + (colon[1] == ' ');
			colon[strcspn(colon, "\n")] = 0;
			snprintf(axes_cpu, sizeof(axes_cpu), "%s", colon);
			break;
		}
	}
	if (f)
		fclose(f);
}





/* Writes "min":..,"median":..,...,"overhead":.., each value scaled by `scale`. */
static void json_stats(FILE *f, const struct stats *s, double overhead, double scale)
{
	const char *names[] = { "min", "median", "mean", "stddev", "p99", "max", "overhead" };
	const double vals[] = { s->min, s->median, s->mean, s->stddev, s->p99, s->max, overhead };
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		fprintf(f, "%s\"%s\":", i ? "," : "", names[i]);
		json_num(f, vals[i] * scale);
	}
}

/* Prints one result line; one_way halves every figure; extra is more JSON members, or NULL. */
static void report_line(const struct bench_case *bc, const struct run_opts *o,
			const struct measurement *m, const struct stats st[2],
			const char *counters, const char *extra, int one_way)
{
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	double scale = one_way ? 0.5 : 1.0;
	fprintf(f, "{\"bench\":\"%s\",\"case\":\"%s/%s/%zuB\",\"variant\":\"linux\",",
		bc->t->name, one_way ? "oneway" : "roundtrip",
		bc->cross_cpu ? "cross-cpu" : "same-cpu", bc->bytes);
	fputs("\"axes\":{\"kernel\":", f);
	json_str(f, axes_kernel);
	fputs(",\"cpu\":", f);
	json_str(f, axes_cpu);
	fprintf(f, "},\"unit\":\"%s\",\"samples\":%zu,\"iterations\":1,",
		m->hw ? "cycles" : "tsc", m->n);
	json_stats(f, &st[0], (double)m->overhead[0], scale);
	fprintf(f, ",\"stable\":%s,\"overhead_spread\":%lld", m->stable ? "true" : "false",
		(long long)m->overhead_spread);
	if (m->hw) {
		fputs(",\"instructions\":{", f);
		json_stats(f, &st[1], (double)m->overhead[1], scale);
		fputc('}', f);
	}
	fputs(",\"counters\":", f);
	json_str(f, counters);
	if (one_way)
		fputs(",\"one_way\":\"half of round trip\"", f);
	fprintf(f, ",\"bytes\":%zu,\"cpus\":[%d,%d],\"peer\":\"process\",\"warmup\":%d",
		bc->bytes, o->cpu[0], o->cpu[bc->cross_cpu], WARMUP);
	if (extra)
		fprintf(f, ",%s", extra);
	fputc('}', f);
	fclose(f);
	printf(RESULT_BEGIN "%s" RESULT_END "\n", text);
	fflush(stdout);
	free(text);
}

/* Prints the round-trip and the one-way result lines of a measured case. */
void report_case(const struct bench_case *bc, const struct run_opts *o,
		 struct measurement *m, const char *counters, const char *extra)
{
	struct stats st[2];
	for (int k = 0; k < 1 + m->hw; k++)
		stats_of(m->v[k], m->n, m->overhead[k], &st[k]);
	report_line(bc, o, m, st, counters, extra, 0);
	report_line(bc, o, m, st, counters, extra, 1);
}
