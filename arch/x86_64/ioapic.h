/* The I/O APIC: routes a global system interrupt (GSI) to a vector of the
 * local APIC.  kernel/device.c hands its lines out as IRQ capabilities. */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include "types.h"

#define IOAPIC_PHYS 0xFEC00000ul   /* assumed, not read from the ACPI MADT */
#define IRQ_VECTOR_BASE 48         /* GSI g arrives at vector IRQ_VECTOR_BASE + g */
#define IRQ_LINES_MAX 64           /* lines the kernel will route */

/* Map the I/O APIC and mask every line; returns how many lines it has
 * (0: none answered at IOAPIC_PHYS). */
unsigned ioapic_init(void);
/* Lines the I/O APIC has (after ioapic_init). */
unsigned ioapic_lines(void);
/* Route gsi to its vector on this CPU, masked; level/active_low as the
 * device signals. */
void ioapic_route(unsigned gsi, bool level, bool active_low);
void ioapic_mask(unsigned gsi);
void ioapic_unmask(unsigned gsi);

#endif
