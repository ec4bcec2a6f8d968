/* Boot: both multiboot headers, the 32-bit entry, and the way to long mode.
 * A multiboot1 loader (QEMU -kernel) or multiboot2 loader (GRUB) jumps to
 * boot_entry32 in 32-bit protected mode, paging off, with the magic in eax and
 * the physical address of its information block in ebx. */
#include "asm.h"
#include <ipclab/abi.h>

#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0x00000003              /* page-align modules, give memory map */
#define MB2_MAGIC 0xE85250D6

	.section .multiboot, "a"
	.balign 8
mb1_header:
	.long MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)
	.balign 8
mb2_header:
	.long MB2_MAGIC, 0, mb2_end - mb2_header
	.long -(MB2_MAGIC + (mb2_end - mb2_header))
	.short 6, 0                       /* tag: page-align modules */
	.long 8
	.short 0, 0                       /* end tag */
	.long 8
mb2_end:

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt_lo:	.skip 4096
boot_pdpt_hi:	.skip 4096
boot_pd:	.skip 4096               /* 512 x 2 MiB: the first GiB */
boot_stack32:	.skip 256

	.section .boot.data, "aw"
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000          /* 0x08: 64-bit code, ring 0 */
	.quad 0x0000920000000000          /* 0x10: data, ring 0 */
boot_gdt_ptr:
	.short boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt

	.section .boot.text, "ax"
	.code32
	.globl boot_entry32
boot_entry32:
	cli
	mov %eax, %edi                    /* keep the loader's magic ... */
	mov %ebx, %esi                    /* ... and its information block */
	mov $boot_stack32 + 256, %esp

	/* Zero the boot page tables: loaders need not clear NOLOAD space. */
	push %edi
	mov $boot_pml4, %edi
	xor %eax, %eax
	mov $(4 * 4096 / 4), %ecx
	rep stosl
	pop %edi

	/* Map the first GiB twice: identity (to keep running here) and at
	 * KERNEL_VMA (-2 GiB, PML4 slot 511, PDPT slot 510). */
	movl $boot_pdpt_lo + 3, boot_pml4
	movl $boot_pdpt_hi + 3, boot_pml4 + 511 * 8
	movl $boot_pd + 3, boot_pdpt_lo
	movl $boot_pd + 3, boot_pdpt_hi + 510 * 8
	mov $boot_pd, %ebx
	mov $0x83, %eax                   /* present, writable, 2 MiB */
	mov $512, %ecx
1:	mov %eax, (%ebx)
	add $0x200000, %eax
	add $8, %ebx
	loop 1b

	call boot_check_cpu                /* ebp = EFER_NXE if the CPU has NX, else 0 */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	or %ebp, %eax                     /* setting NXE without NX would #GP */
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE | CR0_WP), %eax
	mov %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $0x08, $boot_entry64

/* Return in ebp the EFER_NXE bit if the CPU has NX (else 0).  A CPU without
 * CPUID or long mode gets one line on COM1 and is powered off (EXIT_PANIC
 * under QEMU): there is no other way to say why it cannot boot.  Keeps esi
 * and edi, the loader's magic and information block. */
boot_check_cpu:
	pushfl                            /* CPUID exists if EFLAGS.ID can flip */
	pop %eax
	mov %eax, %ecx
	xor $(1 << 21), %eax
	push %eax
	popfl
	pushfl
	pop %eax
	cmp %eax, %ecx
	je boot_no_long_mode
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb boot_no_long_mode
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx                      /* LM */
	jnc boot_no_long_mode
	xor %ebp, %ebp
	bt $20, %edx                      /* NX */
	jnc 1f
	mov $EFER_NXE, %ebp
1:	ret

boot_no_long_mode:
	mov $boot_no_lm_msg, %ebx
	mov $0x3f8, %dx
1:	movb (%ebx), %al
	test %al, %al
	jz 2f
	outb %al, %dx
	inc %ebx
	jmp 1b
2:	mov $0xf4, %dx
	mov $EXIT_PANIC, %eax
	outl %eax, %dx
3:	cli
	hlt
	jmp 3b

	.section .boot.data, "aw"
boot_no_lm_msg:
	.asciz "ipclab: cannot boot: the CPU lacks long mode (x86-64)\n"

	.section .boot.text, "ax"
	.code64
boot_entry64:
	xor %eax, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	movabs $boot_high, %rax
	jmp *%rax

	.text
boot_high:
	lea boot_stack_top(%rip), %rsp
	mov %edi, %r12d                   /* zero-extend magic and info */
	mov %esi, %r13d
	/* Clear .bss here, for the same reason as the page tables. */
	lea kernel_bss_start(%rip), %rdi
	lea kernel_end(%rip), %rcx
	sub %rdi, %rcx
	shr $3, %rcx
	xor %eax, %eax
	rep stosq
	mov %r12, %rdi
	mov %r13, %rsi
	call kmain
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 4096
boot_stack:
	.skip 16384
	.globl boot_stack_top
boot_stack_top:
