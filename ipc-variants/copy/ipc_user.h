/* The copy model's user-side stub, included by user/lib/ipc.h after struct
 * ipc_msg: ipc_trap, one IPC system call with message m. */
#ifndef IPC_USER_H
#define IPC_USER_H

/* As async: the message in memory (user/lib/ipc.h, ipc_trap_mem), no flags. */
static inline long ipc_trap(uint64_t nr, uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	return ipc_trap_mem(nr, slot, m, timeout, 0);
}

#endif
