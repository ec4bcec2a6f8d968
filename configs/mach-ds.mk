# Mach-style ports with direct process switch on call and reply.
include configs/mach.mk
DIRECT_SWITCH   := y
