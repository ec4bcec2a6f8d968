/* rpcload: an RPC load on a supervised server, for the supervision test
 * (README, "Supervision").  It calls the first server of serve= at
 * SLOT_SERVICE (service.h): clients=C threads each make calls=K calls, each
 * with a request of its own, and check every answer.  A call that ends in
 * E_DEAD (the server died holding it) is made again; its answer must then
 * come from a newer instance than the one that answered before.  A call
 * answered by a newer instance than the client's previous one without an
 * E_DEAD is "carried": it went on across a restart untouched (crashy holds
 * each call a while, so these have waited in the endpoint or port while the
 * server was replaced).  A call that ends in E_DEAD more than DEAD_MAX times
 * in a row gives up: the service is gone (no supervisor restarts that
 * often).
 *
 * At the end one result line (include/ipclab/result.h) gives the counts;
 * the exit code is 0 only if every call was answered correctly. */
#include "ulib.h"
#include "ipc.h"
#include <ipclab/result.h>
#include "../service.h"

#define CLIENTS_MAX 8
#define CALLS_MAX 1000000ul       /* per client */
#define CLIENT_PRIO 10
#define CLIENT_SLOT SLOT_FREE            /* the client threads' capabilities */
#define INSTANCES_MAX 32                 /* instances one client notes */
#define DEAD_MAX 64

/* What one client saw; written by its thread, read once it has ended. */
struct client {
	uint64_t answered, dead;
	uint64_t carried;                /* answered by a newer instance, no E_DEAD */
	long error;                      /* why it stopped early, or IPC_OK */
	bool wrong;                      /* ... a wrong answer */
	uint64_t instances[INSTANCES_MAX];   /* the instances that answered it, in order */
	unsigned ninstances;
};

static struct client clients[CLIENTS_MAX];
static uint64_t ncalls;

/* Make one call, again after each E_DEAD; the error it ended with. */
static long call_retrying(struct client *c, uint64_t request, struct ipc_msg *m, bool *redone)
{
	for (unsigned dead = 0;; dead++) {
		*m = (struct ipc_msg){ .len = SERVICE_REQUEST_LEN };
		m->w[0] = request;
		long err = ipc_call(SLOT_SERVICE, m, TIMEOUT_FOREVER);
		if (err != E_DEAD || dead == DEAD_MAX)
			return err;
		c->dead++;
		*redone = true;
	}
}

/* Client id: ncalls checked calls, yielding after each so that the clients'
 * calls interleave and some wait on the server whenever it dies. */
static void client(uint64_t id)
{
	struct client *c = &clients[id];
	uint64_t last = 0;                       /* the instance of our last answer */
	for (uint64_t n = 0; n < ncalls; n++) {
		uint64_t request = id << 32 | n;
		struct ipc_msg m;
		bool redone = false;
		c->error = call_retrying(c, request, &m, &redone);
		uint64_t by = m.w[1];
		/* Instances only get newer; after E_DEAD, strictly newer. */
		c->wrong = !c->error && (m.len != SERVICE_ANSWER_LEN ||
					 m.w[0] != service_answer(request) || by < last ||
					 (redone && by == last));
		if (c->error) {
			printf("rpcload: client %lu call %lu: error %ld\n", id, n, c->error);
			break;
		}
		if (c->wrong) {
			printf("rpcload: client %lu call %lu: wrong answer %#lx (len %lu) by instance "
			       "%lu after %lu\n", id, n, m.w[0], m.len, by, last);
			break;
		}
		if (by != last && c->ninstances < INSTANCES_MAX)
			c->instances[c->ninstances++] = by;
		c->carried += last && by != last && !redone;
		last = by;
		c->answered++;
		sys_yield();
	}
	sys_exit(0);
}

/* How many different instances answered any client. */
static unsigned instances_seen(unsigned n)
{
	uint64_t seen[CLIENTS_MAX * INSTANCES_MAX];
	unsigned count = 0;
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < clients[i].ninstances; j++) {
			unsigned k = 0;
			while (k < count && seen[k] != clients[i].instances[j])
				k++;
			if (k == count)
				seen[count++] = clients[i].instances[j];
		}
	return count;
}

int main(struct start_info *info)
{
	struct args a;
	args_init(&a, "rpcload", info->args);
	unsigned n = (unsigned)args_number(&a, "clients", 4, 1, CLIENTS_MAX);
	ncalls = args_number(&a, "calls", 100, 1, CALLS_MAX);
	if (!args_done(&a))
		return 1;
	for (unsigned i = 0; i < n; i++) {
		long err = thread_spawn(client, i, CLIENT_SLOT + i, CLIENT_PRIO);
		if (err) {
			printf("rpcload: cannot start client %u: error %ld\n", i, err);
			return 1;
		}
	}
	uint64_t answered = 0, dead = 0, carried = 0, how, code, addr;
	unsigned failed = 0;
	for (unsigned i = 0; i < n; i++) {
		long err = sys_thread_join(CLIENT_SLOT + i, &how, &code, &addr);
		struct client *c = &clients[i];
		failed += err || how != JOIN_EXITED || c->error || c->wrong || c->answered != ncalls;
		answered += c->answered;
		dead += c->dead;
		carried += c->carried;
	}
	unsigned instances = instances_seen(n);
	printf("rpcload: %u clients: %lu of %lu calls answered, %lu ended in E_DEAD and were "
	       "made again, %lu carried across a restart, %u server instances answered\n", n,
	       answered, n * ncalls, dead, carried, instances);
	printf(RESULT_BEGIN "{\"test\":\"rpcload\",\"variant\":\"%s\",\"clients\":%u,"
	       "\"calls\":%lu,\"answered\":%lu,\"dead\":%lu,\"carried\":%lu,"
	       "\"instances\":%u,\"failed_clients\":%u}" RESULT_END "\n", CONFIG_NAME, n,
	       n * ncalls, answered, dead, carried, instances, failed);
	return failed ? 1 : 0;
}
