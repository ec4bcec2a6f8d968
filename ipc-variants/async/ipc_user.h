/* The async model's user-side stub, included by user/lib/ipc.h after struct
 * ipc_msg: ipc_trap, one IPC system call with message m; and, as
 * IPC_USER_RPC says, the call and reply_recv that ASYNC_RPC chooses. */
#ifndef IPC_USER_H
#define IPC_USER_H

/* The message in memory (user/lib/ipc.h, ipc_trap_mem); flags: IPC_SEND_REPLY. */
static inline long ipc_trap(uint64_t nr, uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	return ipc_trap_mem(nr, slot, m, timeout, 0);
}

/* user/lib/ipc.h's ipc_call and ipc_reply_recv are ipc_user_call and
 * ipc_user_reply_recv below. */
#define IPC_USER_RPC 1

/* A call: one SYS_CALL (ASYNC_RPC=combined, mach_msg's send and receive),
 * or, split, a send carrying our reply port then a receive of the reply
 * (Mach's msg_send then msg_receive; docs/abi.md, IPC_SEND_REPLY).  The
 * call's timeout bounds the send, and the wait for the reply as SYS_CALL's
 * does (0 there: no limit). */
static inline long ipc_user_call(uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	if (!CONFIG_ASYNC_RPC_SPLIT)
		return ipc_trap(SYS_CALL, slot, m, timeout);
	long err = ipc_trap_mem(SYS_SEND, slot, m, timeout, IPC_SEND_REPLY);
	if (err)
		return err;
	return ipc_trap(SYS_RECV, IPC_SLOT_REPLY, m, timeout ? timeout : TIMEOUT_FOREVER);
}

/* A reply_recv: one SYS_REPLY_RECV (combined), or, split, the reply to the
 * last request received if we hold the right to answer (E_BADCAP: we do
 * not), then a receive of the next request. */
static inline long ipc_user_reply_recv(uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	if (!CONFIG_ASYNC_RPC_SPLIT)
		return ipc_trap(SYS_REPLY_RECV, slot, m, timeout);
	long err = ipc_trap(SYS_SEND, IPC_SLOT_REPLY, m, TIMEOUT_NONE);
	if (err && err != E_BADCAP)
		return err;
	return ipc_trap(SYS_RECV, slot, m, timeout);
}

#endif
