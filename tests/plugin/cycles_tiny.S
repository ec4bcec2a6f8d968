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
 */
#define BEGIN(id) nopl (0x49500000 + (id))(%eax)
#define END(id)   nopl (0x49510000 + (id))(%eax)

/* A load from each of the 16 pages of pages (no stack: multiboot sets none). */
.macro TOUCH_PAGES
	mov	$pages, %esi
	mov	$16, %ecx
4:	mov	(%esi), %eax
	add	$4096, %esi
	dec	%ecx
	jnz	4b
.endm

	.section .multiboot, "a"
	.balign 4
	.long 0x1badb002		/* magic */
	.long 0				/* flags: load by the ELF headers */
	.long -0x1badb002		/* checksum */

	.text
	.code32
	.globl _start
_start:
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

	mov	$0x10, %al
	outb	%al, $0xf4
3:	hlt
	jmp	3b

	.bss
	.balign 4096
	.globl buf
buf:	.skip 4096
	.globl pages
pages:	.skip 16 * 4096
