/* The fast paths of call and reply_recv: the common case of a client-server
 * round trip, straight-line.  Every check comes first and any surprise goes
 * to the general path in sync.c; nothing changes before the point of no
 * return.  A partner of lower priority than a ready thread is such a
 * surprise: the general path lets the scheduler decide.  Hits and misses are
 * counted when FASTPATH_STATS=y. */
#include "sync.h"

enum { FP_CALL, FP_REPLY_RECV };
static uint64_t fp_hits[2], fp_misses[2];
uint64_t fp_asm_hits[2];        /* counted by entry_fastpath.S */

static inline void fp_count(unsigned which, bool hit)
{
	if (CONFIG_FASTPATH_STATS)
		(hit ? fp_hits : fp_misses)[which]++;
}

/* The endpoint behind slot if it is live and the cap has the right, else NULL. */
static inline struct endpoint *ep_fp(uint64_t slot, uint32_t right, uint64_t *badge)
{
	if (unlikely(slot >= CAP_SLOTS))
		return NULL;
	const struct cap *c = &current->space->caps.slot[slot];
	struct endpoint *ep = (struct endpoint *)c->obj;
	if (unlikely(!ep || ep->obj.type != OBJ_IPC || !(c->rights & right) || ep->dead))
		return NULL;
	*badge = c->badge;
	return ep;
}

/* The point of no return of a call from current into r, the first receiver
 * waiting on ep: r leaves the queue and its wait, and current waits for r's
 * reply. */
static inline void call_into(struct endpoint *ep, struct thread *r)
{
	ep->receivers.head = r->wnext;
	if (!r->wnext)
		ep->receivers.tail = NULL;
	r->wnext = NULL;
	r->wq = NULL;
	r->wait = WAIT_NONE;
	r->wait_err = IPC_OK;
	r->caller = current;
	current->callee = r;
	current->wait = WAIT_REPLY;
	current->wait_err = IPC_OK;
}

int ipc_call(struct trap_frame *f)
{
	uint64_t badge;
	struct endpoint *ep = ep_fp(f->rdi, RIGHT_SEND, &badge);
	struct thread *r = ep ? ep->receivers.head : NULL;
	if (unlikely(!CONFIG_DIRECT_SWITCH || !r || r->timeout_at || r->caller ||
		     !sched_direct_ok_fp(r) ||
		     (f->rsi & IPC_LEN_MASK) > IPC_MSG_MAX || f->rdx != TIMEOUT_FOREVER)) {
		fp_count(FP_CALL, false);
		return call_slow(f);
	}
	/* Point of no return: the receiver takes the message and our call. */
	fp_count(FP_CALL, true);
	call_into(ep, r);
	msg_transfer(thread_frame(r), f, badge);
	sched_block(current);
	wait_resume_at_user();
	sched_direct_final(r);
}

int ipc_reply_recv(struct trap_frame *f)
{
	uint64_t badge;
	struct endpoint *ep = ep_fp(f->rdi, RIGHT_RECV, &badge);
	struct thread *c = current->caller;
	if (unlikely(!CONFIG_DIRECT_SWITCH || !ep || !c || ep->senders.head || c->timeout_at ||
		     !sched_direct_ok_fp(c) ||
		     (f->rsi & IPC_LEN_MASK) > IPC_MSG_MAX || f->rdx != TIMEOUT_FOREVER)) {
		fp_count(FP_REPLY_RECV, false);
		return reply_recv_slow(f);
	}
	/* Point of no return: reply to the caller, wait on the endpoint, and
	 * run the caller on our time slice. */
	fp_count(FP_REPLY_RECV, true);
	current->caller = NULL;
	c->callee = NULL;
	reply_transfer(c, f);
	c->wait = WAIT_NONE;
	c->wait_err = IPC_OK;
	current->wait = WAIT_RECV;
	current->wait_err = IPC_OK;
	tq_push(&ep->receivers, current);
	sched_block(current);
	wait_resume_at_user();
	sched_direct_final(c);
}

/* A page fault of current for a pager that waits on its endpoint: the same
 * checks as a call's fast path, then the fault message (address, access,
 * instruction; the other message registers cleared, as msg_transfer does)
 * goes straight into the pager's frame, and the pager runs on our time
 * slice while we wait, our frame as we faulted, for its reply. */
void ipc_fault_fast(struct trap_frame *f, uint64_t addr)
{
	struct endpoint *ep = (struct endpoint *)current->pager;
	struct thread *r = ep->receivers.head;
	if (unlikely(!CONFIG_DIRECT_SWITCH || CONFIG_MSG_REGS < FAULT_MSG_WORDS || ep->dead ||
		     !r || r->timeout_at || r->caller || !sched_direct_ok_fp(r)))
		return;
	/* Point of no return: the pager takes the fault as a call from us. */
	call_into(ep, r);
	current->in_fault = true;
	current->fault_addr = addr;
	struct trap_frame *to = thread_frame(r);
	_Static_assert(FAULT_MSG_WORDS == 3, "message words 0..2 travel in r8, r9, r10");
	to->r8 = addr;
	to->r9 = f->error;
	to->r10 = f->rip;
	to->r12 = to->r13 = to->r14 = to->r15 = to->rbx = to->rdx = 0;
	to->rsi = FAULT_MSG_WORDS * 8;
	to->rdi = current->pager_badge;
	sched_block(current);
	wait_resume_at_fault();
	sched_direct_final(r);
}

int ipc_stats(struct trap_frame *f)
{
	if (!CONFIG_FASTPATH_STATS)
		return E_NOSYS;
	f->rdi = fp_hits[FP_CALL] + fp_asm_hits[FP_CALL];
	f->rsi = fp_misses[FP_CALL];
	f->rdx = fp_hits[FP_REPLY_RECV] + fp_asm_hits[FP_REPLY_RECV];
	f->r10 = fp_misses[FP_REPLY_RECV];
	return IPC_OK;
}
