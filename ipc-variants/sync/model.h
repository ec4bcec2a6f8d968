/* The sync model's traits: what the kernel's core, user/lib/ipc.h, the
 * tests, the benchmarks and the harness may ask of the compiled model,
 * instead of its name.  Every model's folder has a model.h with the same
 * names (docs/variants.md, "Adding an IPC model"); C and assembly, kernel
 * and user code include it. */
#ifndef IPC_MODEL_H
#define IPC_MODEL_H

#include <config.h>

#define IPC_MODEL_STYLE "L4-style"      /* how the report names this model */
#define IPC_MSG_MAX (CONFIG_MSG_REGS * 8)  /* the largest message, in bytes */
#define IPC_MSG_IN_REGS 1               /* a message travels in registers, not memory */
#define IPC_SENDS_BUFFERED 0            /* a send waits for its receiver (rendezvous) */
/* syscall_entry jumps to ipc_entry_call and ipc_entry_reply_recv
 * (entry_fastpath.S) for SYS_CALL and SYS_REPLY_RECV: with direct switch. */
#define IPC_ENTRY_FASTPATH CONFIG_DIRECT_SWITCH
#define IPC_STATS CONFIG_FASTPATH_STATS  /* SYS_IPC_STATS counts fast-path hits (else E_NOSYS) */

#endif
