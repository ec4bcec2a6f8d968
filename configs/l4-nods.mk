# L4 without direct process switch: a rendezvous makes the partner ready and
# runs the scheduler.  Isolates the cost of direct switch.
include configs/l4.mk
DIRECT_SWITCH   := n
