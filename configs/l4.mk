# L4-style: synchronous register-only IPC, direct process switch, lazy ready
# queues, timeouts as a 0/infinite flag.  The default variant.
IPC             := sync
DIRECT_SWITCH   := y
SCHED_QUEUES    := lazy
TIMEOUTS        := flag
MSG_REGS        := 8
ASYNC_QUEUE_LEN := 16
ASYNC_MSG_MAX   := 64
