/* The variance of the benchmark samples, exact in integers: no floating
 * point in the guest (-mgeneral-regs-only), no 128-bit division helper
 * (-nostdlib).  Pure, so that the host unit tests (tests/host/test_stats.c)
 * check it against a straightforward computation. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdint.h>

/* hi:lo / d, rounded down; UINT64_MAX if the quotient does not fit. */
static inline uint64_t stats_div128(unsigned __int128 x, uint64_t d)
{
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x, q, r;
	if (hi >= d)
		return UINT64_MAX;
	asm("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
	(void)r;
	return q;
}

/* The population variance of s[0..n) (0 < n <= 65536, each sample below 2^48),
 * rounded down.  Squares are summed in 128 bits around the rounded-down
 * mean mf = sum / n, remainder r: with the true mean m = mf + r/n,
 * sum((x - m)^2) = sum((x - mf)^2) - r^2/n, so
 * n^2 * variance = n * sum((x - mf)^2) - r^2, divided once at the end:
 * no deviation is lost however small. */
static inline uint64_t stats_variance(const uint64_t *s, unsigned n)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += s[i];
	uint64_t mf = sum / n, r = sum % n;
	unsigned __int128 sq = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t d = s[i] > mf ? s[i] - mf : mf - s[i];
		sq += (unsigned __int128)d * d;
	}
	return stats_div128(sq * n - (unsigned __int128)r * r, (uint64_t)n * n);
}

#endif
