/* The clocks of a timed region: PAPI's cycle and instruction counters when the build has
 * PAPI and PAPI has both events, the TSC otherwise.  host.mk links counters_papi.c or
 * counters_none.c; both implement the two functions below. */
#ifndef IPCBENCH_COUNTERS_H
#define IPCBENCH_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

/* Starts PAPI_TOT_CYC and PAPI_TOT_INS: 1 if they count, else 0 and why = "absent: ...". */
int counters_open(char *why, size_t why_len);

/* v = {cycles, instructions} so far; only after counters_open returned 1. */
void counters_read(uint64_t v[2]);

/* Start of a timed region: lfence first, so earlier work cannot drift into the region. */
static inline uint64_t tsc_begin(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* End of a timed region: lfence waits for the region, the second keeps later work out.
 * Not rdtscp, which older CPUs (and QEMU's qemu64) lack: lfence is in every x86-64. */
static inline uint64_t tsc_end(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* Reads the clock at the start (end = 0) or the end (end = 1) of a timed region. */
static inline void probe_read(int hw, int end, uint64_t v[2])
{
	if (hw) {
		counters_read(v);
	} else {
		v[0] = end ? tsc_end() : tsc_begin();
		v[1] = 0;
	}
}

#endif
