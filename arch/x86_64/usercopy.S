/* Copying to and from user memory without checking it first: the copy runs
 * with the user's page tables, and a page fault inside it (an unmapped or
 * read-only page) is turned by trap_dispatch into a return of E_FAULT.
 * Callers check only that the range lies below USER_TOP. */
	.text
/* long user_copy(void *dst, const void *src, size_t n): 0 or E_FAULT. */
	.globl user_copy, user_copy_may_fault, user_copy_may_fault_end, user_copy_fixup
user_copy:
	mov %rdx, %rcx
	shr $3, %rcx
user_copy_may_fault:
	rep movsq                         /* whole words, then the tail */
	mov %rdx, %rcx
	and $7, %rcx
	rep movsb
user_copy_may_fault_end:
	xor %eax, %eax
	ret
user_copy_fixup:
	mov $4, %eax                      /* E_FAULT (checked in kernel/space.c) */
	ret
