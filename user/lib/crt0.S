/* The first instruction of every boot module: align the stack, call
 * main(start_info), pass its return value to SYS_EXIT. */
#include <ipclab/abi.h>

	.section .text.start, "ax"
	.globl _start
_start:
	and $-16, %rsp
	mov $USER_START_INFO, %edi
	call main
	mov %rax, %rdi
	mov $SYS_EXIT, %eax
	syscall
	ud2
