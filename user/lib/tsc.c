/* The choice of the TSC read that ends a timed region, made once at start. */
#include "ulib.h"

bool tsc_rdtscp;

void tsc_choose(void)
{
	/* rdtscp is CPUID.80000001H:EDX[27]; a CPU without it (QEMU's qemu64)
	 * raises #UD on it, so tsc_end falls back to lfence; rdtsc. */
	uint32_t a, b, c, d;
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
	if (a < 0x80000001u)
		return;
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
	tsc_rdtscp = d >> 27 & 1;
}
