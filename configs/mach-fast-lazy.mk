# The fast Mach-style kernel with L4's lazy ready queues: a thread that
# blocks in IPC stays queued until the scheduler meets it, so a direct
# switch costs no queue edits.
include configs/mach-fast.mk
SCHED_QUEUES    := lazy
