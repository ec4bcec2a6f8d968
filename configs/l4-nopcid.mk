# L4 without PCID: every cr3 load empties the TLB's non-global entries.
# Beside l4 it isolates what tagged TLB entries save, which only model
# cycles show (the instructions hardly differ; QEMU's TCG CPU has no PCID).
include configs/l4.mk
PCID            := n
