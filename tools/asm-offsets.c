/* The core's structure offsets for assembly; the model's own, if it has
 * any, are in ipc-variants/<model>/asm-offsets.c (tools/offsets.h). */
#include "kernel.h"
#include "offsets.h"

void asm_offsets(void);
void asm_offsets(void)
{
	OFFSET(T_KSP, struct thread, ksp);
	OFFSET(T_SPACE, struct thread, space);
	OFFSET(T_STATE, struct thread, state);
	OFFSET(T_IN_QUEUE, struct thread, in_queue);
	OFFSET(T_NEXT, struct thread, next);
	OFFSET(T_PREV, struct thread, prev);
	OFFSET(T_PRIO, struct thread, prio);
	OFFSET(T_PRIO_ABOVE, struct thread, prio_above);
	OFFSET(T_PRIO_BIT, struct thread, prio_bit);
	OFFSET(T_WAIT, struct thread, wait);
	OFFSET(T_WQ, struct thread, wq);
	OFFSET(T_WNEXT, struct thread, wnext);
	OFFSET(T_TIMEOUT_AT, struct thread, timeout_at);
	OFFSET(T_WAIT_ERR, struct thread, wait_err);
	OFFSET(T_RESUME_USER, struct thread, resume_user);
	OFFSET(T_IN_FAULT, struct thread, in_fault);
	OFFSET(T_FAULT_REPLY, struct thread, fault_reply);
	DEFINE(THREAD_STACK_SIZE, THREAD_PAGES * PAGE_SIZE);
	OFFSET(S_CAPS, struct space, caps);
	OFFSET(S_CR3, struct space, cr3);
	OFFSET(S_USER_CR3, struct space, user_cr3);
	OFFSET(CAP_OBJ, struct cap, obj);
	OFFSET(CAP_RIGHTS, struct cap, rights);
	OFFSET(CAP_BADGE, struct cap, badge);
	DEFINE(CAP_SIZE, sizeof(struct cap));
	OFFSET(KOBJ_TYPE, struct kobj, type);
	OFFSET(F_RBP, struct trap_frame, rbp);
	OFFSET(F_RIP, struct trap_frame, rip);
	OFFSET(F_RFLAGS, struct trap_frame, rflags);
	OFFSET(F_RSP, struct trap_frame, rsp);
	DEFINE(OBJ_IPC_V, OBJ_IPC);
	DEFINE(WAIT_NONE_V, WAIT_NONE);
	DEFINE(THREAD_RUNNING_V, THREAD_RUNNING);
	DEFINE(THREAD_BLOCKED_V, THREAD_BLOCKED);
	DEFINE(TSS_RSP0, 4);
}
