/* The sync model's part of every thread and its wait kinds.  kernel/kernel.h
 * embeds IPC_THREAD_STATE in struct thread as one anonymous struct, so its
 * fields are named directly (t->caller), and lists IPC_WAIT_KINDS after the
 * core's kinds in enum wait_kind (WAIT_SEND, ...). */
#ifndef IPC_THREAD_H
#define IPC_THREAD_H

#define IPC_THREAD_STATE struct {                                                \
	uint64_t badge;              /* the badge we send with (while queued) */ \
	struct thread *caller;       /* the client waiting for our reply */      \
	struct thread *callee;       /* the server holding our call */           \
}

/* X(kind, name): in an endpoint's send queue; a call there, then WAIT_REPLY;
 * in its receive queue; a server holds our call (its caller field). */
#define IPC_WAIT_KINDS(X) X(SEND, "send") X(CALL, "call") X(RECV, "recv") X(REPLY, "reply")

#endif
