/* Constants shared by the assembly files and C (x86_64 control bits). */
#ifndef ARCH_ASM_H
#define ARCH_ASM_H

#define KERNEL_VMA 0xFFFFFFFF80000000
#define PHYSMAP_BASE 0xFFFF800000000000

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_PGE (1 << 7)
#define CR4_PCIDE (1 << 17)
#define MSR_APIC_BASE 0x1b
#define MSR_EFER 0xC0000080
#define EFER_SCE (1 << 0)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b   /* index 3, RPL 3 */
#define SEL_UCODE 0x23   /* index 4, RPL 3 */
#define SEL_TSS   0x28

/* struct percpu field offsets (arch/x86_64/cpu.h checks them). */
#define PERCPU_KSTACK 0
#define PERCPU_USER_RSP 8
#define PERCPU_KERNEL_CR3 16
#define PERCPU_USER_CR3 24
#define PERCPU_SCRATCH 32

/* KPTI: a space's user table runs on its PCID with this bit added. */
#define PCID_USER_BIT 2048

/* struct trap_frame size in bytes (15 GPRs, vector, error, 5-word iret frame). */
#define TRAP_FRAME_SIZE (22 * 8)
/* struct switch_frame: six callee-saved registers, then the return address. */
#define SWITCH_FRAME_RIP (6 * 8)
#define SWITCH_FRAME_SIZE (7 * 8)

#endif
