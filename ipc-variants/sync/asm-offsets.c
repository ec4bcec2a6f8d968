/* The sync model's structure offsets for entry_fastpath.S (tools/offsets.h
 * says how they become build/<variant>/asm-offsets.h); never linked. */
#include "sync.h"
#include "offsets.h"

void ipc_asm_offsets(void);
void ipc_asm_offsets(void)
{
	OFFSET(T_CALLER, struct thread, caller);
	OFFSET(T_CALLEE, struct thread, callee);
	OFFSET(EP_DEAD, struct endpoint, dead);
	OFFSET(EP_SEND_HEAD, struct endpoint, senders.head);
	OFFSET(EP_RECVQ, struct endpoint, receivers);
	OFFSET(EP_RECV_HEAD, struct endpoint, receivers.head);
	OFFSET(EP_RECV_TAIL, struct endpoint, receivers.tail);
	DEFINE(WAIT_RECV_V, WAIT_RECV);
	DEFINE(WAIT_REPLY_V, WAIT_REPLY);
}
