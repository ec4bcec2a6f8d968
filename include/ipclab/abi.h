/* ipclab system-call ABI: the one header kernel and user space share.
 *
 * Entry: `syscall` with the call number in rax and arguments in rdi, rsi, rdx,
 * r10, r8, r9 (rcx and r11 are clobbered by the instruction itself).
 * Exit: rax holds an ipc_err (IPC_OK or an error); calls that return values
 * put them in rdi, rsi, rdx in that order.  docs/abi.md is the prose. */
#ifndef IPCLAB_ABI_H
#define IPCLAB_ABI_H

/* Constants here are usable from assembly too; _UL marks 64-bit ones. */
#ifdef __ASSEMBLY__
#define _UL(x) x
#else
#define _UL(x) x##ul
#endif

/* System-call numbers. */
#define SYS_NULL 0            /* does nothing: the floor */
#define SYS_CONSOLE_WRITE 1   /* (console slot, buf, len) */
#define SYS_POWEROFF 2        /* (machine slot, status) */
#define SYS_YIELD 3           /* () */
#define SYS_EXIT 4            /* (code): end the calling thread */
#define SYS_SPACE_CREATE 5    /* (dest slot) */
#define SYS_MAP 6             /* (memory slot, space slot, vaddr, pages, MAP_ flags) */
#define SYS_MODULE_LOAD 7     /* (module slot, space slot, memory slot, args, len) -> entry, stack */
#define SYS_THREAD_CREATE 8   /* (space slot, dest slot, entry, stack, arg, priority) */
#define SYS_THREAD_JOIN 9     /* (thread slot) -> how, code, address */
#define SYS_CAP_COPY 10       /* (src slot, dest space slot, dest slot, rights mask, badge) */
#define SYS_CAP_DELETE 11     /* (slot) */
#define SYS_SPACE_SWITCH 12   /* (space slot): load its page tables, then ours again */
#define SYS_INFO 13           /* (INFO_ key) -> value */
#define SYS_IPC_CREATE 14     /* (dest slot): an endpoint (sync) or a port (async) */
#define SYS_SEND 15           /* (slot, info, timeout, message...) */
#define SYS_RECV 16           /* (slot, info, timeout) -> badge, info, message */
#define SYS_CALL 17           /* (slot, info, timeout, message...) -> badge, info, reply */
#define SYS_REPLY_RECV 18     /* (slot, info, timeout, reply...) -> badge, info, message */
#define SYS_NOTIFY_CREATE 19  /* (dest slot) */
#define SYS_NOTIFY 20         /* (slot, bits) */
#define SYS_WAIT 21           /* (slot, timeout) -> bits */
#define SYS_IPC_STATS 22      /* (key) -> fast-path counters, where configured */
#define SYS_CHECK 23          /* (1: also list the threads) -> IPC_OK or E_INVAL: invariants hold */
/* Devices (kernel/device.c, docs/devices.md): mechanisms only. */
#define SYS_DEV_CREATE 24     /* (src slot, DEV_ kind, dest slot, base, count) */
#define SYS_DEV_INFO 25       /* (slot) -> DEV_ kind, base, count */
#define SYS_IOPORT_ALLOW 26   /* (I/O-port slot, space slot): the ports, to that space */
#define SYS_FRAMES_CREATE 27  /* (memory slot, dest slot, pages) -> physical address */
#define SYS_PHYS_MAP 28       /* (frames or device-memory slot, space slot, vaddr, first page, pages, MAP_ flags) */
#define SYS_IRQ_BIND 29       /* (IRQ slot, notification slot, bits, IRQ_ flags) */
#define SYS_IRQ_ACK 30        /* (IRQ slot): unmask the line again */
#define SYS_NIC 31            /* (frames slot, NIC_ op, ...): the in-kernel e1000 driver */
#define SYS_THREAD_PAGER 32   /* (thread slot, IPC slot or 0): its page faults become calls there */
#define SYS_COUNT 33

/* Sync IPC (L4-style): message word i travels in register IPC_MR<i>, in
 * both directions, and never in memory.  Async IPC (Mach-style): r8 holds a
 * user buffer that is copied into the port's queue and out of it. */
#define IPC_MR_REGS "r8 r9 r10 r12 r13 r14 r15 rbx"

/* IPC timeouts, in timer ticks: 0 fails at once, TIMEOUT_FOREVER never
 * expires.  Variants with TIMEOUTS=flag accept only these two. */
#define TIMEOUT_NONE 0
#define TIMEOUT_FOREVER _UL(0xffffffffffffffff)

/* The IPC info word (rsi): the message length in bytes, bits 0..15; async
 * receives put the buffer's capacity in bits 16..31. */
#define IPC_LEN_MASK 0xffff
#define IPC_CAP_SHIFT 16

/* Async only, for a call made of two system calls (ASYNC_RPC=split, Mach's
 * msg_send then msg_receive): SYS_SEND with IPC_SEND_REPLY in the info word
 * carries the caller's implicit reply port, as SYS_CALL's request does;
 * IPC_SLOT_REPLY as the slot names that reply port to SYS_RECV (the reply
 * of the caller's last such send) and the right to answer the last request
 * received to SYS_SEND (the reply, never blocking). */
#define IPC_SEND_REPLY _UL(0x100000000)
#define IPC_SLOT_REPLY _UL(0xffffffff)

#ifndef __ASSEMBLY__
/* Errors: every call returns one of these in rax. */
enum ipc_err {
	IPC_OK = 0,
	E_INVAL = 1,      /* an argument is out of range */
	E_BADCAP = 2,     /* the slot is empty, out of range or of the wrong type */
	E_RIGHTS = 3,     /* the capability lacks a needed right */
	E_FAULT = 4,      /* a user pointer is unmapped, not user or not writable */
	E_NOMEM = 5,      /* out of frames or memory quota */
	E_EXISTS = 6,     /* the destination slot or page is already in use */
	E_NOSYS = 7,      /* no such system call */
	E_BADELF = 8,     /* a module image is not a loadable ELF64 user program */
	E_DEAD = 9,       /* the partner or object has died or been destroyed */
	E_TIMEOUT = 10,   /* the timeout expired (0 = at once) */
	E_FULL = 11,      /* a queue is full */
	E_TOOBIG = 12,    /* a message is larger than the variant allows */
	E_ERR_COUNT
};
#endif

/* Capability rights. */
#define RIGHT_READ   0x1u   /* console: (unused); memory: map readable */
#define RIGHT_WRITE  0x2u   /* console: write; memory: map writable */
#define RIGHT_SEND   0x4u
#define RIGHT_RECV   0x8u
#define RIGHT_CONTROL 0x10u /* create threads in a space, power off, join;
                             * deleting it destroys an endpoint, port or
                             * notification (waiters get E_DEAD) */
#define RIGHTS_ALL   0x1fu

/* SYS_MAP flags. */
#define MAP_WRITE 0x1u
#define MAP_EXEC  0x2u

/* Device capabilities (SYS_DEV_CREATE, SYS_DEV_INFO): each names a range. */
#define DEV_IOPORT 1u   /* I/O ports: base port, count */
#define DEV_MMIO   2u   /* device memory: physical address, bytes (page multiples) */
#define DEV_IRQ    3u   /* I/O APIC lines (global system interrupts): first, count */
#define DEV_FRAMES 4u   /* SYS_DEV_INFO only: DMA frames, physical address and bytes */

/* SYS_IRQ_BIND flags: how the line signals (PCI: level, active low). */
#define IRQ_LEVEL      0x1u
#define IRQ_ACTIVE_LOW 0x2u

/* A page fault of a thread with a pager (SYS_THREAD_PAGER) is a call the
 * kernel makes on the thread's behalf, with the badge of the pager
 * capability, of these words (as many as the variant's messages hold): */
#define FAULT_MSG_ADDR   0  /* the faulting address */
#define FAULT_MSG_ACCESS 1  /* the #PF error code: bit 0 protection, 1 write, 2 user, 4 fetch */
#define FAULT_MSG_RIP    2  /* the faulting instruction */
#define FAULT_MSG_WORDS  3
/* The pager's reply: first word FAULT_RESUME runs the instruction again;
 * FAULT_RESUME_AT with a second word resumes there instead (a user address:
 * the pager stepped over the instruction, as a debugger or an emulator
 * would); any other reply stops the thread as a fault with no pager would. */
#define FAULT_RESUME    0
#define FAULT_RESUME_AT 2
#define FAULT_REPLY_RIP 1   /* FAULT_RESUME_AT: the word with the instruction to run */

/* SYS_THREAD_JOIN: how a thread ended (returned in rdi). */
#define JOIN_EXITED  0u   /* rsi = exit code */
#define JOIN_FAULTED 1u   /* rsi = exception vector, rdx = faulting address */
#define JOIN_KILLED  2u   /* its space was destroyed (SYS_CAP_DELETE of the creator's cap) */

/* SYS_INFO keys. */
#define INFO_TICKS      0u  /* timer ticks since boot */
#define INFO_TICK_HZ    1u  /* timer ticks per second */
#define INFO_TSC_KHZ    2u  /* TSC frequency measured against the PIT */
#define INFO_THREAD_ID  3u  /* the caller's thread id */
#define INFO_FREE_FRAMES 4u /* frames left in the global allocator */
#define INFO_MSG_MAX    5u  /* the largest IPC message, in bytes */
#define INFO_NOMEM      6u  /* the caller's last E_NOMEM: NOMEM_ kind, frames asked, frames free */

/* INFO_NOMEM: what ran short when a call of this thread last returned E_NOMEM. */
#define NOMEM_NONE     0u  /* no E_NOMEM yet */
#define NOMEM_QUOTA    1u  /* the memory capability's quota */
#define NOMEM_FRAMES   2u  /* the kernel's free frames (kernel objects and page tables too) */
#define NOMEM_BORROWED 3u  /* a space's table of borrowed mappings (SPACE_BORROWED_MAX) */
#define NOMEM_CONTIGUOUS 4u /* enough free frames, not enough in a row: free = the longest run */

/* Exception vectors reported by SYS_THREAD_JOIN. */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14

/* The capability slots every program starts with (slot 0 is always empty). */
#define SLOT_CONSOLE   1
#define SLOT_SELF      2  /* the program's own address space */
#define SLOT_MEMORY    3  /* a pool of frames to map */
#define SLOT_MACHINE   4  /* root only: power off */
#define SLOT_SELF_IMAGE 5 /* the program's own boot module image, where given */
#define SLOT_MODULE0   8  /* root only: boot module i (i >= 1) is in SLOT_MODULE0 + i - 1 */
/* What the root task gives the device modules (devtest, e1000, netbench). */
#define SLOT_DEV_PORTS 24 /* I/O ports 0xCF8..0xCFF: PCI configuration */
#define SLOT_DEV_MMIO  25 /* device memory: the PCI memory window */
#define SLOT_DEV_IRQS  26 /* the I/O APIC's interrupt lines */
#define SLOT_DEV_DRIVER 27 /* netbench only: the e1000 driver's boot module */
/* Supervised servers (serve= on the kernel command line, docs/abi.md): a
 * server receives on SLOT_SERVICE; a run= module finds the k-th server of
 * serve= at SLOT_SERVICE + k (send right only).  The endpoint or port
 * belongs to the root task and outlives every instance of the server. */
#define SLOT_SERVICE   28
#define SERVICES_MAX   4  /* SLOT_SERVICE .. SLOT_SERVICE + 3 */
#define SLOT_FREE      32 /* first slot a program may use freely */
#define CAP_SLOTS      256

/* The user address-space layout. */
#define USER_START_INFO _UL(0x10000)         /* struct start_info, read-only */
#define USER_START_INFO_PAGES 2              /* its size, rounded up to pages */
#define USER_IMAGE_BASE _UL(0x400000)        /* where modules are linked */
#define USER_STACK_TOP  _UL(0x7ffffff00000)  /* the first thread's stack grows down */
#define USER_STACK_PAGES 16
#define USER_TOP        _UL(0x800000000000)  /* first non-user address */

/* The argument string: the kernel command line holds up to 4096 bytes, and
 * the NUL.  The root task gets boot modules 1..START_MODULES_MAX, in
 * SLOT_MODULE0 .. SLOT_DEV_PORTS - 1. */
#define START_ARGS_MAX 4097
#define START_MODULES_MAX 16
#define MODULE_NAME_MAX 32

#ifndef __ASSEMBLY__
/* What a program finds at USER_START_INFO when its first thread starts. */
struct start_module {
	char name[MODULE_NAME_MAX];   /* first word of the module's command line */
	unsigned long size;           /* image size in bytes */
};

struct start_info {
	char args[START_ARGS_MAX];            /* NUL-terminated argument string */
	unsigned long nmodules;               /* root only: boot modules after the root */
	struct start_module modules[START_MODULES_MAX];
};
#endif

/* isa-debug-exit codes written by SYS_POWEROFF and the kernel: QEMU exits with
 * status (code << 1) | 1. */
#define EXIT_PASS  0x10   /* QEMU status 33 */
#define EXIT_FAIL  0x11   /* QEMU status 35 */
#define EXIT_PANIC 0x12   /* QEMU status 37: the kernel itself failed */

#endif
