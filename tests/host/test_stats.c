/* Host tests of the benchmarks' variance (bench/target/stats.h): exact in
 * integers, small deviations kept, large samples without overflow. */
#include "check.h"
#include "../../bench/target/stats.h"

#define N 10000

static uint64_t s[N];

/* sum((x - m)^2) / n, rounded down (UINT64_MAX if it does not fit), the
 * slow way: exact rationals as n * x - sum, in 128 bits, for samples below
 * 2^40. */
static uint64_t reference(const uint64_t *x, unsigned n)
{
	unsigned __int128 sum = 0, sq = 0;
	for (unsigned i = 0; i < n; i++)
		sum += x[i];
	for (unsigned i = 0; i < n; i++) {
		__int128 d = (__int128)((unsigned __int128)x[i] * n) - (__int128)sum;
		sq += (unsigned __int128)(d < 0 ? -d : d) * (unsigned __int128)(d < 0 ? -d : d);
	}
	unsigned __int128 q = sq / ((unsigned __int128)n * n * n);
	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

/* Deviations of 20 around a mean of 120: the old sum of d*d/n dropped
 * every one of them (400 / 10000 = 0) and said 0. */
static void small_deviations_count(void)
{
	for (unsigned i = 0; i < N; i++)
		s[i] = i % 2 ? 140 : 100;
	CHECK_EQ(stats_variance(s, N), 400);
}

/* One outlier in a constant run: its share, not nothing. */
static void one_outlier(void)
{
	for (unsigned i = 0; i < N; i++)
		s[i] = 215;
	s[0] = 893;
	CHECK_EQ(stats_variance(s, N), reference(s, N));
	CHECK_EQ(stats_variance(s, N), 45);
}

static void constant_is_zero(void)
{
	for (unsigned i = 0; i < N; i++)
		s[i] = 1000000;
	CHECK_EQ(stats_variance(s, N), 0);
	CHECK_EQ(stats_variance(s, 1), 0);
}

/* A mean that is not a whole number: {0, 1} has variance 1/4, rounded down
 * 0; {0, 0, 3} has mean 1 and variance 2. */
static void fractional_mean(void)
{
	uint64_t a[] = { 0, 1 }, b[] = { 0, 0, 3 };
	CHECK_EQ(stats_variance(a, 2), 0);
	CHECK_EQ(stats_variance(b, 3), 2);
}

/* Pseudo-random samples of every magnitude up to 2^40 against the
 * reference (the variance of the largest does not fit: saturated). */
static void random_against_reference(void)
{
	uint64_t x = 88172645463325252ull;
	for (unsigned round = 0; round < 40; round++) {
		unsigned n = 1 + (unsigned)(x % N);
		for (unsigned i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			s[i] = x >> (24 + round % 40);
		}
		CHECK_EQ(stats_variance(s, n), reference(s, n));
	}
}

/* Deviations of 2^46: no overflow, and a variance past 2^64 is saturated;
 * deviations of 2^30 give exactly 2^60. */
static void large_samples(void)
{
	for (unsigned i = 0; i < N; i++)
		s[i] = i % 2 ? (1ull << 47) : 0;
	CHECK_EQ(stats_variance(s, N), UINT64_MAX);        /* 2^92: does not fit */
	for (unsigned i = 0; i < N; i++)
		s[i] = i % 2 ? (1ull << 31) : 0;
	CHECK_EQ(stats_variance(s, N), 1ull << 60);
}

static const struct check_case cases[] = {
	CASE(small_deviations_count), CASE(one_outlier), CASE(constant_is_zero),
	CASE(fractional_mean), CASE(random_against_reference), CASE(large_samples),
};
CHECK_MAIN(cases)
