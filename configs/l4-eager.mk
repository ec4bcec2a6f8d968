# L4 with eager ready queues: every block and wake edits the queue.
include configs/l4.mk
SCHED_QUEUES    := eager
