/*
 * What the plugins' tiny test guests (tiny.S, cycles_tiny.S) share: the
 * region markers, the multiboot header and entry, and the way from 32-bit
 * protected mode to 64-bit code at kcode, with the low 2 MiB mapped both at
 * 0 and at KBASE.  A guest starts with GUEST_START, defines kcode (linked
 * low, entered at KBASE + kcode) and places LONG_MODE_DATA in .data and
 * LONG_MODE_BSS in page-aligned .bss.
 */
#define BEGIN(id) nopl (0x49500000 + (id))(%eax)
#define END(id)   nopl (0x49510000 + (id))(%eax)
#define BEGIN64(id) nopl (0x49500000 + (id))(%rax)
#define END64(id)   nopl (0x49510000 + (id))(%rax)
#define KBASE 0xffff800000000000

/* The multiboot header (the loader takes the ELF headers), then _start:
 * 32-bit protected mode, paging and interrupts off, no stack. */
.macro GUEST_START
	.section .multiboot, "a"
	.balign 4
	.long 0x1badb002		/* magic */
	.long 0				/* flags: load by the ELF headers */
	.long -0x1badb002		/* checksum */

	.text
	.code32
	.globl _start
_start:
.endm

/* From 32-bit code, paging off, into kcode at its kernel address. */
.macro ENTER_LONG_MODE
	mov	$pdpt + 3, %eax
	mov	%eax, pml4
	mov	%eax, pml4 + 256 * 8
	mov	$pd + 3, %eax
	mov	%eax, pdpt
	movl	$0x83, pd		/* 2 MiB page at 0: present, writable */
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	or	$0x100, %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80000000, %eax	/* paging on */
	mov	%eax, %cr0
	lgdt	gdtr
	ljmp	$8, $long_entry

	.code64
long_entry:
	movabs	$KBASE + kcode, %rax
	jmp	*%rax
.endm

/* The GDT (a 64-bit code segment) and its descriptor, 8-aligned. */
.macro LONG_MODE_DATA
	.balign 8
gdt:	.quad 0
	.quad 0x00af9a000000ffff	/* 64-bit code */
gdtr:	.word gdtr - gdt - 1
	.long gdt
.endm

/* The page tables, each a page. */
.macro LONG_MODE_BSS
	.balign 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4096
.endm
