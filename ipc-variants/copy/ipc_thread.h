/* The copy model's part of every thread and its wait kinds (what they are:
 * ipc-variants/sync/ipc_thread.h): the shared rendezvous's, and a flag of
 * its own. */
#ifndef IPC_THREAD_H
#define IPC_THREAD_H

#include "rendezvous/rendezvous_thread.h"

#define IPC_THREAD_STATE struct {                                                \
	RENDEZVOUS_THREAD_FIELDS                                                 \
	bool kernel_buf;             /* our r8 is a kernel buffer: a call the kernel \
				      * makes for us (ipc_kernel_call) */        \
}
#define IPC_WAIT_KINDS(X) RENDEZVOUS_WAIT_KINDS(X)

#endif
