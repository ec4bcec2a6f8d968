/* The floor: what the hardware cannot avoid.  A null system call, and a
 * system call that switches to another address space and back. */
#include "bench.h"

long bench_null(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	(void)c;
	for (unsigned i = 0; i < warmup + n; i++) {
		round_begin(i, warmup);
		fp_begin();
		uint64_t t0 = tsc_begin();
		sys_null();
		uint64_t t1 = tsc_end();
		fp_end();
		s[sample_slot(i, warmup)] = t1 - t0;
	}
	return 0;
}

long bench_space_switch(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	(void)c;
	for (unsigned i = 0; i < warmup + n; i++) {
		round_begin(i, warmup);
		fp_begin();
		uint64_t t0 = tsc_begin();
		long err = sys_space_switch(OTHER);
		uint64_t t1 = tsc_end();
		fp_end();
		if (err)
			return err;
		s[sample_slot(i, warmup)] = t1 - t0;
	}
	return 0;
}
