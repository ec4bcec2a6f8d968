/* Exceptions and interrupts: user faults stop the thread, kernel faults stop
 * the machine with a register dump, the timer drives the scheduler. */
#include "kernel.h"
#include "timer.h"
#include "ioapic.h"
#include "device.h"

void kernel_fault(const struct trap_frame *f)
{
	kprintf("ipclab: KERNEL FAULT: vector %lu error %lx cr2 %p\n", f->vector, f->error,
		(void *)read_cr2());
	kprintf("  rip %016lx cs %lx rflags %lx rsp %016lx ss %lx\n", f->rip, f->cs, f->rflags,
		f->rsp, f->ss);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	kprintf("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx cr3 %016lx\n", f->r13, f->r14, f->r15, read_cr3());
	panic("kernel fault");
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == TIMER_VECTOR) {
		timer_eoi();
		sched_tick();
		return;
	}
	if (f->vector < 32) {
		if ((f->cs & 3) == 3) {
			thread_fault(f);             /* stops the thread, or its pager mended it */
			return;
		}
		if (f->vector == VEC_PF && f->rip >= (uint64_t)user_copy_may_fault &&
		    f->rip < (uint64_t)user_copy_may_fault_end) {
			f->rip = (uint64_t)user_copy_fixup;   /* a bad user pointer: E_FAULT */
			return;
		}
		kernel_fault(f);
	}
	if (f->vector >= IRQ_VECTOR_BASE && f->vector < IRQ_VECTOR_BASE + IRQ_LINES_MAX) {
		irq_deliver(f->vector - IRQ_VECTOR_BASE);   /* kernel/device.c */
		return;
	}
	if (f->vector != SPURIOUS_VECTOR) {
		kprintf("ipclab: unexpected interrupt %lu ignored\n", f->vector);
		timer_eoi();
	}
}
