/* Statistics of samples and the JSON pieces of a result line, shared by the
 * host baselines (report.c) and the Linux-guest /init (bench/linux-guest). */
#include "ipcbench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Subtracts the overhead from each of the n samples in x, sorts them and summarises them. */
void stats_of(int64_t *x, size_t n, int64_t overhead, struct stats *s)
{
	double sum = 0, sq = 0;
	for (size_t i = 0; i < n; i++) {
		x[i] -= overhead;
		sum += (double)x[i];
	}
	qsort(x, n, sizeof(*x), cmp_i64);
	s->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += ((double)x[i] - s->mean) * ((double)x[i] - s->mean);
	s->stddev = sqrt(sq / (double)n);
	s->min = (double)x[0];
	s->max = (double)x[n - 1];
	s->median = n % 2 ? (double)x[n / 2] : ((double)x[n / 2 - 1] + (double)x[n / 2]) / 2;
	s->p99 = (double)x[(99 * n + 99) / 100 - 1];    /* nearest rank */
}

/* Writes a number with one decimal at most: 1234, 1234.5. */
void json_num(FILE *f, double v)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.1f", v);
	size_t len = strlen(buf);
	if (len > 2 && strcmp(buf + len - 2, ".0") == 0)
		buf[len - 2] = 0;
	fputs(buf, f);
}

/* Writes a JSON string. */
void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}
