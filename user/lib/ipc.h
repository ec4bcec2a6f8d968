/* The IPC API, one for every variant: send, recv, call, reply_recv, notify,
 * wait.  The stubs differ by model (this header reads the build's
 * config.h): sync passes the message in registers, async passes a pointer
 * to it.  Benchmarks and tests are written once against these. */
#ifndef USER_IPC_H
#define USER_IPC_H

#include "syscall.h"
#include <config.h>

#define IPC_SYNC_MAX (CONFIG_MSG_REGS * 8)
#ifdef CONFIG_IPC_sync
#define IPC_MSG_MAX IPC_SYNC_MAX
#else
#define IPC_MSG_MAX CONFIG_ASYNC_MSG_MAX
#endif

/* A message: len bytes of data; badge is set by a receive (0 on a reply).
 * The buffer has room for one word past the largest message. */
struct ipc_msg {
	uint64_t len;
	uint64_t badge;
	union {
		uint64_t w[IPC_MSG_MAX / 8 + 2];
		uint8_t b[(IPC_MSG_MAX / 8 + 2) * 8];
	};
};

/* Fill m with the len bytes at data; E_TOOBIG, and m unchanged, if they do
 * not fit this variant's messages.  For fixed-size protocols that must also
 * build where IPC_MSG_MAX is smaller than they are. */
static inline long ipc_msg_put(struct ipc_msg *m, const void *data, uint64_t len)
{
	if (len > IPC_MSG_MAX)
		return E_TOOBIG;
	__builtin_memcpy(m->b, data, len < sizeof(m->b) ? len : sizeof(m->b));
	m->len = len;
	return IPC_OK;
}

/* The first size bytes of m into out: what m->len covers, zeros past it. */
static inline void ipc_msg_get(const struct ipc_msg *m, void *out, uint64_t size)
{
	uint64_t have = m->len < size ? m->len : size;
	__builtin_memset(out, 0, size);
	__builtin_memcpy(out, m->b, have < sizeof(m->b) ? have : sizeof(m->b));
}

#ifdef CONFIG_IPC_sync
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
#else
/* Async: r8 points at the data; rsi has the length and the room for a
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

static inline long ipc_create(uint64_t slot) { return syscall6(SYS_IPC_CREATE, slot, 0, 0, 0, 0, 0).err; }
static inline long ipc_send(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_trap(SYS_SEND, slot, m, timeout); }
static inline long ipc_recv(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_trap(SYS_RECV, slot, m, timeout); }
static inline long ipc_call(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_trap(SYS_CALL, slot, m, timeout); }
static inline long ipc_reply_recv(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_trap(SYS_REPLY_RECV, slot, m, timeout); }

static inline long notify_create(uint64_t slot) { return syscall6(SYS_NOTIFY_CREATE, slot, 0, 0, 0, 0, 0).err; }
static inline long ipc_notify(uint64_t slot, uint64_t bits) { return syscall6(SYS_NOTIFY, slot, bits, 0, 0, 0, 0).err; }

static inline long ipc_wait(uint64_t slot, uint64_t *bits, uint64_t timeout)
{
	struct sysret r = syscall6(SYS_WAIT, slot, timeout, 0, 0, 0, 0);
	*bits = r.err == IPC_OK ? r.v0 : 0;
	return r.err;
}

#endif
