/* The interface every IPC model implements.  Exactly one model's folder
 * (with the shared parts its model.mk names) is compiled into a kernel; the
 * system-call table points at these functions whatever the model. */
#ifndef IPC_VARIANTS_IPC_H
#define IPC_VARIANTS_IPC_H

#include "kernel.h"
#include "model.h"                    /* the compiled model's traits */

/* System calls (arguments per docs/abi.md). */
int ipc_create(struct trap_frame *f);         /* SYS_IPC_CREATE */
int ipc_send(struct trap_frame *f);           /* SYS_SEND */
int ipc_recv(struct trap_frame *f);           /* SYS_RECV */
int ipc_call(struct trap_frame *f);           /* SYS_CALL */
int ipc_reply_recv(struct trap_frame *f);     /* SYS_REPLY_RECV */
int ipc_stats(struct trap_frame *f);          /* SYS_IPC_STATS */

/* A call the kernel makes for the current thread, which is in the kernel
 * for a reason of its own (a page fault for its pager): send the words of
 * msg to the endpoint or port o with badge, wait for ever for the reply
 * and return its first two words in reply (~0 for a word the reply does
 * not hold).  Returns an error (E_DEAD: no one will reply) and nothing else
 * about the thread changes but its message registers, which the caller
 * restores. */
int ipc_kernel_call(struct kobj *o, uint64_t badge, const uint64_t msg[FAULT_MSG_WORDS],
		    uint64_t reply[2]);

/* A page fault of current for its pager, on the model's fast path (the
 * common case: sync, the pager waits on its endpoint; async, its port has
 * room): the fault message goes to the pager, and current blocks for good,
 * its frame as it faulted, to run again through resume_fault.  Returns only
 * if it cannot take the fault, having changed nothing: the general path
 * (ipc_kernel_call) does. */
void ipc_fault_fast(struct trap_frame *f, uint64_t addr);
/* In resume_fault: the pager's reply to current's fault taken on the fast
 * path, its first two words in reply (~0 where it has none); or the error
 * that ended the wait (E_DEAD: no one will reply). */
int ipc_fault_reply(uint64_t reply[2]);

/* Whether the endpoint or port has been destroyed. */
bool ipc_object_dead(const struct kobj *o);

/* The object's last RIGHT_CONTROL capability is gone: wake every waiter
 * with E_DEAD and refuse all later use. */
void ipc_object_destroy(struct kobj *o);
/* The object's last reference is gone: free it (destroying it first). */
void ipc_object_free(struct kobj *o);
/* t is dying: end the calls it serves or waits for with E_DEAD. */
void ipc_thread_dies(struct thread *t);
/* The model's invariants for t (SYS_CHECK): IPC_OK, or E_INVAL after one
 * line saying what is broken. */
int ipc_check_thread(const struct thread *t);
/* The thread whose answer blocked t waits for (SYS_CHECK's dump), or NULL. */
const struct thread *ipc_waits_for(const struct thread *t);
/* t's wait was ended from outside (timeout, death, destruction): undo
 * whatever the model linked it to. */
void ipc_wait_cancelled(struct thread *t);

#endif
