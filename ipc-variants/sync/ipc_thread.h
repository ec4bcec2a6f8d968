/* The sync model's part of every thread and its wait kinds.  kernel/kernel.h
 * embeds IPC_THREAD_STATE in struct thread as one anonymous struct, so its
 * fields are named directly (t->caller), and lists IPC_WAIT_KINDS after the
 * core's kinds in enum wait_kind (WAIT_SEND, ...).  Both are the shared
 * rendezvous's (ipc-variants/rendezvous/rendezvous_thread.h). */
#ifndef IPC_THREAD_H
#define IPC_THREAD_H

#include "rendezvous/rendezvous_thread.h"

#define IPC_THREAD_STATE struct { RENDEZVOUS_THREAD_FIELDS }
#define IPC_WAIT_KINDS(X) RENDEZVOUS_WAIT_KINDS(X)

#endif
