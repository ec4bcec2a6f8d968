/* Device capabilities: I/O ports, device memory, interrupt lines and DMA
 * frames.  Mechanisms only: which device sits where and what to do with it
 * is the business of user space (or of an in-kernel driver built with
 * E1000_IN_KERNEL=y).  docs/devices.md is the prose. */
#ifndef KERNEL_DEVICE_H
#define KERNEL_DEVICE_H

#include "kernel.h"
#include "bootinfo.h"

/* OBJ_IOPORT (ports), OBJ_DEVMEM (bytes, page multiples), OBJ_IRQ (lines). */
struct devrange {
	struct kobj obj;
	uint64_t base, count;
};

/* OBJ_FRAMES: physically contiguous zeroed frames, freed with the object. */
struct frames {
	struct kobj obj;
	paddr_t base;
	uint64_t pages;
	struct memory *pool;     /* charged for them; refunded when they are freed */
};

/* Remember where RAM is (never mappable as device memory) and set up the
 * I/O APIC with every line masked. */
void device_init(const struct boot_range *ram, unsigned n);
/* An interrupt arrived on gsi (trap.c): mask the line, acknowledge the
 * local APIC, signal its handler.  The line stays masked until acknowledged. */
void irq_deliver(unsigned gsi);
/* A space goes: its I/O bitmap and its borrowed references with it. */
void device_space_release(struct space *s);
/* The last reference to a device object is gone. */
void device_release(struct kobj *o);

int sys_dev_create(struct trap_frame *f);
int sys_dev_info(struct trap_frame *f);
int sys_ioport_allow(struct trap_frame *f);
int sys_frames_create(struct trap_frame *f);
int sys_phys_map(struct trap_frame *f);
int sys_irq_bind(struct trap_frame *f);
int sys_irq_ack(struct trap_frame *f);
int sys_nic(struct trap_frame *f);

/* For in-kernel drivers: bind a one-line IRQ object to a kernel handler
 * (called at interrupt time with the line masked), acknowledge it (unmask),
 * unbind it.  Same semantics as SYS_IRQ_BIND / SYS_IRQ_ACK. */
int irq_bind_kernel(struct devrange *irq, void (*handler)(void *arg), void *arg, unsigned flags);
int irq_ack_line(struct devrange *irq);
void irq_unbind(struct devrange *irq);
/* May device memory at [pa, pa + len) be mapped by a driver?  Not RAM, not
 * below 1 MiB, not the APICs the kernel drives. */
bool devmem_mappable(paddr_t pa, uint64_t len);

/* The in-kernel e1000 (kernel/drivers/e1000/), present with E1000_IN_KERNEL=y. */
int knic_syscall(struct trap_frame *f);

#endif
