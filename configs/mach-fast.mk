# Mach-style ports with direct switch and the fast path: a small message to
# a receiver already waiting on an empty port goes straight into its
# buffer, never through the port's queue.
include configs/mach-ds.mk
ASYNC_FASTPATH  := y
