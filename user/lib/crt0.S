/* The first instruction of every boot module: align the stack, pick the TSC
 * read (tsc_choose), call main(start_info), pass its return value to SYS_EXIT. */
#include <ipclab/abi.h>

	.section .text.start, "ax"
	.globl _start
_start:
	and $-16, %rsp
	call tsc_choose                  /* once, so no timed region asks CPUID */
	mov $USER_START_INFO, %edi
	call main
	mov %rax, %rdi
	mov $SYS_EXIT, %eax
	syscall
	ud2
