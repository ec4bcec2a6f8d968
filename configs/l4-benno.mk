# L4 with Benno scheduling: the running thread and a thread run at once by
# a direct switch are never queued.
include configs/l4.mk
SCHED_QUEUES    := benno
