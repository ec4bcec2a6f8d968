/* A client of the e1000 driver (include/ipclab/nic.h): its requests checked
 * and carried out on the driver core.  Shared by both builds; waiting for
 * an interrupt is each build's own business. */
#ifndef E1000_NICPORT_H
#define E1000_NICPORT_H

#include "e1000.h"

struct nic_port {
	struct e1000 hw;
	volatile struct nic_shared *shared;  /* page 0 of the client's region, as we see it */
	uint64_t region_pa, region_size;
	uint64_t interrupts, overruns;
};

/* Reset the device and start it for a client whose region is mapped at
 * region (physical region_pa, region_size bytes); ring: one page of DMA
 * memory for the descriptor rings; flags: NIC_LOOPBACK, NIC_ITR_SHIFT.
 * Returns an ipc_err (E_INVAL: the region is too small; E_DEAD: the
 * device does not answer). */
int nic_port_start(struct nic_port *p, volatile void *regs, void *ring, uint64_t ring_pa,
		   void *region, uint64_t region_pa, uint64_t region_size, uint32_t flags);
/* NIC_XFER without waiting: out[0] first rx slot, out[1] rx count, out[2]
 * transmits done. */
int nic_xfer(struct nic_port *p, uint64_t tx_count, uint64_t rx_max, uint64_t out[3]);
/* NIC_INFO and NIC_STATS. */
void nic_info(struct nic_port *p, uint64_t out[3]);
void nic_stats(struct nic_port *p, uint64_t out[3]);
/* NIC_LINK: start negotiating; the link is up again when nic_link_up says
 * so (wait for the interrupt in between).  E_DEAD: the PHY does not answer. */
int nic_link_restart(struct nic_port *p);
bool nic_link_up(struct nic_port *p);
/* Before waiting for an interrupt: clear the device's causes (its line goes
 * down); true if a frame came in meanwhile (then do not wait). */
bool nic_prepare_wait(struct nic_port *p);

#endif
