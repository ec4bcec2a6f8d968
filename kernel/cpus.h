/* The processors the firmware lists in the ACPI MADT.  Layouts: ACPI 6.5
 * sections 5.2.5 (RSDP), 5.2.7-8 (RSDT, XSDT) and 5.2.12 (MADT).  ipclab runs
 * on one CPU; the others are only counted, to say in the banner that they sit
 * unused.  There is no MP-table fallback: x86_64 firmware has ACPI, and the
 * MP table SeaBIOS builds lists one processor per socket, not every core. */
#ifndef KERNEL_CPUS_H
#define KERNEL_CPUS_H

#include "bootinfo.h"

#define CPUS_MAX 64                   /* APIC ids kept; more are only counted */

struct cpu_list {
	const char *source;           /* "ACPI MADT", or NULL: none usable */
	const char *problem;          /* why a table that was found was ignored, or NULL */
	unsigned n;                   /* enabled processors listed */
	uint32_t apic_id[CPUS_MAX];   /* the first CPUS_MAX of their APIC ids */
};

/* Find the firmware's processor list through phys, which maps physical
 * memory (NULL for a range it cannot map).  Never trusts a length, a pointer
 * or a checksum in the tables: a bad one gives problem, not a fault. */
void cpus_find(boot_phys_fn phys, struct cpu_list *out);

#endif
