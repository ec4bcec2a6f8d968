/* The on-target benchmarks.  For now: the floor's null system call. */
#include "ulib.h"
#include <ipclab/result.h>

#define WARMUP 1000
#define SAMPLES 10000

static uint64_t samples[SAMPLES];

static void sort(uint64_t *a, unsigned n)
{
	for (unsigned gap = n / 2; gap; gap /= 2)          /* Shell sort: no recursion */
		for (unsigned i = gap; i < n; i++)
			for (unsigned j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
				uint64_t t = a[j];
				a[j] = a[j - gap];
				a[j - gap] = t;
			}
}

int main(struct start_info *info)
{
	char unit[32];
	if (!arg_get(info->args, "unit", unit, sizeof(unit)))
		memcpy(unit, "tsc", 4);
	for (unsigned i = 0; i < WARMUP; i++)
		sys_null();
	uint64_t overhead = ~0ull;
	for (unsigned i = 0; i < WARMUP; i++) {
		uint64_t t0 = tsc_begin(), t1 = tsc_end();
		if (t1 - t0 < overhead)
			overhead = t1 - t0;
	}
	for (unsigned i = 0; i < SAMPLES; i++) {
		uint64_t t0 = tsc_begin();
		sys_null();
		uint64_t t1 = tsc_end();
		samples[i] = t1 - t0 - overhead;
	}
	sort(samples, SAMPLES);
	printf(RESULT_BEGIN "{\"bench\":\"null_syscall\",\"samples\":%u,\"unit\":\"%s\","
	       "\"min\":%lu,\"median\":%lu,\"overhead\":%lu}" RESULT_END "\n",
	       SAMPLES, unit, samples[0], samples[SAMPLES / 2], overhead);
	return 0;
}
