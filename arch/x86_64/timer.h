/* The tick: the local APIC timer, calibrated against the PIT. */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include "types.h"

#define TIMER_VECTOR 32
#define SPURIOUS_VECTOR 255
#define TICK_HZ 100

/* Mask the legacy PICs, enable the local APIC, start the periodic tick. */
void timer_init(void);
/* Acknowledge the interrupt being handled. */
void timer_eoi(void);
/* TSC ticks per millisecond, measured against the PIT at boot. */
extern uint64_t tsc_khz;

#endif
