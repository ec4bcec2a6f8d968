/* Every way into and out of the kernel: exception and interrupt stubs, the
 * syscall entry, and the context switch.  All build or consume a
 * struct trap_frame (cpu.h) at the top of the thread's kernel stack.
 *
 * The entries and exits are in .entry.text, the trampoline: with KPTI
 * (CONFIG_KPTI_KPTI) a user table maps these pages and .entry.data only, so
 * each entry from user mode loads the kernel's table first (from the
 * per-CPU block) and each exit loads the user table last. */
#include "asm.h"
#include "model.h"                /* IPC_ENTRY_FASTPATH */
#include <ipclab/abi.h>

/* Save the general registers in struct trap_frame order (rax highest). */
.macro SAVE_GPRS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro RESTORE_GPRS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

/* 256 stubs, each TRAP_STUB_SIZE bytes: push a zero error code where the CPU
 * pushes none, push the vector, go to the common path. */
	.section .entry.text, "ax"
	.balign 16
	.globl trap_vectors
trap_vectors:
vec = 0
.rept 256
	.balign 16
	.if (vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	nop; nop                          /* keep every stub the same size */
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
vec = vec + 1
.endr

trap_common:
	testb $3, 24(%rsp)                /* the saved cs: from user mode? */
	jz 1f
	swapgs
#if CONFIG_KPTI_KPTI
	/* The CPU pushed onto the entry stack (tss.rsp[0]): load the kernel's
	 * table, then move vector, error and the iret frame to the top of the
	 * thread's stack, where the rest of the kernel expects its frame. */
	mov %rax, %gs:PERCPU_SCRATCH
	mov %gs:PERCPU_KERNEL_CR3, %rax
	mov %rax, %cr3
	mov %rsp, %rax
	mov %gs:PERCPU_KSTACK, %rsp
	pushq 48(%rax)                    /* ss */
	pushq 40(%rax)                    /* rsp */
	pushq 32(%rax)                    /* rflags */
	pushq 24(%rax)                    /* cs */
	pushq 16(%rax)                    /* rip */
	pushq 8(%rax)                     /* error */
	pushq (%rax)                      /* vector */
	mov %gs:PERCPU_SCRATCH, %rax
#endif
1:	SAVE_GPRS
	cld
	mov %rsp, %rdi
	call trap_dispatch
	.globl trap_return
trap_return:
	RESTORE_GPRS
	testb $3, 24(%rsp)
	jz 1f
#if CONFIG_KPTI_KPTI
	/* The user table lacks this stack: iret from a copy of the frame on
	 * the entry stack. */
	mov %rax, %gs:PERCPU_SCRATCH
	lea 16(%rsp), %rax                /* the iret frame */
	lea entry_stack_top(%rip), %rsp
	pushq 32(%rax)                    /* ss */
	pushq 24(%rax)                    /* rsp */
	pushq 16(%rax)                    /* rflags */
	pushq 8(%rax)                     /* cs */
	pushq (%rax)                      /* rip */
	mov %gs:PERCPU_USER_CR3, %rax
	mov %rax, %cr3
	mov %gs:PERCPU_SCRATCH, %rax
	swapgs
	iretq
#endif
	swapgs
1:	add $16, %rsp                     /* vector and error code */
	iretq

/* syscall: rip in rcx, rflags in r11, still on the user stack, IF cleared by
 * FMASK.  Build a trap frame so the rest of the kernel sees one shape. */
	.globl syscall_entry
syscall_entry:
	swapgs
	mov %rsp, %gs:PERCPU_USER_RSP
#if CONFIG_KPTI_KPTI
	mov %gs:PERCPU_KERNEL_CR3, %rsp   /* rsp is the one free register */
	mov %rsp, %cr3
#endif
	mov %gs:PERCPU_KSTACK, %rsp
#if IPC_ENTRY_FASTPATH                    /* the model's assembly entry points */
	cmp $SYS_CALL, %rax               /* the two calls of an RPC round trip */
	je ipc_entry_call
	cmp $SYS_REPLY_RECV, %rax
	je ipc_entry_reply_recv
#endif
	.globl syscall_general
syscall_general:
	pushq $SEL_UDATA                  /* ss */
	pushq %gs:PERCPU_USER_RSP         /* rsp */
	push %r11                         /* rflags */
	pushq $SEL_UCODE                  /* cs */
	push %rcx                         /* rip */
	pushq $0                          /* error */
	pushq $-1                         /* vector: a system call */
	SAVE_GPRS
	mov %rsp, %rdi
	call syscall_dispatch
syscall_return:
	RESTORE_GPRS
	add $16, %rsp
	pop %rcx                          /* rip */
	add $8, %rsp                      /* cs */
	pop %r11                          /* rflags */
#if CONFIG_KPTI_KPTI
	popq %gs:PERCPU_USER_RSP          /* the user table lacks this stack */
	mov %gs:PERCPU_USER_CR3, %rsp
	mov %rsp, %cr3
	mov %gs:PERCPU_USER_RSP, %rsp
#else
	pop %rsp                          /* the user stack: no kernel stack from here */
#endif
	swapgs
	sysretq

/* kpti_flush_user_pcid(user_cr3, kernel_cr3): here because both tables map
 * this page; nothing touches memory while the user table is loaded. */
	.globl kpti_flush_user_pcid
kpti_flush_user_pcid:
	mov %rdi, %cr3
	mov %rsi, %cr3
	ret

	.text
/* A thread that blocked with wait_block_final() resumes here, with rsp at
 * its trap frame: the outcome of its wait goes into rax, and it returns to
 * user mode.  Nothing of its earlier kernel stack is used. */
	.globl resume_user
resume_user:
	mov %rsp, %rdi
	call resume_user_c
	jmp syscall_return

/* A thread whose page fault its pager held (wait_block_fault) resumes
 * here, rsp at the frame it faulted with: resume_fault_c applies the
 * pager's reply (or stops the thread), and it returns as from any trap. */
	.globl resume_fault
resume_fault:
	mov %rsp, %rdi
	call resume_fault_c
	jmp trap_return

/* Pop a switch frame (struct switch_frame, cpu.h) at rsp: the callee-saved
 * registers, then return to where it says. */
.macro SWITCH_FRAME_RETURN
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
.endm

/* context_restore(new_ksp): the second half of context_switch, for a thread
 * that leaves nothing behind to come back to. */
	.globl context_restore
context_restore:
	mov %rdi, %rsp
	SWITCH_FRAME_RETURN

/* context_switch(&old->ksp, new_ksp): save the callee-saved registers on the
 * old kernel stack, switch stacks, restore the new thread's and return into
 * wherever it stopped (or trap_return for a new thread). */
	.globl context_switch
context_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	SWITCH_FRAME_RETURN

/* KPTI: where interrupts and exceptions from user mode push their frame
 * (tss.rsp[0]) before trap_common moves it to the thread's stack, and where
 * trap_return irets from. */
	.section .entry.data, "aw"
	.balign 16
entry_stack:
	.skip 512
	.globl entry_stack_top
entry_stack_top:
