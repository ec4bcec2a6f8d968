/* The sync model's private parts, shared by its general path and its fast
 * path; the endpoint and the call links are the shared rendezvous's. */
#ifndef SYNC_H
#define SYNC_H

#include "ipc.h"

struct endpoint;
/* The shared lookup (rendezvous.h) inlined into each caller of the general
 * paths, as GCC chose before the fault paths grew sync.c. */
static inline __attribute__((always_inline)) int ep_lookup(uint64_t slot, uint32_t right,
							   struct endpoint **ep, uint64_t *badge);
#include "rendezvous/rendezvous.h"

/* Move a message from one saved frame to another: the words its length
 * covers, the length, and the badge.  The receiver's other message
 * registers and rdx become 0, so that it sees nothing of the sender's (nor
 * of its own earlier state: docs/abi.md says what each register holds).
 * (BREAK_COPY=y, a test build: word 1 is never copied, which the
 * benchmarks' checks must notice.) */
static inline void msg_transfer(struct trap_frame *to, const struct trap_frame *from,
				uint64_t badge)
{
	uint64_t len = from->rsi & IPC_LEN_MASK;
	unsigned words = (len + 7) / 8;
	to->r8 = CONFIG_MSG_REGS > 0 && words > 0 ? from->r8 : 0;
	to->r9 = CONFIG_MSG_REGS > 1 && words > 1 && !CONFIG_BREAK_COPY ? from->r9 : 0;
	to->r10 = CONFIG_MSG_REGS > 2 && words > 2 ? from->r10 : 0;
	to->r12 = CONFIG_MSG_REGS > 3 && words > 3 ? from->r12 : 0;
	to->r13 = CONFIG_MSG_REGS > 4 && words > 4 ? from->r13 : 0;
	to->r14 = CONFIG_MSG_REGS > 5 && words > 5 ? from->r14 : 0;
	to->r15 = CONFIG_MSG_REGS > 6 && words > 6 ? from->r15 : 0;
	to->rbx = CONFIG_MSG_REGS > 7 && words > 7 ? from->rbx : 0;
	to->rdx = 0;
	to->rsi = len;
	to->rdi = badge;
}

/* Our reply in frame f to c: into c's frame, or, for a page fault c's pager
 * holds on the fast path, its first two words kept for resume_fault (c's
 * frame stays as it faulted). */
static inline void reply_transfer(struct thread *c, const struct trap_frame *f)
{
	if (likely(!c->in_fault)) {
		msg_transfer(thread_frame(c), f, 0);
		return;
	}
	uint64_t len = f->rsi & IPC_LEN_MASK;
	c->fault_reply[0] = CONFIG_MSG_REGS > 0 && len >= 8 ? f->r8 : ~0ul;
	c->fault_reply[1] = CONFIG_MSG_REGS > 1 && len >= 16 ? f->r9 : ~0ul;
}

/* Fast-path counters (FASTPATH_STATS=y): hits by entry_fastpath.S, misses
 * by the general path, which takes whatever the fast path declined. */
enum { FP_CALL, FP_REPLY_RECV };
extern uint64_t fp_hits[2], fp_misses[2];

static inline void fp_miss(unsigned which)
{
	if (CONFIG_FASTPATH_STATS)
		fp_misses[which]++;
}

#endif
