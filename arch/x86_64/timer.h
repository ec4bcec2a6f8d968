/* The tick: the local APIC timer, calibrated against the PIT. */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include "types.h"

#define TIMER_VECTOR 32
#define SPURIOUS_VECTOR 255
#define TICK_HZ_DEFAULT 100
#define TICK_HZ_MIN 10
#define TICK_HZ_MAX 10000

/* Mask the legacy PICs, enable the local APIC, start the periodic tick at
 * hz ticks per second (TICK_HZ_MIN..TICK_HZ_MAX). */
void timer_init(unsigned hz);
/* Acknowledge the interrupt being handled. */
void timer_eoi(void);
/* TSC ticks per millisecond, measured against the PIT at boot. */
extern uint64_t tsc_khz;
/* The tick rate timer_init started. */
extern unsigned tick_hz;

#endif
