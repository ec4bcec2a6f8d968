/* System-call stubs for devices (docs/devices.md): I/O ports, device
 * memory, interrupt lines, DMA frames, and the in-kernel NIC. */
#ifndef USER_DEVICE_H
#define USER_DEVICE_H

#include "syscall.h"

/* A capability for [base, base + count) of a DEV_ kind, made from the
 * machine capability or narrowed from a wider one of the same kind. */
static inline long sys_dev_create(uint64_t src, uint64_t kind, uint64_t dest, uint64_t base,
				  uint64_t count)
{
	return syscall6(SYS_DEV_CREATE, src, kind, dest, base, count, 0).err;
}

/* What a device or frames capability names: kind, base, count. */
static inline long sys_dev_info(uint64_t slot, uint64_t *kind, uint64_t *base, uint64_t *count)
{
	struct sysret r = syscall6(SYS_DEV_INFO, slot, 0, 0, 0, 0, 0);
	*kind = r.v0;
	*base = r.v1;
	*count = r.v2;
	return r.err;
}

static inline long sys_ioport_allow(uint64_t ports, uint64_t space)
{
	return syscall6(SYS_IOPORT_ALLOW, ports, space, 0, 0, 0, 0).err;
}

/* pages contiguous zeroed frames; *phys gets their physical address. */
static inline long sys_frames_create(uint64_t mem, uint64_t dest, uint64_t pages, uint64_t *phys)
{
	struct sysret r = syscall6(SYS_FRAMES_CREATE, mem, dest, pages, 0, 0, 0);
	*phys = r.err ? 0 : r.v0;
	return r.err;
}

/* Map pages of a frames or device-memory capability, from page first, at va. */
static inline long sys_phys_map(uint64_t slot, uint64_t space, uint64_t va, uint64_t first,
				uint64_t pages, uint64_t flags)
{
	return syscall6(SYS_PHYS_MAP, slot, space, va, first, pages, flags).err;
}

static inline long sys_irq_bind(uint64_t irq, uint64_t notification, uint64_t bits, uint64_t flags)
{
	return syscall6(SYS_IRQ_BIND, irq, notification, bits, flags, 0, 0).err;
}

static inline long sys_irq_ack(uint64_t irq)
{
	return syscall6(SYS_IRQ_ACK, irq, 0, 0, 0, 0, 0).err;
}

/* Port I/O, for a space that was given the ports. */
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port) { uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

#endif
