/* The copy model's traits (ipc-variants/sync/model.h says what they are). */
#ifndef IPC_MODEL_H
#define IPC_MODEL_H

#include <config.h>

#define IPC_MODEL_STYLE "Copy-style"    /* how the report names this model */
#define IPC_MSG_MAX 4096                /* the largest message, in bytes */
#define IPC_MSG_IN_REGS 0               /* a message is copied from and to memory */
#define IPC_SENDS_BUFFERED 0            /* a send waits for its receiver (rendezvous) */
#define IPC_ENTRY_FASTPATH 0            /* no assembly entry points */
#define IPC_STATS 0                     /* SYS_IPC_STATS counts fast-path hits (else E_NOSYS) */

#endif
