/* The rendezvous that synchronous models share (sync, copy): the endpoint,
 * a send's checks, and the links between a call and the server that holds
 * it.  A model uses it with `IPC_SHARED := rendezvous` in its model.mk
 * (docs/variants.md, "Adding an IPC model"): its ipc_thread.h holds the
 * fields of rendezvous_thread.h, rendezvous.c gives ipc_create and the
 * object and thread hooks of ipc-variants/ipc.h, and the model moves the
 * messages itself (send, recv, call, reply_recv, ipc_kernel_call). */
#ifndef RENDEZVOUS_H
#define RENDEZVOUS_H

#include "ipc.h"

struct endpoint {
	struct kobj obj;
	bool dead;
	struct tqueue senders;        /* WAIT_SEND and WAIT_CALL threads */
	struct tqueue receivers;      /* WAIT_RECV threads */
};

/* The endpoint in slot with the right, and its badge; or an error.  GCC
 * decides per model whether to inline it, unless the model declares it
 * always_inline before including this header (sync.h); unused by files
 * that look no endpoint up. */
static __attribute__((unused)) int ep_lookup(uint64_t slot, uint32_t right, struct endpoint **ep,
					     uint64_t *badge)
{
	struct cap *c;
	int err = cap_get(slot, OBJ_IPC, right, &c);
	if (err)
		return err;
	*ep = (struct endpoint *)c->obj;
	*badge = c->badge;
	return (*ep)->dead ? E_DEAD : IPC_OK;
}

/* Check a send's arguments: endpoint, length (up to the model's
 * IPC_MSG_MAX), timeout. */
static inline int send_args(struct trap_frame *f, struct endpoint **ep, uint64_t *badge)
{
	int err = ep_lookup(f->rdi, RIGHT_SEND, ep, badge);
	if (err)
		return err;
	if ((f->rsi & IPC_LEN_MASK) > IPC_MSG_MAX)
		return E_TOOBIG;
	return timeout_check(f->rdx);
}

/* server no longer holds its caller c's call: it answered, or c's wait
 * ended. */
static inline void call_unlink(struct thread *server, struct thread *c)
{
	server->caller = NULL;
	c->callee = NULL;
}

/* A call's timeout bounds both its send and its wait for the reply, except
 * that 0 ("send at once or fail") waits for the reply for ever. */
static inline uint64_t reply_timeout(uint64_t timeout)
{
	return timeout == TIMEOUT_NONE ? TIMEOUT_FOREVER : timeout;
}

/* The server will never reply to its caller's call. */
static inline void reply_abandon(struct thread *server)
{
	struct thread *c = server->caller;
	call_unlink(server, c);
	wait_end(c, E_DEAD);
}

/* current takes the call of s, a sender in WAIT_CALL, and owes it the
 * reply: s waits for it (still blocked; its timeout runs on).  One reply
 * at a time, so a call current held before dies.  always_inline here and
 * below: GCC then lays the models' paths out as when this was written in
 * them (the same instruction counts). */
static inline __attribute__((always_inline)) void call_taken_from(struct thread *s)
{
	if (current->caller)
		reply_abandon(current);
	s->wait = WAIT_REPLY;
	s->callee = current;
	current->caller = s;
}

/* r, a receiver, takes current's call and owes it the reply; a call r
 * held before dies. */
static inline __attribute__((always_inline)) void call_taken_by(struct thread *r)
{
	if (r->caller)
		reply_abandon(r);
	r->caller = current;
	current->callee = r;
}

/* The rest of current's call on ep with badge, its message taken by the
 * receiver r or, r NULL, by none: wait for r's reply, or in ep's send queue
 * (the message waits with us) unless timeout says not to wait.  final:
 * return to user from the wait (a system call); else come back here (the
 * kernel's calls). */
static inline __attribute__((always_inline)) int call_wait(struct endpoint *ep, struct thread *r,
							   uint64_t badge, uint64_t timeout,
							   bool final)
{
	struct tqueue *q = NULL;
	enum wait_kind kind = WAIT_REPLY;
	if (r) {
		call_taken_by(r);
		timeout = reply_timeout(timeout);
	} else {
		if (timeout == TIMEOUT_NONE)
			return E_TIMEOUT;
		current->badge = badge;
		q = &ep->senders;
		kind = WAIT_CALL;
	}
	if (final)
		wait_block_final(q, kind, timeout, r);
	return wait_block(q, kind, timeout, r);
}

#endif
