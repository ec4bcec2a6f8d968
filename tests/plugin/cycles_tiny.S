/*
 * A tiny multiboot guest for the cycle model's end-to-end test
 * (tests/plugin/test_cycles.py): known instructions between footprint
 * markers, in 32-bit protected mode without paging, interrupts off; then it
 * exits QEMU through isa-debug-exit (port 0xf4, code 0x10: status 33).
 * Linked with tiny.ld, like the footprint test's guest.
 *
 * Region 1: ten cpuid.
 * Region 2: rep movsl of 160 dwords (640 bytes).
 * Region 3: mov from cr3, mov to cr3.
 * Region 4, twice: a load from each of 64 lines of buf.
 * Region 5: a load from each of 16 pages of pages, after the same loads
 *   before two CR3 writes (away and back: the model names the space of a
 *   value read from CR3 by flipping its tag, so the second write returns to
 *   the first space).  With cr3=keep the TLB entries of the first pass are
 *   still there; with cr3=flush they are not.
 * Then long mode, with the low 2 MiB mapped also at 0xffff800000000000, and
 * kernel-half code that switches between two spaces as KPTI's entry does:
 * each space's record (space_a, space_b) is copied to one shared slot, and
 * CR3 is loaded from the slot.  The model names the space by the slot's
 * provenance, the record.  In space A the 16 pages are touched; then
 * region 6: the same pages in space B (their entries are A's: walks);
 * region 7: the same pages back in space A (with cr3=keep, all hits).
 */
#include "tinyguest.h"

/* A load from each of the 16 pages of pages (no stack: multiboot sets none). */
.macro TOUCH_PAGES
	mov	$pages, %esi
	mov	$16, %ecx
4:	mov	(%esi), %eax
	add	$4096, %esi
	dec	%ecx
	jnz	4b
.endm

/* The same in 64-bit mode. */
.macro TOUCH_PAGES64
	mov	$pages, %esi
	mov	$16, %ecx
4:	mov	(%rsi), %eax
	add	$4096, %rsi
	dec	%ecx
	jnz	4b
.endm

/* Switch to the space whose record is at rec, through the shared slot
 * (kernel-half code: rip-relative addresses are kernel addresses). */
.macro SWITCH_VIA_SLOT rec
	mov	\rec(%rip), %rax
	mov	%rax, slot(%rip)
	mov	slot(%rip), %rdx
	mov	%rdx, %cr3
.endm

	GUEST_START
	BEGIN(1)
	.rept 10
	cpuid
	.endr
	END(1)

	mov	$buf, %esi
	mov	$buf + 2048, %edi
	mov	$160, %ecx
	cld
	BEGIN(2)
	rep movsl
	END(2)

	BEGIN(3)
	mov	%cr3, %eax
	mov	%eax, %cr3
	END(3)

	mov	$2, %edx
1:	mov	$buf, %esi
	mov	$64, %ecx
	BEGIN(4)
2:	mov	(%esi), %eax
	add	$64, %esi
	dec	%ecx
	jnz	2b
	END(4)
	dec	%edx
	jnz	1b

	TOUCH_PAGES
	mov	%cr3, %eax
	mov	%eax, %cr3
	mov	%eax, %cr3
	BEGIN(5)
	TOUCH_PAGES
	END(5)

	/* Long mode, with the first 2 MiB mapped both at 0 and at KBASE. */
	movl	$pml4, space_a		/* both spaces: the one set of tables */
	movl	$pml4, space_b
	ENTER_LONG_MODE
kcode:
	SWITCH_VIA_SLOT space_a
	TOUCH_PAGES64
	SWITCH_VIA_SLOT space_b
	BEGIN64(6)
	TOUCH_PAGES64
	END64(6)
	SWITCH_VIA_SLOT space_a
	BEGIN64(7)
	TOUCH_PAGES64
	END64(7)

	mov	$0x10, %al
	outb	%al, $0xf4
3:	hlt
	jmp	3b

	.data
	.balign 8
space_a: .quad 0		/* the two spaces' records: their CR3 values */
space_b: .quad 0
slot:	.quad 0			/* the per-CPU slot both go through */
	LONG_MODE_DATA

	.bss
	.balign 4096
	.globl buf
buf:	.skip 4096
	.globl pages
pages:	.skip 16 * 4096
	LONG_MODE_BSS
