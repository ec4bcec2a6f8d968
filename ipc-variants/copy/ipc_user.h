/* The copy model's user-side stub, included by user/lib/ipc.h after struct
 * ipc_msg: ipc_trap, one IPC system call with message m. */
#ifndef IPC_USER_H
#define IPC_USER_H

/* As async: r8 points at the data; rsi has the length and the room for a
 * reply or a received message. */
static inline long ipc_trap(uint64_t nr, uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	register uint64_t rax asm("rax") = nr, rdi asm("rdi") = slot;
	register uint64_t rsi asm("rsi") = (m->len & IPC_LEN_MASK) |
					   (uint64_t)IPC_MSG_MAX << IPC_CAP_SHIFT;
	register uint64_t rdx asm("rdx") = timeout, r8 asm("r8") = (uint64_t)m->b;
	asm volatile("syscall"
		     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r8)
		     :
		     : "rcx", "r11", "r9", "r10", "memory");
	if (rax == IPC_OK) {
		m->badge = rdi;
		m->len = rsi;
	}
	return (long)rax;
}

#endif
