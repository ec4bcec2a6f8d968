/* The sync IPC fast path, entered straight from syscall_entry for call and
 * reply_recv: the message words stay in the registers they came in (r8 r9
 * r10 r12 r13 r14 r15 rbx) from the sender's syscall to the receiver's
 * sysret, and only what the blocked thread needs to resume is saved: rip,
 * rflags, rsp, rbp (the rest are message or result registers; those beyond
 * the message are cleared at the switch, docs/abi.md).  Every check comes
 * before the point of no return; any surprise restores the registers and
 * goes to the general entry, which saves a full frame and runs the C paths. */
#include "asm.h"
#include "model.h"
#include <ipclab/abi.h>
#include <asm-offsets.h>

#if IPC_ENTRY_FASTPATH

/* The caller's trap frame, addressed from rsp = its kernel stack top. */
#define FRAME(field) (field - TRAP_FRAME_SIZE)(%rsp)

/* Save what a blocked thread needs to resume from its trap frame. */
.macro SAVE_RESUME_STATE
	mov %rcx, FRAME(F_RIP)
	mov %r11, FRAME(F_RFLAGS)
	mov %rbp, FRAME(F_RBP)
	mov %gs:PERCPU_USER_RSP, %rbp
	mov %rbp, FRAME(F_RSP)
.endm

/* Undo the scratch use of rcx, r11, rbp and rdx, then take the general path. */
.macro BAIL nr
	mov FRAME(F_RIP), %rcx
	mov FRAME(F_RFLAGS), %r11
	mov FRAME(F_RBP), %rbp
	mov $-1, %rdx
	mov $\nr, %eax
	jmp syscall_general
.endm

/* The checks both paths make before touching anything: timeout forever, a
 * slot inside the table, a length that fits; then save the resume state.
 * rax = current afterwards. */
.macro ENTRY_CHECKS
	cmp $-1, %rdx
	jne syscall_general
	cmp $CAP_SLOTS, %rdi
	jae syscall_general
	movzwl %si, %esi
	cmp $IPC_MSG_MAX, %esi
	ja syscall_general
	SAVE_RESUME_STATE
	mov current(%rip), %rax
.endm

/* rcx = &current->space->caps.slot[rdi], rbp = its object (may be NULL). */
.macro CAP_LOOKUP
	mov T_SPACE(%rax), %rbp
	lea (%rdi,%rdi,2), %rcx
	lea S_CAPS(%rbp,%rcx,8), %rcx
	mov CAP_OBJ(%rcx), %rbp
.endm

/* Checks on the partner in r11 shared by all paths.  A partner that does
 * not resume from its trap frame goes to other (by default fail; skip: a
 * partner that resumes through resume_fault, not checked). */
.macro PARTNER_CHECKS fail, other=
	cmpq $0, T_TIMEOUT_AT(%r11)
	jne \fail
.ifb \other
	cmpb $0, T_RESUME_USER(%r11)      /* it resumes from its trap frame */
	je \fail
.else
.ifnc \other, skip
	cmpb $0, T_RESUME_USER(%r11)
	je \other
.endif
.endif
#if CONFIG_SCHED_LAZY
	cmpb $0, T_IN_QUEUE(%r11)         /* lazy: the running thread stays queued */
	je \fail
#endif
#if CONFIG_SCHED_EAGER
	cmpb $0, T_IN_QUEUE(%rax)         /* eager: we are queued, it is not */
	je \fail
	cmpb $0, T_IN_QUEUE(%r11)
	jne \fail
#endif
	mov T_SPACE(%r11), %rdx
	cmpq $0, S_CR3(%rdx)              /* 0 until the space has run once */
	je \fail
	mov ready_bitmap(%rip), %edx      /* sched_direct_ok_fp (kernel.h): no ready */
	and T_PRIO_ABOVE(%r11), %edx      /* queue above the partner's priority, */
	jz 5f
#if CONFIG_SCHED_LAZY || CONFIG_SCHED_EAGER
	cmp T_PRIO_BIT(%rax), %edx        /* but for ours if we are alone in it */
	jne \fail
	cmpb $0, T_IN_QUEUE(%rax)
	je \fail
	cmp %rax, T_NEXT(%rax)
	jne \fail
#else
	jmp \fail
#endif
5:
.endm

/* Eager queues: the running thread is queued, so the one that blocks
 * (rax) leaves its ring and the one that runs (r11) joins the tail of
 * its own.  Lazy and Benno queues need nothing here.  Uses rcx, rdx, rbp. */
.macro QUEUE_EDITS
#if CONFIG_SCHED_EAGER
	movzbl T_PRIO(%rax), %ecx         /* take rax out of its ring */
	mov T_NEXT(%rax), %rdx
	cmp %rdx, %rax
	jne 1f
	movq $0, queue_head(,%rcx,8)
	btrl %ecx, ready_bitmap(%rip)
	jmp 2f
1:	mov T_PREV(%rax), %rbp
	mov %rdx, T_NEXT(%rbp)
	mov %rbp, T_PREV(%rdx)
	cmp queue_head(,%rcx,8), %rax
	jne 2f
	mov %rdx, queue_head(,%rcx,8)
2:	movb $0, T_IN_QUEUE(%rax)
	movzbl T_PRIO(%r11), %ecx         /* put r11 at the tail of its ring */
	mov queue_head(,%rcx,8), %rdx
	test %rdx, %rdx
	jnz 3f
	mov %r11, T_NEXT(%r11)
	mov %r11, T_PREV(%r11)
	mov %r11, queue_head(,%rcx,8)
	btsl %ecx, ready_bitmap(%rip)
	jmp 4f
3:	mov T_PREV(%rdx), %rbp
	mov %rdx, T_NEXT(%r11)
	mov %rbp, T_PREV(%r11)
	mov %r11, T_NEXT(%rbp)
	mov %r11, T_PREV(%rdx)
4:	movb $1, T_IN_QUEUE(%r11)
#endif
.endm

/* current (rax) blocks for good: it will resume through resume_user. */
.macro BLOCK_CURRENT
	movb $THREAD_BLOCKED_V, T_STATE(%rax)
	movb $1, T_RESUME_USER(%rax)
	movq $resume_user, -(TRAP_FRAME_SIZE + SWITCH_FRAME_SIZE - SWITCH_FRAME_RIP)(%rsp)
	lea -(TRAP_FRAME_SIZE + SWITCH_FRAME_SIZE)(%rsp), %rcx
	mov %rcx, T_KSP(%rax)
.endm

/* reply_recv past its checks: the caller (r11) no longer waits for us, we
 * (rax) wait at the tail of the endpoint (rbp), blocked for good. */
.macro REPLY_RECV_EDITS
	movq $0, T_CALLER(%rax)
	movq $0, T_CALLEE(%r11)
	movb $WAIT_NONE_V, T_WAIT(%r11)
	movl $0, T_WAIT_ERR(%r11)
	movb $WAIT_RECV_V, T_WAIT(%rax)   /* wait on the endpoint, at its tail */
	movl $0, T_WAIT_ERR(%rax)
	movq $0, T_WNEXT(%rax)
	lea EP_RECVQ(%rbp), %rcx
	mov %rcx, T_WQ(%rax)
	mov EP_RECV_TAIL(%rbp), %rcx
	test %rcx, %rcx
	jz 1f
	mov %rax, T_WNEXT(%rcx)
	jmp 2f
1:	mov %rax, EP_RECV_HEAD(%rbp)
2:	mov %rax, EP_RECV_TAIL(%rbp)
	BLOCK_CURRENT
	QUEUE_EDITS
#if CONFIG_FASTPATH_STATS
	incq fp_hits + 8(%rip)
#endif
.endm

/* The partner (r11) becomes current and runs on its own kernel stack:
 * rcx = its stack top, rdx = its space; on to same if that is ours (rax's). */
.macro RUN_PARTNER same
	mov %r11, current(%rip)
	movb $THREAD_RUNNING_V, T_STATE(%r11)
	lea THREAD_STACK_SIZE(%r11), %rcx
#if !CONFIG_KPTI_KPTI
	mov %rcx, tss + TSS_RSP0(%rip)    /* KPTI: it stays at the entry stack */
#endif
	mov %rcx, %gs:PERCPU_KSTACK
	mov T_SPACE(%r11), %rdx
	cmp T_SPACE(%rax), %rdx
	je \same
.endm

/* KPTI: the per-CPU slots get the partner's tables, as after any switch
 * (space_activate): its user table for the exit, its kernel table for the
 * next entry.  space (the partner's space) is left holding the kernel table. */
.macro KPTI_SLOTS space, scratch
	mov S_USER_CR3(\space), \scratch
	mov \scratch, %gs:PERCPU_USER_CR3
	mov S_CR3(\space), \space
	mov \space, %gs:PERCPU_KERNEL_CR3
.endm

/* The last of the exit: rax and rdx carry IPC_OK and 0. */
.macro FASTPATH_SYSRET
	xor %eax, %eax
	xor %edx, %edx
#if CONFIG_BREAK_COPY
	not %r9                           /* test build: word 1 arrives wrong */
#endif
	swapgs
	sysretq
.endm

#if CONFIG_KPTI_KPTI
/* In the trampoline (entry.S): the user table maps this, not .text. */
	.section .entry.text, "ax"
fastpath_exit_kpti:
	mov %gs:PERCPU_USER_CR3, %rax
	mov %rax, %cr3
	FASTPATH_SYSRET
#endif

	.text
/* call: rdi = endpoint slot, rsi = info, rdx = timeout; rsp = kernel stack. */
	.globl ipc_entry_call
ipc_entry_call:
	ENTRY_CHECKS
	CAP_LOOKUP
	test %rbp, %rbp
	jz 9f
	cmpl $OBJ_IPC_V, KOBJ_TYPE(%rbp)
	jne 9f
	testb $RIGHT_SEND, CAP_RIGHTS(%rcx)
	jz 9f
	cmpb $0, EP_DEAD(%rbp)
	jne 9f
	mov EP_RECV_HEAD(%rbp), %r11      /* the waiting receiver */
	test %r11, %r11
	jz 9f
	cmpq $0, T_CALLER(%r11)           /* it owes a reply: the general path ends that call */
	jne 9f
	PARTNER_CHECKS 9f

	/* Point of no return. */
	mov CAP_BADGE(%rcx), %rdi         /* what the receiver learns about us */
	mov T_WNEXT(%r11), %rcx           /* take it off the receive queue */
	mov %rcx, EP_RECV_HEAD(%rbp)
	test %rcx, %rcx
	jnz 1f
	movq $0, EP_RECV_TAIL(%rbp)
1:	movq $0, T_WNEXT(%r11)
	movq $0, T_WQ(%r11)
	movb $WAIT_NONE_V, T_WAIT(%r11)
	movl $0, T_WAIT_ERR(%r11)
	mov %rax, T_CALLER(%r11)          /* it owes us the reply */
	mov %r11, T_CALLEE(%rax)
	movb $WAIT_REPLY_V, T_WAIT(%rax)
	movl $0, T_WAIT_ERR(%rax)
	BLOCK_CURRENT
	QUEUE_EDITS
#if CONFIG_FASTPATH_STATS
	incq fp_hits(%rip)
#endif
	jmp fastpath_switch
9:	BAIL SYS_CALL

/* reply_recv: rdi = endpoint slot, rsi = info, rdx = timeout. */
	.globl ipc_entry_reply_recv
ipc_entry_reply_recv:
	ENTRY_CHECKS
	mov T_CALLER(%rax), %r11          /* the client waiting for our reply */
	test %r11, %r11
	jz 9f
	CAP_LOOKUP
	test %rbp, %rbp
	jz 9f
	cmpl $OBJ_IPC_V, KOBJ_TYPE(%rbp)
	jne 9f
	testb $RIGHT_RECV, CAP_RIGHTS(%rcx)
	jz 9f
	cmpb $0, EP_DEAD(%rbp)
	jne 9f
	cmpq $0, EP_SEND_HEAD(%rbp)       /* a sender waits: receive it instead */
	jne 9f
	PARTNER_CHECKS 9f, 8f

	/* Point of no return. */
	REPLY_RECV_EDITS
	xor %edi, %edi                    /* a reply carries no badge */
	jmp fastpath_switch
8:	cmpb $0, T_IN_FAULT(%r11)         /* its page fault: the reply is a verdict */
	jne fastpath_fault_reply
9:	BAIL SYS_REPLY_RECV

/* reply_recv to a thread whose page fault we hold (wait_block_fault): it
 * runs again through resume_fault from the frame it faulted with, which
 * nothing here touches; the reply's first two words (~0 for those its
 * length does not cover) are kept for resume_fault_c, which applies them.
 * rax = current, r11 = the faulter, rbp = the endpoint. */
fastpath_fault_reply:
	PARTNER_CHECKS 9f, skip

	/* Point of no return. */
	REPLY_RECV_EDITS
	mov $-1, %rcx
	mov %rcx, %rdx
	cmp $8, %esi
	jb 1f
	mov %r8, %rcx
	cmp $16, %esi
	jb 1f
	mov %r9, %rdx
1:	mov %rcx, T_FAULT_REPLY(%r11)
	mov %rdx, T_FAULT_REPLY + 8(%r11)
	RUN_PARTNER 2f
#if CONFIG_KPTI_KPTI
	/* resume_fault_c runs on its kernel table and trap_return's exit
	 * loads its user table: both must be the faulter's. */
	KPTI_SLOTS %rdx, %rcx
#else
	mov S_CR3(%rdx), %rdx
#endif
	mov %rdx, %cr3
2:	mov T_KSP(%r11), %rdi             /* its resume frame: into resume_fault */
	jmp context_restore
9:	BAIL SYS_REPLY_RECV

/* Run r11 from its trap frame: rax = IPC_OK, rdx = 0, rdi = badge, rsi =
 * length, the message registers the length covers as they are and the rest
 * cleared, so that it sees nothing else of the sender's. */
fastpath_switch:
	jmp *fp_clear_from(,%rsi,8)       /* by length: below */
fp_clear_0:
	xor %r8d, %r8d
fp_clear_1:
	xor %r9d, %r9d
fp_clear_2:
	xor %r10d, %r10d
fp_clear_3:
	xor %r12d, %r12d
fp_clear_4:
	xor %r13d, %r13d
fp_clear_5:
	xor %r14d, %r14d
fp_clear_6:
	xor %r15d, %r15d
fp_clear_7:
	xor %ebx, %ebx
fp_clear_8:
	movb $0, T_RESUME_USER(%r11)
	RUN_PARTNER 1f
#if CONFIG_KPTI_KPTI
	/* No cr3 write here: the exit below loads the partner's user table
	 * and its next entry its kernel table (the kernel half is shared). */
	KPTI_SLOTS %rdx, %rbp
#else
	mov S_CR3(%rdx), %rdx
	mov %rdx, %cr3
#endif
1:	lea -TRAP_FRAME_SIZE(%rcx), %rdx  /* its frame */
	mov F_RBP(%rdx), %rbp
	mov F_RIP(%rdx), %rcx
	mov F_RFLAGS(%rdx), %r11
	mov F_RSP(%rdx), %rsp             /* no kernel stack from here */
#if CONFIG_KPTI_KPTI
	jmp fastpath_exit_kpti
#else
	FASTPATH_SYSRET
#endif

/* Where to start clearing, by message length in bytes (at most
 * IPC_MSG_MAX: ENTRY_CHECKS): at the first word the length does not
 * cover.  Indexed by bytes rather than words to save the rounding. */
.macro CLEAR_FROM words
	.quad fp_clear_\words
.endm
	.section .rodata
	.balign 8
fp_clear_from:
	.altmacro
	len = 0
	.rept IPC_MSG_MAX + 1
	CLEAR_FROM %((len + 7) / 8)
	len = len + 1
	.endr
	.noaltmacro

#endif
