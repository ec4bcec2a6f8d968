# Mach-style: asynchronous buffered IPC through ports with bounded kernel
# queues (copy in, copy out), no direct switch, eager ready queues, timeouts
# in ticks.  Messages of up to 4 KiB, so that the benchmarks' bulk sizes
# (256 B, 1 KiB, 4 KiB) are copied here too.
IPC             := async
DIRECT_SWITCH   := n
SCHED_QUEUES    := eager
TIMEOUTS        := ticks
MSG_REGS        := 8
ASYNC_QUEUE_LEN := 16
ASYNC_MSG_MAX   := 4096
