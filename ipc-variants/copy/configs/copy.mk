# Copy-style: synchronous rendezvous as l4 (direct process switch, lazy ready
# queues, timeouts as a 0/infinite flag), but messages of up to 4 KiB in user
# memory, copied once by the kernel from the sender's buffer straight into
# the receiver's (QNX MsgSend, L4 long IPC): no kernel buffer.
IPC             := copy
DIRECT_SWITCH   := y
SCHED_QUEUES    := lazy
TIMEOUTS        := flag
MSG_REGS        := 8
ASYNC_QUEUE_LEN := 16
ASYNC_MSG_MAX   := 64
