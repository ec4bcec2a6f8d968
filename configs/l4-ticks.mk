# L4 with timeouts in ticks instead of the 0/infinite flag.
include configs/l4.mk
TIMEOUTS        := ticks
