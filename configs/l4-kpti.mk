# L4 with KPTI: user page tables that map only the kernel's entry
# trampoline, and a cr3 switch on every kernel entry and exit.
include configs/l4.mk
KPTI            := kpti
