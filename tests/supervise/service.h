/* The supervision test's service, shared by its server (crashy) and its
 * client (rpcload).  A request is one word; the answer is two: a function of
 * the request, so that a wrong or misdirected answer shows, and the thread id
 * of the instance that answered.  Thread ids only grow, so a client can tell
 * a newer instance from an older one. */
#ifndef SUPERVISE_SERVICE_H
#define SUPERVISE_SERVICE_H

#include <stdint.h>

#define SERVICE_REQUEST_LEN 8
#define SERVICE_ANSWER_LEN 16

/* Answer word 0: a bijection of the request, never the request itself. */
static inline uint64_t service_answer(uint64_t request)
{
	return request * 0x9e3779b97f4a7c15ull + 1;
}

#endif
