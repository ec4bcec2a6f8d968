/* The sync model's private parts, shared by its general path and its fast
 * path. */
#ifndef SYNC_H
#define SYNC_H

#include "ipc.h"

#define MSG_MAX_BYTES (CONFIG_MSG_REGS * 8)

struct endpoint {
	struct kobj obj;
	bool dead;
	struct tqueue senders;        /* WAIT_SEND and WAIT_CALL threads */
	struct tqueue receivers;      /* WAIT_RECV threads */
};

/* Move a message from one saved frame to another: the words its length
 * covers, the length, and the badge.  Words past the length are not
 * copied, so nothing of the sender leaks. */
static inline void msg_transfer(struct trap_frame *to, const struct trap_frame *from,
				uint64_t badge)
{
	uint64_t len = from->rsi & IPC_LEN_MASK;
	unsigned words = (len + 7) / 8;
	if (CONFIG_MSG_REGS > 0 && words > 0) to->r8 = from->r8;
	if (CONFIG_MSG_REGS > 1 && words > 1) to->r9 = from->r9;
	if (CONFIG_MSG_REGS > 2 && words > 2) to->r10 = from->r10;
	if (CONFIG_MSG_REGS > 3 && words > 3) to->r12 = from->r12;
	if (CONFIG_MSG_REGS > 4 && words > 4) to->r13 = from->r13;
	if (CONFIG_MSG_REGS > 5 && words > 5) to->r14 = from->r14;
	if (CONFIG_MSG_REGS > 6 && words > 6) to->r15 = from->r15;
	if (CONFIG_MSG_REGS > 7 && words > 7) to->rbx = from->rbx;
	to->rsi = len;
	to->rdi = badge;
}

/* A call's timeout bounds both its send and its wait for the reply, except
 * that 0 ("send at once or fail") waits for the reply for ever. */
static inline uint64_t reply_timeout(uint64_t timeout)
{
	return timeout == TIMEOUT_NONE ? TIMEOUT_FOREVER : timeout;
}

int call_slow(struct trap_frame *f);
int reply_recv_slow(struct trap_frame *f);
void reply_abandon(struct thread *server);

#endif
