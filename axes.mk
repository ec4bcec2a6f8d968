# The axes: the one list of them.  The Makefile checks every value and writes
# config.h from it (the constants, CONFIG_AXES for the banner, CONFIG_AXES_JSON
# for the benchmarks' results); the harness reads it for the technique names
# of the report (harness/report.py) and the combinations of make test-axes
# (harness/axes.py).  Adding an axis is adding its lines here (docs/variants.md,
# "Adding an axis"); the code then reads its constant.
#
# Per axis, <AXIS>.<field> := value:
#   kind     flag (y or n: CONFIG_<AXIS> is 1 or 0), choice (one of .values:
#            CONFIG_<.c>_<VALUE> is 1 for the value chosen, 0 for the others, and
#            CONFIG_<AXIS>_NAME is the value as a string), or range (a number
#            .values = "from to": CONFIG_<AXIS> is the number)
#   values   see kind; $(MODELS) are the folders of ipc-variants/
#   c        the prefix of a choice's constants (default: the axis's name)
#   default  the value when neither the preset nor the command line gives one
#            (without it every preset must set the axis)
#   about    what the axis is, as a technique: the report's name for it
#   test     how make test-axes covers it: cross (every value with every other
#            crossed axis), or the values it takes in turn with each model
#   letter   its letter in a test-axes combination's name (short: the kernel
#            keeps 64 bytes of a module's command line)

AXES := IPC DIRECT_SWITCH SCHED_QUEUES TIMEOUTS MSG_REGS ASYNC_QUEUE_LEN ASYNC_MSG_MAX \
        ASYNC_FASTPATH KPTI PCID ASYNC_RPC FASTPATH_STATS E1000_IN_KERNEL IPC_LIB BREAK_COPY

IPC.kind                := choice
IPC.values              := $(MODELS)
IPC.about               := The IPC model
IPC.test                := cross

DIRECT_SWITCH.kind      := flag
DIRECT_SWITCH.about     := Direct process switch on/off
DIRECT_SWITCH.test      := cross

SCHED_QUEUES.kind       := choice
SCHED_QUEUES.values     := lazy eager benno
SCHED_QUEUES.c          := SCHED
SCHED_QUEUES.about      := Lazy vs eager vs Benno ready queues
SCHED_QUEUES.test       := cross

TIMEOUTS.kind           := choice
TIMEOUTS.values         := flag ticks
TIMEOUTS.c              := TIMEOUT
TIMEOUTS.about          := Flag vs tick timeouts
TIMEOUTS.test           := cross

MSG_REGS.kind           := range
MSG_REGS.values         := 1 8
MSG_REGS.about          := Message registers
MSG_REGS.test           := 1 4 8
MSG_REGS.letter         := r

ASYNC_QUEUE_LEN.kind    := range
ASYNC_QUEUE_LEN.values  := 1 1024
ASYNC_QUEUE_LEN.about   := Port queue length
ASYNC_QUEUE_LEN.test    := 1 1024
ASYNC_QUEUE_LEN.letter  := q

ASYNC_MSG_MAX.kind      := range
ASYNC_MSG_MAX.values    := 8 4096
ASYNC_MSG_MAX.about     := Largest port message
ASYNC_MSG_MAX.test      := 8 4096
ASYNC_MSG_MAX.letter    := m

# Async model: y puts a small message straight into the buffer of a receiver
# already waiting on an empty port (ipc-variants/async, docs/variants.md).
ASYNC_FASTPATH.kind     := flag
ASYNC_FASTPATH.default  := n
ASYNC_FASTPATH.about    := Async fast path (straight into a waiting receiver) off/on
ASYNC_FASTPATH.test     := n y
ASYNC_FASTPATH.letter   := f

# Async model: a call and a reply_recv as one system call each (combined,
# mach_msg's send + receive) or two (split, msg_send then msg_receive); the
# kernel takes both, the axis says which user/lib/ipc.h makes.
ASYNC_RPC.kind          := choice
ASYNC_RPC.values        := combined split
ASYNC_RPC.default       := combined
ASYNC_RPC.about         := Async call and reply_recv as one system call or two (split)
ASYNC_RPC.test          := combined split
ASYNC_RPC.letter        := c

# y: the fast path counts its hits and misses (SYS_IPC_STATS).
FASTPATH_STATS.kind     := flag
FASTPATH_STATS.default  := n
FASTPATH_STATS.about    := Fast-path hit counters off/on

# y: the e1000 driver core is also linked into the kernel (SYS_NIC).
E1000_IN_KERNEL.kind    := flag
E1000_IN_KERNEL.default := n
E1000_IN_KERNEL.about   := In-kernel e1000 driver linked in

# A model that is a user library over the kernel's IPC (none: the kernel's
# own): ipc-variants/<lib>/ is built into libuser.a and gives the IPC API
# (docs/variants.md, async on top of sync).  Covered by its preset, l4-async.
IPC_LIB.kind            := choice
IPC_LIB.values          := none asyncsync
IPC_LIB.default         := none
IPC_LIB.about           := The kernel's IPC vs an async library over it (helper threads)

# kpti: user page tables that map only the kernel's entry trampoline, and a
# cr3 switch on every kernel entry and exit (docs/variants.md, KPTI and PCID).
KPTI.kind               := choice
KPTI.values             := none kpti
KPTI.default            := none
KPTI.about              := Kernel page-table isolation off/on (user tables map only the entry trampoline)
KPTI.test               := none kpti
KPTI.letter             := k

# y: tag TLB entries with a PCID per space where the CPU has PCID; n: never.
PCID.kind               := flag
PCID.default            := y
PCID.about              := Tagged TLB entries (PCID) used/not used
PCID.test               := y n
PCID.letter             := p

# Test only (make test, harness.testrun): y breaks one message word's copy in
# the IPC model, so that the benchmarks' data checks must fail.  Never in a
# preset (the Makefile refuses it there).
BREAK_COPY.kind         := flag
BREAK_COPY.default      := n
BREAK_COPY.about        := Broken copy (a test of the tests)
