/* The sync model's user-side stub, included by user/lib/ipc.h after struct
 * ipc_msg: ipc_trap, one IPC system call with message m. */
#ifndef IPC_USER_H
#define IPC_USER_H

/* Message word i of m, or 0 past the CONFIG_MSG_REGS that carry a message. */
static inline uint64_t ipc_mr(const struct ipc_msg *m, unsigned i)
{
	return i < CONFIG_MSG_REGS ? m->w[i] : 0;
}

/* Store message register i into m if it is one of the CONFIG_MSG_REGS. */
static inline void ipc_mr_set(struct ipc_msg *m, unsigned i, uint64_t v)
{
	if (i < CONFIG_MSG_REGS)
		m->w[i] = v;
}

/* Sync: words travel in r8 r9 r10 r12 r13 r14 r15 rbx (IPC_MR_REGS).  The
 * first CONFIG_MSG_REGS are loaded and stored back: the kernel changes only
 * those the incoming length covers, so the rest come back as they were.
 * All eight are operands whatever CONFIG_MSG_REGS is, because docs/abi.md
 * leaves them undefined after an IPC: the compiler must not keep a value of
 * its own in one across the syscall. */
static inline long ipc_trap(uint64_t nr, uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	register uint64_t rax asm("rax") = nr, rdi asm("rdi") = slot, rsi asm("rsi") = m->len;
	register uint64_t rdx asm("rdx") = timeout;
	register uint64_t r8 asm("r8") = ipc_mr(m, 0), r9 asm("r9") = ipc_mr(m, 1);
	register uint64_t r10 asm("r10") = ipc_mr(m, 2), r12 asm("r12") = ipc_mr(m, 3);
	register uint64_t r13 asm("r13") = ipc_mr(m, 4), r14 asm("r14") = ipc_mr(m, 5);
	register uint64_t r15 asm("r15") = ipc_mr(m, 6), rbx asm("rbx") = ipc_mr(m, 7);
	asm volatile("syscall"
		     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r8), "+r"(r9), "+r"(r10),
		       "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15), "+r"(rbx)
		     :
		     : "rcx", "r11", "memory");
	if (rax == IPC_OK) {
		m->badge = rdi;
		m->len = rsi;
	}
	ipc_mr_set(m, 0, r8), ipc_mr_set(m, 1, r9), ipc_mr_set(m, 2, r10);
	ipc_mr_set(m, 3, r12), ipc_mr_set(m, 4, r13), ipc_mr_set(m, 5, r14);
	ipc_mr_set(m, 6, r15), ipc_mr_set(m, 7, rbx);
	return (long)rax;
}

#endif
