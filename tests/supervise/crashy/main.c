/* crashy: a server that dies on purpose, for the supervision test (README,
 * "Supervision").  The root task starts it for serve=crashy with a receive
 * capability in SLOT_SERVICE.  Each instance answers crashy_after=N
 * requests (service.h) and dies on the next one while holding its call:
 * crashy_how=fault (the default) writes through a null pointer, exit ends
 * the thread with code 3.  Either way its caller gets E_DEAD and the
 * supervisor starts a new instance.  It yields before each answer, so that
 * the other clients' calls are waiting in the endpoint or port whenever it
 * dies, for the next instance to receive. */
#include "ulib.h"
#include "ipc.h"
#include "../service.h"

#define EXIT_CODE 3
#define AFTER_MAX 1000000ul      /* requests an instance answers: more is a typo */

/* Null, but the compiler cannot know it, so the write below is a real one. */
static uint64_t *volatile nowhere;

/* End this instance the way the arguments ask. */
static __attribute__((noreturn)) void die(const char *how, uint64_t served)
{
	if (strcmp(how, "exit")) {
		*nowhere = served;                   /* page 0 is never mapped: #PF */
		printf("crashy: the null write did not fault\n");
	}
	sys_exit(EXIT_CODE);
}

int main(struct start_info *info)
{
	static const char *const hows[] = { "fault", "exit", NULL };
	struct args a;
	char how[8];
	args_init(&a, "crashy", info->args);
	uint64_t after = args_number(&a, "crashy_after", 20, 0, AFTER_MAX);
	args_names(&a, "crashy_how", "fault", ARGS_ONE, args_name_of_array, hows, how, sizeof(how));
	if (!args_done(&a))
		return 1;
	uint64_t id = sys_info(INFO_THREAD_ID);
	struct ipc_msg m = { 0 };
	long err = ipc_recv(SLOT_SERVICE, &m, TIMEOUT_FOREVER);
	for (uint64_t served = 0; err == IPC_OK; served++) {
		sys_yield();              /* hold the call a while: the others' queue behind it */
		if (served == after)
			die(how, served);
		m.w[0] = service_answer(m.w[0]);
		m.w[1] = id;
		m.len = SERVICE_ANSWER_LEN;
		err = ipc_reply_recv(SLOT_SERVICE, &m, TIMEOUT_FOREVER);
	}
	printf("crashy: receive failed: error %ld\n", err);
	return 2;
}
