/* The counters of a build without PAPI: none; the TSC is the clock. */
#include "counters.h"

#include <stdio.h>

/* Says that this build has no PAPI. */
int counters_open(char *why, size_t why_len)
{
	snprintf(why, why_len, "absent: built without PAPI");
	return 0;
}

/* Never called: counters_open never succeeds. */
void counters_read(uint64_t v[2])
{
	v[0] = v[1] = 0;
}
