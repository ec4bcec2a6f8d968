/* The async model's part of every thread and its wait kinds (what they are:
 * ipc-variants/sync/ipc_thread.h). */
#ifndef IPC_THREAD_H
#define IPC_THREAD_H

struct port;

#define IPC_THREAD_STATE struct {                                                \
	struct port *reply_port;     /* where our reply goes (from the request) */ \
	uint64_t reply_seq;          /* ... and which of its owner's calls it answers */ \
	struct port *own_port;       /* our implicit reply port, made at first call */ \
	bool kernel_call;            /* a call the kernel makes for us (kernel buffers) */ \
	struct port *pinned;         /* the port we wait in (one reference) */   \
}

/* X(kind, name): in a full port's send queue; in a port's receive queue. */
#define IPC_WAIT_KINDS(X) X(SEND, "send") X(RECV, "recv")

#endif
