# Async on top of sync: the l4 kernel, and the async API as a user library
# (ipc-variants/asyncsync/): send-and-continue into a bounded queue of the
# sender's space, delivered by helper threads with l4 IPC.
include configs/l4.mk
IPC_LIB         := asyncsync
