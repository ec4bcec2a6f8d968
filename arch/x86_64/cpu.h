/* The CPU as the kernel sees it: registers, ports, MSRs, the saved-register
 * frame and the per-CPU block.  kernel/ reaches the hardware only through
 * this folder's headers. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include "asm.h"
#include "types.h"
#include <config.h>

/* The registers a thread left behind on its kernel stack when it entered
 * the kernel (by syscall, exception or interrupt), lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;                 /* vector ~0 = syscall */
	uint64_t rip, cs, rflags, rsp, ss;      /* the iret frame */
};
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "asm.h out of date");

#define VECTOR_SYSCALL (~0ull)

/* What context_switch leaves on a switched-out kernel stack, lowest address
 * first (entry.S): the callee-saved registers, then where it returns to.
 * A thread's ksp points at one. */
struct switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t rip;
};
_Static_assert(sizeof(struct switch_frame) == SWITCH_FRAME_SIZE, "asm.h out of date");
_Static_assert(__builtin_offsetof(struct switch_frame, rip) == SWITCH_FRAME_RIP, "asm.h");

/* Reached through %gs in the kernel (swapgs on every entry from user mode). */
struct percpu {
	uint64_t kstack_top;     /* PERCPU_KSTACK: the current thread's stack top */
	uint64_t user_rsp;       /* PERCPU_USER_RSP: scratch during syscall entry */
	uint64_t kernel_cr3;     /* PERCPU_KERNEL_CR3: KPTI, what kernel entries load */
	uint64_t user_cr3;       /* PERCPU_USER_CR3: KPTI, what exits to user load */
	uint64_t scratch;        /* PERCPU_SCRATCH: KPTI, a register's room on entry */
};
_Static_assert(__builtin_offsetof(struct percpu, kstack_top) == PERCPU_KSTACK, "asm.h");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "asm.h");
_Static_assert(__builtin_offsetof(struct percpu, kernel_cr3) == PERCPU_KERNEL_CR3, "asm.h");
_Static_assert(__builtin_offsetof(struct percpu, user_cr3) == PERCPU_USER_CR3, "asm.h");
_Static_assert(__builtin_offsetof(struct percpu, scratch) == PERCPU_SCRATCH, "asm.h");

/* What the CPU and the entry code touch while a user table is loaded
 * (KPTI): the IDT, GDT, per-CPU block and entry stacks live in this
 * section, which the user tables map (and nothing else of the kernel's
 * data); the code is in .entry.text. */
#define ENTRY_DATA __attribute__((section(".entry.data"), aligned(16)))
extern char entry_text_start[], entry_text_end[], entry_data_start[], entry_data_end[];
extern char entry_stack_top[];    /* entry.S */

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t read_cr2(void) { uint64_t v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline uint64_t read_cr4(void) { uint64_t v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" : : "r"(v)); }
static inline void invlpg(vaddr_t va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline __attribute__((noreturn)) void cpu_halt_forever(void) { for (;;) asm volatile("cli; hlt"); }

/* What this CPU offers that the kernel uses (filled by cpu_detect). */
struct cpu_features {
	char vendor[13];
	char brand[49];
	bool pcid, invpcid, pge, nx, rdtscp, x2apic, tsc_deadline, invariant_tsc, hypervisor;
	bool tsc, apic, sse2, syscall;        /* required: see cpu_missing */
	unsigned pmu_version, pmu_counters;   /* 0: no architectural PMU */
};
extern struct cpu_features cpu;

void cpu_detect(void);
/* The names of the features the kernel cannot do without that this CPU
 * lacks, space-separated, or "" if it has them all (after cpu_detect). */
const char *cpu_missing(void);
void cpu_init(void);                      /* GDT, TSS, IDT, syscall MSRs, %gs */
/* The task-state segment: only rsp[0], the stack for entries from user
 * mode, changes after boot. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));
extern struct tss tss;
extern struct percpu percpu0;

/* The kernel stack for entries from user mode (interrupts and syscall). */
static inline void cpu_set_kernel_stack(uint64_t top)
{
	if (!CONFIG_KPTI_KPTI)        /* KPTI: interrupts land on the entry stack, always */
		tss.rsp[0] = top;
	percpu0.kstack_top = top;
}

/* KPTI: the tables that kernel entries and exits to user load from now. */
static inline void cpu_set_entry_cr3(uint64_t kernel_cr3, uint64_t user_cr3)
{
	percpu0.kernel_cr3 = kernel_cr3;
	percpu0.user_cr3 = user_cr3;
}
void arch_poweroff(unsigned code) __attribute__((noreturn));

/* entry.S */
void context_switch(uint64_t *save_ksp, uint64_t new_ksp);
void context_restore(uint64_t new_ksp) __attribute__((noreturn));
void resume_user(void);                   /* see wait_block_final */
void resume_fault(void);                  /* see wait_block_fault */
void trap_return(void);
extern char trap_vectors[];               /* 256 stubs of TRAP_STUB_SIZE bytes */
void syscall_entry(void);
/* KPTI: load user_cr3 (a flushing value: its PCID's entries go) and then
 * kernel_cr3, from code both tables map.  Interrupts must be off. */
void kpti_flush_user_pcid(uint64_t user_cr3, uint64_t kernel_cr3);
#define TRAP_STUB_SIZE 16

/* usercopy.S: a copy that may fault on user pages; 0 or E_FAULT. */
long user_copy(void *dst, const void *src, size_t n);
extern char user_copy_may_fault[], user_copy_may_fault_end[], user_copy_fixup[];

/* C handlers called from entry.S. */
void trap_dispatch(struct trap_frame *f);
void syscall_dispatch(struct trap_frame *f);

#endif
