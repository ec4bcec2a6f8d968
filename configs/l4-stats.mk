# L4 with the fast-path hit counters compiled in (SYS_IPC_STATS): shows how
# often call and reply_recv take the fast path, at the price of counting.
include configs/l4.mk
FASTPATH_STATS  := y
