/* L4-style synchronous IPC: a rendezvous on an endpoint.  The first party
 * blocks until the other arrives; the message (up to MSG_REGS words) goes
 * from the sender's saved registers to the receiver's, never through a
 * buffer.  call = send + wait for the reply; reply_recv = reply to our
 * caller + wait for the next message.  entry_fastpath.S has the common
 * cases of call and reply_recv (fastpath.c the page fault's); everything
 * here is the general path behind them. */
#include "sync.h"

/* Take the first waiting sender's message into our frame f.  A caller then
 * waits for our reply; a plain sender is done. */
static void take_sender(struct endpoint *ep, struct trap_frame *f)
{
	struct thread *s = tq_pop(&ep->senders);
	msg_transfer(f, thread_frame(s), s->badge);
	if (s->wait == WAIT_CALL)
		call_taken_from(s);
	else
		wait_end(s, IPC_OK);
}

int ipc_send(struct trap_frame *f)
{
	struct endpoint *ep;
	uint64_t badge;
	int err = send_args(f, &ep, &badge);
	if (err)
		return err;
	struct thread *r = tq_pop(&ep->receivers);
	if (r) {
		msg_transfer(thread_frame(r), f, badge);
		wait_end(r, IPC_OK);            /* it runs when the scheduler says */
		return IPC_OK;
	}
	if (f->rdx == TIMEOUT_NONE)
		return E_TIMEOUT;
	current->badge = badge;                 /* the message waits in our frame */
	wait_block_final(&ep->senders, WAIT_SEND, f->rdx, NULL);
}

int ipc_recv(struct trap_frame *f)
{
	struct endpoint *ep;
	uint64_t badge;
	int err = ep_lookup(f->rdi, RIGHT_RECV, &ep, &badge);
	if (err || (err = timeout_check(f->rdx)))
		return err;
	if (ep->senders.head) {
		take_sender(ep, f);
		return IPC_OK;
	}
	if (f->rdx == TIMEOUT_NONE)
		return E_TIMEOUT;
	wait_block_final(&ep->receivers, WAIT_RECV, f->rdx, NULL);
}

/* The call, its arguments checked: hand the message in f to a waiting
 * receiver or queue it, then wait for the reply.  final: return to user
 * from the wait (a system call); else come back here (the kernel's calls). */
static int call_on(struct endpoint *ep, uint64_t badge, struct trap_frame *f, uint64_t timeout,
		   bool final)
{
	struct thread *r = tq_pop(&ep->receivers);
	if (r) {
		msg_transfer(thread_frame(r), f, badge);
		wait_finish(r, IPC_OK);
	}
	return call_wait(ep, r, badge, timeout, final);
}

/* SYS_CALL's general path: whatever entry_fastpath.S declined (all of them
 * without direct switch), counted as a fast-path miss. */
int ipc_call(struct trap_frame *f)
{
	fp_miss(FP_CALL);
	struct endpoint *ep;
	uint64_t badge;
	int err = send_args(f, &ep, &badge);
	return err ? err : call_on(ep, badge, f, f->rdx, true);
}

int ipc_kernel_call(struct kobj *o, uint64_t badge, const uint64_t msg[FAULT_MSG_WORDS],
		    uint64_t reply[2])
{
	struct endpoint *ep = (struct endpoint *)o;
	struct trap_frame *f = thread_frame(current);
	if (ep->dead)
		return E_DEAD;
	_Static_assert(FAULT_MSG_WORDS == 3, "message words 0..2 travel in r8, r9, r10");
	f->r8 = msg[0];
	f->r9 = msg[1];
	f->r10 = msg[2];
	f->rsi = MIN(FAULT_MSG_WORDS, CONFIG_MSG_REGS) * 8;
	int err = call_on(ep, badge, f, TIMEOUT_FOREVER, false);
	reply[0] = (f->rsi & IPC_LEN_MASK) >= 8 ? f->r8 : ~0ul;
	reply[1] = (f->rsi & IPC_LEN_MASK) >= 16 ? f->r9 : ~0ul;
	return err;
}

int ipc_fault_reply(uint64_t reply[2])
{
	if (current->wait_err)
		return current->wait_err;
	reply[0] = current->fault_reply[0];
	reply[1] = current->fault_reply[1];
	return IPC_OK;
}

/* SYS_REPLY_RECV's general path, as ipc_call's. */
int ipc_reply_recv(struct trap_frame *f)
{
	fp_miss(FP_REPLY_RECV);
	struct endpoint *ep;
	uint64_t badge;
	int err = ep_lookup(f->rdi, RIGHT_RECV, &ep, &badge);
	if (err || (err = timeout_check(f->rdx)))
		return err;
	if ((f->rsi & IPC_LEN_MASK) > IPC_MSG_MAX)
		return E_TOOBIG;
	/* The reply: never blocks, since our caller is waiting for it. */
	struct thread *c = current->caller;
	if (c) {
		call_unlink(current, c);
		reply_transfer(c, f);
		wait_finish(c, IPC_OK);
	}
	/* The receive. */
	if (ep->senders.head) {
		take_sender(ep, f);
		if (c)
			sched_wake(c);
		return IPC_OK;
	}
	if (f->rdx == TIMEOUT_NONE) {
		if (c)
			sched_wake(c);
		return E_TIMEOUT;
	}
	wait_block_final(&ep->receivers, WAIT_RECV, f->rdx, c);
}
