# Mach-style ports with a call made of two system calls, as Mach's
# msg_send then msg_receive (and the server's reply then receive): the rung
# below mach, whose call and reply_recv are one system call each.
include configs/mach.mk
ASYNC_RPC       := split
