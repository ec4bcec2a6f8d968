/* Cycles and instructions through PAPI.  PAPI counts the calling thread (the initiator),
 * in user and kernel mode; the responder's work shows only as the initiator's waiting. */
#include "counters.h"

#include <papi.h>
#include <stdio.h>

static int counters_set = PAPI_NULL;

/* Records why PAPI cannot count: "absent: <step>: <PAPI's reason>"; returns 0. */
static int counters_absent(char *why, size_t why_len, const char *step, int err)
{
	snprintf(why, why_len, "absent: %s: %s", step, PAPI_strerror(err));
	return 0;
}

/* Starts PAPI_TOT_CYC and PAPI_TOT_INS in one event set, counting user and kernel mode. */
int counters_open(char *why, size_t why_len)
{
	int err = PAPI_library_init(PAPI_VER_CURRENT);
	if (err > 0 && err != PAPI_VER_CURRENT) {
		snprintf(why, why_len, "absent: PAPI_library_init: library and header differ");
		return 0;
	}
	if (err < 0)
		return counters_absent(why, why_len, "PAPI_library_init", err);
	/* IPC is mostly kernel work: count it too (PAPI's default domain is user only). */
	if ((err = PAPI_set_domain(PAPI_DOM_ALL)) != PAPI_OK)
		return counters_absent(why, why_len, "PAPI_set_domain(PAPI_DOM_ALL)", err);
	if ((err = PAPI_create_eventset(&counters_set)) != PAPI_OK)
		return counters_absent(why, why_len, "PAPI_create_eventset", err);
	if ((err = PAPI_add_event(counters_set, PAPI_TOT_CYC)) != PAPI_OK)
		return counters_absent(why, why_len, "PAPI_TOT_CYC", err);
	if ((err = PAPI_add_event(counters_set, PAPI_TOT_INS)) != PAPI_OK)
		return counters_absent(why, why_len, "PAPI_TOT_INS", err);
	if ((err = PAPI_start(counters_set)) != PAPI_OK)
		return counters_absent(why, why_len, "PAPI_start", err);
	snprintf(why, why_len, "papi: PAPI_TOT_CYC, PAPI_TOT_INS of the initiator, user and kernel");
	return 1;
}

/* v = {cycles, instructions} counted since counters_open. */
void counters_read(uint64_t v[2])
{
	long long c[2] = { 0, 0 };
	PAPI_read(counters_set, c);
	v[0] = (uint64_t)c[0];
	v[1] = (uint64_t)c[1];
}
