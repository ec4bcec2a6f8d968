/*
 * A tiny multiboot guest for the footprint plugin's end-to-end test
 * (tests/plugin/test_footprint.py).  It runs known code between footprint
 * markers, then exits QEMU through isa-debug-exit (port 0xf4, code 0x10:
 * QEMU exit status 33).  Interrupts stay off, so nothing else runs in a
 * region.  Assembled as x86_64 (for the 64-bit relocations), linked, then
 * turned into a 32-bit ELF, the only kind QEMU's multiboot loader takes.
 *
 * Regions 1, 3 and 0xffff run in 32-bit mode, where every address is below
 * 0xffff800000000000: all their counts are "user".
 * Region 1, twice: 165 instructions, 32 loads, 1 store, 3 fetched lines
 * (one holding the loop, two for an instruction that crosses a line
 * boundary and the store after it), 17 data lines (16 of buf, 1 of result),
 * 4 pages (two code pages, buf's, result's).
 * Region 3 holds region 0xffff: 2 instructions, 1 load, 1 store, 1 fetched
 * line, 1 data line, 2 pages; region 3 adds one nop.
 * Before all that, an end marker of region 1 without a begin: unmatched.
 * Then the guest enters long mode with the low 2 MiB mapped also at
 * 0xffff800000000000, to run region 5 partly at kernel addresses, and
 * begins region 9, which never ends.
 */
#include "tinyguest.h"

	GUEST_START
	mov	$2, %edi
	END(1)
	jmp	outer

	.balign 64
outer:
	BEGIN(1)
	.globl r1_start
r1_start:
	mov	$buf, %esi
	mov	$32, %ecx
1:	mov	(%esi), %eax		/* 32 loads, two per line of buf */
	add	%eax, %ebx
	add	$32, %esi
	dec	%ecx
	jnz	1b
	jmp	far
	.globl r1_part1_end
r1_part1_end:

	.section .text.far, "ax"
	.fill	60, 1, 0xcc		/* never executed */
	.globl far
far:
	mov	$0x12345678, %edx	/* bytes 60..64 of the line: crosses into the next */
	mov	%ebx, result		/* the store */
	.globl r1_end
r1_end:
	END(1)
	dec	%edi
	jnz	outer

	.balign 64
	.globl r3_start
r3_start:
	BEGIN(3)
	BEGIN(0xffff)
	mov	other, %eax
	mov	%eax, other + 8
	END(0xffff)
	nop
	END(3)

	/* Long mode, with the first 2 MiB mapped both at 0 and at KBASE. */
	ENTER_LONG_MODE

	/*
	 * Region 5, once, in 64-bit mode: 6 instructions at kernel addresses
	 * (2 loads, 1 store), 4 at user addresses (1 store).  Kernel: 1 fetched
	 * line, 1 data line, 2 pages; user: 1 fetched line, 1 data line, 2 pages.
	 */
	.section .text.k, "ax"
	.globl kcode
kcode:
	BEGIN64(5)
	movabs	$KBASE + kdata, %rbx
	mov	(%rbx), %eax		/* kernel load, kernel line */
	mov	%eax, 8(%rbx)		/* kernel store, same line */
	mov	udata, %ecx		/* kernel load, user line */
	movabs	$upart, %rax
	jmp	*%rax
kback:
	END64(5)
	BEGIN64(9)			/* never ended: region 9 is unclosed */
	mov	$0x10, %al
	outb	%al, $0xf4
2:	hlt
	jmp	2b

	.section .text.far, "ax"
	.balign 64
	.globl upart
upart:
	add	%ecx, %eax
	mov	%eax, udata + 4		/* user store, user line */
	movabs	$KBASE + kback, %rax
	jmp	*%rax

	.data
	.balign 64
result:	.long 0
	.balign 64
other:	.long 7, 0, 0
	.balign 64
kdata:	.quad 1, 2
	.balign 64
udata:	.long 3, 4
	LONG_MODE_DATA

	.bss
	.balign 4096
	.globl buf
buf:	.skip 4096
	LONG_MODE_BSS
