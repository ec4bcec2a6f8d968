/* The client requests of include/ipclab/nic.h on top of the driver core:
 * everything a client hands over is checked before the device sees it,
 * and a bad request changes nothing but is answered with an error. */
#include "nicport.h"
#include <ipclab/abi.h>

int nic_port_start(struct nic_port *p, volatile void *regs, void *ring, uint64_t ring_pa,
		   void *region, uint64_t region_pa, uint64_t region_size, uint32_t flags)
{
	if (region_size < (uint64_t)NIC_REGION_PAGES * 4096)
		return E_INVAL;
	p->shared = region;
	p->region_pa = region_pa;
	p->region_size = region_size;
	p->interrupts = p->overruns = 0;
	if (!e1000_reset(&p->hw, regs) || !e1000_loopback(&p->hw, flags & NIC_LOOPBACK))
		return E_DEAD;
	uint64_t rx[NIC_SLOTS];
	for (unsigned i = 0; i < NIC_SLOTS; i++)
		rx[i] = region_pa + NIC_RX_AREA + i * NIC_BUF_SIZE;
	e1000_start(&p->hw, ring, ring_pa, rx, flags >> NIC_ITR_SHIFT);
	return IPC_OK;
}

/* Queue the next n transmit slots, all or none. */
static int transmit(struct nic_port *p, uint64_t n)
{
	e1000_tx_reap(&p->hw);
	if (n > NIC_SLOTS - 1)
		return E_INVAL;
	if (n > e1000_tx_room(&p->hw))
		return E_FULL;
	unsigned tail = p->hw.tx_tail;
	for (uint64_t i = 0; i < n; i++) {
		/* One read of what the client may still be changing. */
		struct nic_txreq r = p->shared->tx[p->hw.tx_tail];
		int err = r.len < NIC_FRAME_MIN ? E_INVAL :
			  r.len > NIC_FRAME_MAX ? E_TOOBIG :
			  r.offset < NIC_TX_AREA || r.offset > p->region_size ||
			  r.len > p->region_size - r.offset ? E_FAULT : IPC_OK;
		if (err) {
			p->hw.tx_tail = tail;          /* never kicked: the device saw none */
			return err;
		}
		e1000_tx_post(&p->hw, p->region_pa + r.offset, r.len);
	}
	if (n) {
		e1000_tx_kick(&p->hw);
		e1000_tx_reap(&p->hw);
	}
	return IPC_OK;
}

int nic_xfer(struct nic_port *p, uint64_t tx_count, uint64_t rx_max, uint64_t out[3])
{
	e1000_rx_release(&p->hw, p->hw.rx_next);    /* what we handed over last time */
	int err = transmit(p, tx_count);
	if (err)
		return err;
	unsigned first = p->hw.rx_next, n = 0;
	while (n < rx_max && n < NIC_SLOTS - 1 && e1000_rx_ready(&p->hw)) {
		uint16_t len;
		uint8_t status, errors;
		unsigned slot = e1000_rx_take(&p->hw, &len, &status, &errors);
		p->shared->rx[slot] = (struct nic_rxinfo){ .len = len, .status = status,
							   .errors = errors };
		n++;
	}
	out[0] = first;
	out[1] = n;
	out[2] = p->hw.tx_done;
	return IPC_OK;
}

void nic_info(struct nic_port *p, uint64_t out[3])
{
	uint64_t mac = 0;
	for (unsigned i = 0; i < 6; i++)
		mac |= (uint64_t)p->hw.mac[i] << 8 * i;
	out[0] = mac;
	out[1] = e1000_link_up(&p->hw);
	out[2] = p->interrupts;
}

void nic_stats(struct nic_port *p, uint64_t out[3])
{
	out[0] = p->interrupts;
	out[1] = p->overruns;
	out[2] = p->hw.regs[E1000_MPC / 4];
}

int nic_link_restart(struct nic_port *p)
{
	return e1000_autoneg_restart(&p->hw) ? IPC_OK : E_DEAD;
}

bool nic_link_up(struct nic_port *p)
{
	return e1000_link_up(&p->hw);
}

bool nic_prepare_wait(struct nic_port *p)
{
	if (e1000_irq_causes(&p->hw) & ICR_RXO)
		p->overruns++;
	return e1000_rx_ready(&p->hw);
}
