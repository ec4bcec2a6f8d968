/* Async on top of sync: the async API (send-and-continue into a bounded
 * queue, receive, call/reply) as a user library over the l4 kernel's
 * synchronous IPC, with helper threads (asyncsync.c; docs/variants.md).
 * user/lib/ipc.h includes this header last, when the build's IPC_LIB names
 * this folder; the kernel's own stubs are then kipc_*. */
#ifndef ASYNCSYNC_IPC_LIB_H
#define ASYNCSYNC_IPC_LIB_H

#if !CONFIG_IPC_SYNC
#error "asyncsync is built over the sync kernel (IPC=sync)"
#endif

/* Traits the tests and benchmarks ask. */
#undef IPC_SENDS_BUFFERED            /* the kernel model's (model.h) is 0 */
#define IPC_SENDS_BUFFERED 1          /* a send returns before a receiver has the message */
#define IPC_LIB_NAME "asyncsync"

/* Queue capacity per lane (one sender space's slot): ASYNC_QUEUE_LEN. */
#define ASYNCSYNC_QUEUE_LEN CONFIG_ASYNC_QUEUE_LEN
/* Lanes per space: slots with messages queued at one time. */
#define ASYNCSYNC_LANES 16
/* The library's own capability slots (three per lane: the helper's work
 * notification, the senders' room notification, the helper thread), at
 * the top of the table, away from the programs' SLOT_FREE upwards. */
#define ASYNCSYNC_SLOT_BASE (CAP_SLOTS - 3 * ASYNCSYNC_LANES)
/* Above every program's threads: a woken helper runs at once, so a queued
 * message waits in the kernel's endpoint as soon as the send returns. */
#define ASYNCSYNC_HELPER_PRIO 31

/* The endpoint: the kernel's. */
static inline long ipc_create(uint64_t slot) { return kipc_create(slot); }

/* Hand the message to a waiting receiver, or queue it in this space's lane
 * for slot (a helper thread sends it) and return: E_FULL with a full lane
 * and timeout 0, else wait for room. */
long ipc_send(uint64_t slot, struct ipc_msg *m, uint64_t timeout);

/* Receives are the kernel's: a queued message waits in its helper's send. */
static inline long ipc_recv(uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	return kipc_recv(slot, m, timeout);
}

/* The lanes of this space that serve a slot, a bit each: while none does,
 * a call has nothing to wait for (the common case, kept inline). */
extern uint32_t asyncsync_lanes_used;
/* Wait until this space's messages queued for slot have been delivered. */
long asyncsync_drain(uint64_t slot, uint64_t timeout);

/* Behind this space's earlier sends on slot, the kernel's call; timeout 0
 * waits for the reply as an async call does (the request is accepted). */
static inline long ipc_call(uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	uint64_t wait = timeout == TIMEOUT_NONE ? TIMEOUT_FOREVER : timeout;
	if (__builtin_expect(__atomic_load_n(&asyncsync_lanes_used, __ATOMIC_SEQ_CST) != 0, 0)) {
		long err = asyncsync_drain(slot, wait);
		if (err)
			return err;
	}
	return kipc_call(slot, m, wait);
}

static inline long ipc_reply_recv(uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	return kipc_reply_recv(slot, m, timeout);
}

#endif
