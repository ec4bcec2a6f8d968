/* The page fault's fast path, and the fast-path counters.  Call and
 * reply_recv have theirs in assembly (entry_fastpath.S), taken straight from
 * the system-call entry; whatever it declines goes to the general path in
 * sync.c, which counts it as a miss.  (A second tier in C between the two
 * took only what the assembly had declined for reasons it shares, and no
 * ping-pong, fault or floor case moved without it.)  A fault comes through
 * the exception entry, which saves a whole frame anyway: its fast path is C. */
#include "sync.h"

uint64_t fp_hits[2];            /* counted by entry_fastpath.S */
uint64_t fp_misses[2];          /* counted by the general path: fp_miss */

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
	f->rdi = fp_hits[FP_CALL];
	f->rsi = fp_misses[FP_CALL];
	f->rdx = fp_hits[FP_REPLY_RECV];
	f->r10 = fp_misses[FP_REPLY_RECV];
	return IPC_OK;
}
