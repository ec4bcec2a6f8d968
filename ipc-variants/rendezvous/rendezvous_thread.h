/* The per-thread state and wait kinds of a rendezvous (rendezvous.h), for
 * the ipc_thread.h of a model that uses it: its IPC_THREAD_STATE holds
 * RENDEZVOUS_THREAD_FIELDS (and may add its own), its IPC_WAIT_KINDS is
 * RENDEZVOUS_WAIT_KINDS. */
#ifndef RENDEZVOUS_THREAD_H
#define RENDEZVOUS_THREAD_H

#define RENDEZVOUS_THREAD_FIELDS                                                 \
	uint64_t badge;              /* the badge we send with (while queued) */ \
	struct thread *caller;       /* the client waiting for our reply */      \
	struct thread *callee;       /* the server holding our call */

/* X(kind, name): in an endpoint's send queue; a call there, then WAIT_REPLY;
 * in its receive queue; a server holds our call (its caller field). */
#define RENDEZVOUS_WAIT_KINDS(X) X(SEND, "send") X(CALL, "call") X(RECV, "recv") X(REPLY, "reply")

#endif
