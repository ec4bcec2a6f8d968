/* The IPC API, one for every variant: send, recv, call, reply_recv, notify,
 * wait.  The system-call stub comes from the compiled model's folder
 * (ipc_user.h): sync passes the message in registers, async a pointer to
 * it.  Benchmarks and tests are written once against these. */
#ifndef USER_IPC_H
#define USER_IPC_H

#include "syscall.h"
#include <config.h>
#include <model.h>             /* the model's traits: IPC_MSG_MAX, IPC_MSG_IN_REGS, ... */

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

/* One IPC system call whose message is in memory, for the models that copy
 * it (their ipc_user.h): r8 points at the data; rsi has the length, the
 * room for a reply or a received message, and the model's flags. */
static inline long ipc_trap_mem(uint64_t nr, uint64_t slot, struct ipc_msg *m,
				uint64_t timeout, uint64_t flags)
{
	register uint64_t rax asm("rax") = nr, rdi asm("rdi") = slot;
	register uint64_t rsi asm("rsi") = (m->len & IPC_LEN_MASK) |
					   (uint64_t)IPC_MSG_MAX << IPC_CAP_SHIFT | flags;
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

/* ipc_trap(nr, slot, m, timeout): one IPC system call with message m, in
 * the compiled model's way (its ipc-variants/<model>/ipc_user.h). */
#include <ipc_user.h>

/* A model that is a user library over this kernel's IPC (IPC_LIB=<lib>,
 * ipc-variants/<lib>/ipc_lib.h, included at the end) takes the API's
 * names; the kernel's stubs are then kipc_*. */
#if !CONFIG_IPC_LIB_NONE
#define IPC_KERNEL(name) k##name
#else
#define IPC_KERNEL(name) name
#endif
static inline long IPC_KERNEL(ipc_create)(uint64_t slot) { return syscall6(SYS_IPC_CREATE, slot, 0, 0, 0, 0, 0).err; }
static inline long IPC_KERNEL(ipc_send)(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_trap(SYS_SEND, slot, m, timeout); }
static inline long IPC_KERNEL(ipc_recv)(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_trap(SYS_RECV, slot, m, timeout); }
/* A model's stub that makes a call or a reply_recv otherwise than as one
 * system call (async with ASYNC_RPC=split) says so with IPC_USER_RPC. */
#ifdef IPC_USER_RPC
static inline long IPC_KERNEL(ipc_call)(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_user_call(slot, m, timeout); }
static inline long IPC_KERNEL(ipc_reply_recv)(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_user_reply_recv(slot, m, timeout); }
#else
static inline long IPC_KERNEL(ipc_call)(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_trap(SYS_CALL, slot, m, timeout); }
static inline long IPC_KERNEL(ipc_reply_recv)(uint64_t slot, struct ipc_msg *m, uint64_t timeout) { return ipc_trap(SYS_REPLY_RECV, slot, m, timeout); }
#endif

static inline long notify_create(uint64_t slot) { return syscall6(SYS_NOTIFY_CREATE, slot, 0, 0, 0, 0, 0).err; }
static inline long ipc_notify(uint64_t slot, uint64_t bits) { return syscall6(SYS_NOTIFY, slot, bits, 0, 0, 0, 0).err; }

static inline long ipc_wait(uint64_t slot, uint64_t *bits, uint64_t timeout)
{
	struct sysret r = syscall6(SYS_WAIT, slot, timeout, 0, 0, 0, 0);
	*bits = r.err == IPC_OK ? r.v0 : 0;
	return r.err;
}

/* Trait of the kernel's IPC itself (model.h), which a library below may give
 * another face: what a test of the kernel's ABI asks (a rendezvous hands the
 * message over; a kernel queue goes with its port). */
#if IPC_SENDS_BUFFERED
#define IPC_KERNEL_SENDS_BUFFERED 1
#else
#define IPC_KERNEL_SENDS_BUFFERED 0
#endif

#if !CONFIG_IPC_LIB_NONE
#include "ipc_lib.h"
#endif

#endif
