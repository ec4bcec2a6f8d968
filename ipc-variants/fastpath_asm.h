/* Whether this variant's kernel enters IPC through the assembly fast path
 * (ipc-variants/sync/entry_fastpath.S): sync IPC with direct switch, with
 * any ready-queue policy.  The other variants take the C paths. */
#ifndef IPC_FASTPATH_ASM_H
#define IPC_FASTPATH_ASM_H

#include <config.h>

#if defined(CONFIG_IPC_sync) && CONFIG_DIRECT_SWITCH
#define IPC_FASTPATH_ASM 1
#else
#define IPC_FASTPATH_ASM 0
#endif

#endif
