/* The copy model's part of every thread and its wait kinds (what they are:
 * ipc-variants/sync/ipc_thread.h). */
#ifndef IPC_THREAD_H
#define IPC_THREAD_H

#define IPC_THREAD_STATE struct {                                                \
	uint64_t badge;              /* the badge we send with (while queued) */ \
	struct thread *caller;       /* the client waiting for our reply */      \
	struct thread *callee;       /* the server holding our call */           \
	bool kernel_buf;             /* our r8 is a kernel buffer: a call the kernel \
				      * makes for us (ipc_kernel_call) */        \
}

/* X(kind, name): in an endpoint's send queue; a call there, then WAIT_REPLY;
 * in its receive queue; a server holds our call (its caller field). */
#define IPC_WAIT_KINDS(X) X(SEND, "send") X(CALL, "call") X(RECV, "recv") X(REPLY, "reply")

#endif
