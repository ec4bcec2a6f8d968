# Async on top of sync: the l4 kernel, and the async API as a user library
# (ipc-variants/asyncsync/): send-and-continue into a bounded queue of the
# sender's space, delivered by helper threads with l4 IPC.
IPC             := sync
DIRECT_SWITCH   := y
SCHED_QUEUES    := lazy
TIMEOUTS        := flag
MSG_REGS        := 8
ASYNC_QUEUE_LEN := 16
ASYNC_MSG_MAX   := 64
IPC_LIB         := asyncsync
