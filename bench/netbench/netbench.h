/* The e1000 benchmark (docs/e1000.md): one client, the driver built two ways
 * (a user-level server, or in the kernel), frames that carry a sequence
 * number and a checksum that the receiver verifies. */
#ifndef NETBENCH_H
#define NETBENCH_H

#include "ulib.h"
#include "device.h"
#include "ipc.h"
#include <ipclab/nic.h>

/* Capability slots. */
#define S_REGION (SLOT_FREE + 0)   /* our region of DMA frames, shared with the driver */
#define S_EP (SLOT_FREE + 1)       /* the user-level driver's endpoint */
#define S_DSPACE (SLOT_FREE + 2)   /* its space */
#define S_DTHREAD (SLOT_FREE + 3)  /* its thread */
#define S_SOAKER (SLOT_FREE + 4)
#define S_REAPER (SLOT_FREE + 5)
#define S_SOAKNOTE (SLOT_FREE + 6)
#define S_BELL (SLOT_FREE + 7)      /* bell: the driver's doorbell */
#define S_DONE (SLOT_FREE + 8)      /* bell: ours, signalled when the driver answers late */
#define REGION_VA 0x41000000ul

#define DRIVER_PRIO 11              /* the user-level driver, above us (CHILD_PRIO 10) */
#define REAPER_PRIO 12
#define SOAKER_PRIO 1               /* below everything but the kernel's idle thread */

enum build { USER, KERNEL };

/* How the user-level driver gets its requests by default: a message in
 * registers is already the cheapest doorbell there is; a copied one costs
 * a copy into and out of the kernel each way, a notification does not. */
#define BELL_DEFAULT (!IPC_MSG_IN_REGS)

/* The driver in use: which build, and (user) how its last instance ended. */
struct driver {
	enum build build;
	bool bell;                      /* user: requests through the mailbox, not IPC */
	bool running;
	uint64_t how, code;             /* the user-level driver's end (SYS_THREAD_JOIN) */
};

/* driver.c */
extern uint8_t *region;                       /* at REGION_VA */
extern volatile struct nic_shared *shared;
long region_create(uint64_t *phys);
/* Start the driver (extra: more arguments for the user-level one; d->bell
 * says how to reach it). */
long driver_start(struct driver *d, enum build b, uint32_t flags, const char *extra);
/* A request: its error, and out[0..2]. */
long driver_call(struct driver *d, uint64_t op, uint64_t a1, uint64_t a2, uint64_t a3,
		 uint64_t out[3]);
/* NIC_STOP and, for the user-level driver, wait for its end. */
long driver_stop(struct driver *d);
/* Wait for the user-level driver to end by itself (it faulted or exited). */
void driver_wait_end(struct driver *d);

/* frame.c: the frame format (docs/e1000.md) and its checksum. */
#define FRAME_HEADER 40
#define ETHERTYPE 0x88b5                      /* IEEE local experimental */
#define FRAME_MAGIC 0x4c435049u               /* "IPCL" */
struct frame_check {
	uint64_t frames, lost, duplicated, corrupted, reordered;
	uint64_t next_seq;
	uint64_t stride;                      /* sequence numbers expected: 0, stride, ... (>= 1) */
};
/* Fill the payload of a buffer for frames of len bytes (once per case);
 * returns the payload's checksum parts. */
void frame_fill_payload(uint8_t *buf, unsigned len, uint64_t part[2]);
/* Write the header of frame seq into buf (payload already there). */
void frame_write_header(uint8_t *buf, unsigned len, const uint8_t dst[6], const uint8_t src[6],
			unsigned stream, uint64_t seq, const uint64_t payload_part[2]);
/* Check a received frame against the stream and update the counts. */
void frame_check(const uint8_t *buf, unsigned len, unsigned stream, struct frame_check *c);
uint64_t frame_checksum(const uint8_t *buf, unsigned len);

#endif
