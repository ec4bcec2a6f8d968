/* The NIC client interface: what a client and the e1000 driver share,
 * whether the driver is the user-level server (bench/e1000, reached by IPC)
 * or built into the kernel (E1000_IN_KERNEL=y, reached by SYS_NIC).  The
 * requests, their arguments and their errors are the same in both; docs/
 * e1000.md is the prose.
 *
 * A client owns a region of DMA frames (SYS_FRAMES_CREATE) that it shares
 * with the driver: page 0 holds the transmit requests and the receive
 * results, then come NIC_SLOTS receive buffers of NIC_BUF_SIZE bytes (the
 * driver's; the device writes them), then the client's own buffers, from
 * which it transmits.  Nothing is copied: the device reads and writes the
 * region directly. */
#ifndef IPCLAB_NIC_H
#define IPCLAB_NIC_H

#include <stdint.h>

#define NIC_SLOTS 64                       /* transmit and receive ring slots */
#define NIC_BUF_SIZE 2048
#define NIC_FRAME_MIN 14                   /* an Ethernet header; the device pads to 60 */
#define NIC_FRAME_MAX 1514                 /* no VLAN tag, no FCS */
#define NIC_RX_AREA 4096u                  /* receive buffer i: NIC_RX_AREA + i * NIC_BUF_SIZE */
#define NIC_TX_AREA (NIC_RX_AREA + NIC_SLOTS * NIC_BUF_SIZE)   /* transmits come from here on */
#define NIC_REGION_PAGES (NIC_TX_AREA / 4096 + NIC_SLOTS * NIC_BUF_SIZE / 4096)

/* One transmit: len bytes at offset (>= NIC_TX_AREA) of the region. */
struct nic_txreq {
	uint32_t offset, len;
};

/* One received frame, in receive buffer i: its length and the device's
 * status and error bits. */
struct nic_rxinfo {
	uint16_t len;
	uint8_t status, errors;
	uint32_t reserved;
};

/* The doorbell transport's mailbox (user-level driver): one request at a
 * time.  The client writes op and arg, then req_seq (one more than
 * before), and signals NIC_BELL_REQUEST on the driver's doorbell; the
 * driver writes err and out, then done_seq = req_seq, and signals the
 * client's notification if client_waiting is set.  A client that finds
 * done_seq behind sets client_waiting, looks again, and waits. */
struct nic_mailbox {
	uint64_t req_seq, op, arg[3];          /* the client writes */
	uint64_t done_seq, err, out[3];        /* the driver writes */
	uint64_t client_waiting;               /* the client writes */
};

/* Page 0 of the region.  Transmit slot i is used in ring order: the k-th
 * frame a client ever transmits is in tx[k % NIC_SLOTS]. */
struct nic_shared {
	struct nic_txreq tx[NIC_SLOTS];        /* the client writes, then NIC_XFER */
	struct nic_rxinfo rx[NIC_SLOTS];       /* the driver writes before it answers */
	struct nic_mailbox mailbox;            /* the doorbell transport's requests */
};

/* Requests.  User-level driver: an IPC call on its endpoint with message
 * word 0 = the request and words 1..3 its arguments; the answer's word 0
 * is an ipc_err and words 1..3 the results.  Or (started with bell=1) the
 * same through the mailbox and two notifications, which costs Mach-style
 * IPC much less than a message each way.  In-kernel driver: SYS_NIC with
 * rdi = the region's frames slot, rsi = the request, rdx, r10, r8 = the
 * arguments; rax = the error, rdi, rsi, rdx = the results. */
#define NIC_INFO   1u   /* -> MAC address (6 bytes, little-endian), link up, interrupts */
#define NIC_XFER   2u   /* (tx count, rx max, wait) -> rx first slot, rx count, tx done */
#define NIC_STATS  3u   /* -> interrupts, receive overruns, frames the device missed */
#define NIC_STOP   4u   /* stop the device; the user-level driver then exits */
#define NIC_ATTACH 5u   /* in-kernel only: (device-memory slot, IRQ slot, NIC_ flags) */
#define NIC_LINK   6u   /* negotiate the link again; answers once it is up */

/* NIC_XFER: first the frames of the last answer go back to the device;
 * then tx count frames from the next transmit slots are queued (all or
 * none: E_FULL if the ring has no room, E_INVAL for a length below
 * NIC_FRAME_MIN, E_TOOBIG above NIC_FRAME_MAX, E_FAULT for bytes outside
 * the client's buffers); then up to rx max received frames are handed over
 * (rx[first], rx[first + 1], ... mod NIC_SLOTS).  With wait != 0 and
 * nothing received it waits for the device's interrupt.  "tx done" counts
 * every transmit completed so far: slot k may be reused once it exceeds k. */

/* NIC_LINK: a client that has just started the driver uses it to wait
 * until the receiver takes frames: QEMU's e1000 drops every frame for one
 * second after its receive control register is written (its "flush queue"
 * timer), and a real link needs as long to come up.  Each negotiation
 * takes QEMU half a second, with the CPU idle. */

/* Attach flags (the user-level driver takes them as loop=, itr= arguments). */
#define NIC_LOOPBACK 0x1u                  /* PHY loopback: frames come back to us */
#define NIC_ITR_SHIFT 16                   /* interrupt throttling, in 256 ns units */

/* Where the user-level driver finds what its client gives it. */
#define NIC_SLOT_REGION 40                 /* the client's region (frames) */
#define NIC_SLOT_EP 41                     /* the endpoint it serves */
#define NIC_SLOT_BELL 42                   /* bell=1: its doorbell (RIGHT_RECV | RIGHT_SEND) */
#define NIC_SLOT_DONE 43                   /* bell=1: the client's notification (RIGHT_SEND) */
#define NIC_BELL_REQUEST 0x1u              /* doorbell bits: a request is in the mailbox */
#define NIC_BELL_IRQ 0x2u                  /* the device interrupted */

#endif
