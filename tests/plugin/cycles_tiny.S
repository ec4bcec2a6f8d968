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
 */
#define BEGIN(id) nopl (0x49500000 + (id))(%eax)
#define END(id)   nopl (0x49510000 + (id))(%eax)

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

	mov	$0x10, %al
	outb	%al, $0xf4
3:	hlt
	jmp	3b

	.bss
	.balign 4096
	.globl buf
buf:	.skip 4096
